"""Forms in YAML: read as the operator wrote them, and every mistake named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeErrors, load_knowledge
from tests.forms.conftest import FAULT_FORM
from tests.support import DEMO_KB, run_supportbot


def _errors(small_kb: Path, text: str) -> list[str]:
    (small_kb / "forms").mkdir(exist_ok=True)
    (small_kb / "forms" / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(small_kb)
    return [str(e).replace(str(small_kb / "forms") + "/", "") for e in caught.value.errors]


def test_the_shape_of_the_issue_loads_and_starts_like_an_faq_entry(form_kb: Path) -> None:
    knowledge = load_knowledge(form_kb)
    [form] = knowledge.forms
    assert [(f.id, f.type) for f in form.fields] == [("account", "text"), ("symptom", "choice"), ("visit", "date"), ("phone", "phone")]
    assert form.fields[0].ask["en"] == "Your broadband account number?"  # a "?" inside {...} is text (YAML 1.2)
    assert form.handoff == "queue" and form.fields[2].optional
    entry = knowledge.entry("broadband.fault_report")
    assert entry is not None and entry.flow == "form" and "report a broadband fault" in entry.questions


def test_the_demo_knowledge_base_ships_three_forms() -> None:
    knowledge = load_knowledge(DEMO_KB)
    assert {f.id for f in knowledge.forms} == {"broadband.fault_report", "telecom.spam_report", "complaint.order"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: colour, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}}\n",
         "bad.yaml:5 [f]: field 'x': type must be one of text, choice, yes_no, date, time, phone, number, serial, imei, address (got 'colour')"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: text, ask: {zh-Hans: a, en: a}}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}}\n",
         "bad.yaml:5 [f]: field 'x' ask is missing language zh-Hant"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - id: x\n      type: choice\n      ask: {zh-Hans: a, zh-Hant: a, en: a}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}}\n",
         "bad.yaml:5 [f]: field 'x': a choice needs a list of 2 to 12 options, each in the three languages"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: text, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n  done:\n    reply: {zh-Hans: '单号 {ticket}', zh-Hant: '單號 {ticket}', en: 'Ticket {tikcet}'}\n",
         "bad.yaml:7 [f]: done reply en has unknown placeholder {tikcet}: use {ticket}, {title}, {brand} or a field id, anything else is shown to customers as written"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: text, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n    - {id: x, type: phone, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}, handoff: agents}\n",
         "bad.yaml:6 [f]: field 'x': id used twice (or reserved: ticket, title, brand)"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: text, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}, handoff: agents}\n",
         "bad.yaml:6 [f]: done: handoff must be queue (got 'agents')"),
        ("- id: f\n  questions: [q]\n  fields: []\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}}\n",
         "bad.yaml:1 [f]: title must be a mapping of zh-Hans, zh-Hant and en"),
        ("- id: warranty.period\n  title: {zh-Hans: a, zh-Hant: a, en: a}\n  questions: [q]\n  fields:\n    - {id: x, type: text, ask: {zh-Hans: a, zh-Hant: a, en: a}}\n  done: {reply: {zh-Hans: a, zh-Hant: a, en: a}}\n",
         "bad.yaml:1 [warranty.period]: form id already used, by the entry at"),
        ("- id: f\n  title: {zh-Hans: a, zh-Hant: a, en: a\n", "bad.yaml:3: invalid YAML"),
    ],
)
def test_each_mistake_is_named_with_file_and_line(small_kb: Path, text: str, expected: str) -> None:
    errors = _errors(small_kb, text)
    assert any(e.startswith(expected) for e in errors), errors


def test_kb_check_counts_the_forms_and_fails_on_a_broken_one(form_kb: Path) -> None:
    ok = run_supportbot("kb", "check", "--kb", str(form_kb))
    assert ok.returncode == 0, ok.stderr
    assert "forms: 1 (broadband.fault_report: 4 questions)" in ok.stdout
    (form_kb / "forms" / "reports.yaml").write_text(FAULT_FORM.replace("type: phone", "type: telephone"), encoding="utf-8")
    broken = run_supportbot("kb", "check", "--kb", str(form_kb))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "reports.yaml:14 [broadband.fault_report]: field 'phone': type must be one of" in broken.stderr
