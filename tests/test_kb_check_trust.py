"""`supportbot kb check` refuses knowledge a customer would see broken (issue 9, item 9): a flow the bot
does not have and placeholders that are never filled in are errors with file:line; too few example
questions is a warning that says how many, printed but not failing the check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeErrors, load_knowledge
from bot.knowledge.faq import FLOWS, MIN_QUESTIONS, PLACEHOLDERS
from tests.conftest import ROOT
from tests.support import run_supportbot

QUESTIONS = "[保修多久, 保修期多长, 保固多久, 'How long is the warranty?', warranty period, 质保几年]"


def kb_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return run_supportbot("kb", "check", "--kb", str(directory))


def write_faq(directory: Path, text: str) -> Path:
    (directory / "faq").mkdir(parents=True, exist_ok=True)
    path = directory / "faq" / "a.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BROKEN = f"""\
- id: teleport.me
  questions: {QUESTIONS}
  answer: {{zh-Hans: 好的, zh-Hant: 好的, en: OK}}
  flow: teleport
- id: placeholders
  questions: {QUESTIONS}
  answer:
    zh-Hans: "{{brand}}保修{{oops}}年"
    zh-Hant: "{{brand}}保固{{0}}年"
    en: "{{brand!r}} warranty"
"""


def test_unknown_flow_and_placeholders_fail_with_file_and_line(tmp_path: Path) -> None:
    path = write_faq(tmp_path, BROKEN)
    result = kb_check(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert f"{path}:4 [teleport.me]: unknown flow 'teleport'" in result.stderr
    assert f"{path}:8 [placeholders]: answer zh-Hans has unknown placeholder {{oops}}" in result.stderr
    assert f"{path}:9 [placeholders]: answer zh-Hant has unknown placeholder {{0}}" in result.stderr
    assert f"{path}:10 [placeholders]: answer en has unknown placeholder {{brand!r}}" in result.stderr
    assert "the knowledge base has 4 problems" in result.stderr


def test_one_example_question_is_a_printed_warning_not_a_failure(tmp_path: Path) -> None:
    path = write_faq(
        tmp_path,
        "- id: lonely\n  questions: [保修多久]\n  answer: {zh-Hans: 两年, zh-Hant: 兩年, en: two years}\n"
        f"- id: fine\n  questions: {QUESTIONS}\n  answer: {{zh-Hans: 好, zh-Hant: 好, en: fine}}\n",
    )
    result = kb_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 2 entries")
    assert f"warning: {path}:1 [lonely]: only 1 example question (the README asks for 5 to 8)" in result.stderr
    assert "[fine]" not in result.stderr


def test_loader_level_checks(tmp_path: Path) -> None:
    write_faq(tmp_path, BROKEN)
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(tmp_path)
    messages = [e.message for e in caught.value.errors]
    assert sum("unknown placeholder" in m for m in messages) == 3
    assert any("unknown flow 'teleport'" in m for m in messages)

    write_faq(
        tmp_path,
        "- id: two\n  questions: [a b, c d]\n  title: {zh-Hans: '{brand}', zh-Hant: 保固, en: Warranty}\n"
        "  answer: {zh-Hans: '{brand}好', zh-Hant: 好, en: fine}\n",
    )
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(tmp_path)
    [error] = caught.value.errors
    assert error.line == 3 and "title zh-Hans has {brand}" in error.message

    write_faq(tmp_path, "- id: two\n  questions: [a b, c d]\n  answer: {zh-Hans: '{brand}好', zh-Hant: 好, en: fine}\n  flow: booking\n")
    kb = load_knowledge(tmp_path)
    [warning] = kb.warnings
    assert warning.entry_id == "two" and warning.line == 1
    assert f"only 2 example questions (the README asks for {MIN_QUESTIONS} to 8)" in warning.message
    assert kb.entry("two").flow == "booking"  # type: ignore[union-attr]


def test_the_demo_knowledge_passes_without_entry_warnings() -> None:
    kb = load_knowledge(ROOT / "knowledge")
    assert kb.warnings == ()


async def test_known_flows_are_the_runtime_s_flows(tmp_path: Path) -> None:
    """FLOWS in the loader must name exactly the flows the runtime can start (booking, with the demo)."""
    from bot.knowledge.forms import FORM_FLOW
    from bot.runtime import build_runtime
    from bot.settings import load_settings

    runtime = await build_runtime(load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))
    try:
        # Every flow an FAQ entry may name, plus "form", which only forms' own entries start.
        assert set(runtime.engine.flows) == {*FLOWS, FORM_FLOW}
    finally:
        await runtime.close()


def test_placeholders_are_the_ones_answers_fill_in() -> None:
    from bot.knowledge.faq import FaqEntry

    entry = FaqEntry(id="x", questions=("q",), answer={"zh-Hans": "a", "zh-Hant": "a", "en": "{brand}"})
    assert PLACEHOLDERS == ("brand",) and entry.answer_in("en", "Acme") == "Acme"
