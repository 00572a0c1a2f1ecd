"""`supportbot kb doctor` on a small hand-made knowledge base with one of each problem it must find."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import run_supportbot

ANSWER = "  answer: {{zh-Hans: {0}, zh-Hant: {0}, en: {0}}}\n"

# screen.repair and screen.price: every example has a twin in the other intent (one character apart), so
# held out it votes for its twin's intent. invoice.mail has one example; hours has near-duplicates;
# warranty.period is written in Simplified Chinese only.
INTENTS = {
    "screen.repair": ["手机屏幕碎了怎么办", "笔记本屏幕裂开了能修吗", "平板的屏幕摔坏了找谁", "屏幕上有一条竖线咋办",
                      "My phone screen is cracked, help", "螢幕破了可以修理嗎"],
    "screen.price": ["手机屏幕碎了怎么弄", "笔记本屏幕裂开了能修吧", "平板的屏幕摔坏了找哪", "屏幕上有一条竖线咋修",
                     "My phone screen is cracked, price?", "螢幕破了可以修理喔"],
    "invoice.mail": ["发票能寄给我吗"],
    "hours": ["你们几点开门", "你们几点开门啊", "你们几点开门呀", "周末营业吗", "What are your opening hours?", "週末有營業嗎"],
    "warranty.period": ["保修期多长时间", "保修期从哪天开始算", "过了一年还在保修吗", "电池保修几个月", "保修到期了怎么查"],
    "password.reset": ["忘记密码了怎么办", "账号登不上去了", "How do I reset my password?", "I forgot my login",
                       "密碼忘記了怎麼辦", "验证码收不到"],
}


def _write_kb(root: Path, intents: dict[str, list[str]]) -> Path:
    (root / "faq").mkdir(parents=True)
    lines = []
    for intent, questions in intents.items():
        lines.append(f"- id: {intent}\n  questions: {json.dumps(questions, ensure_ascii=False)}\n")
        lines.append(ANSWER.format(f"answer for {intent}"))
    (root / "faq" / "faq.yaml").write_text("".join(lines), encoding="utf-8")
    return root


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_supportbot(*args, timeout=300)


def _doctor(*args: str) -> subprocess.CompletedProcess[str]:
    return _run("kb", "doctor", *args)


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_kb(tmp_path_factory.mktemp("doctor"), INTENTS)


@pytest.fixture(scope="module")
def report(kb_dir: Path) -> dict:
    done = _doctor("--kb", str(kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_reports_per_intent_cross_validated_accuracy(report: dict) -> None:
    assert report["version"] == 1
    summary = report["summary"]
    assert summary["intents"] == len(INTENTS)
    assert summary["examples"] == sum(map(len, INTENTS.values()))
    assert summary["folds"] == 5 and len(summary["fold_thresholds"]) == 5
    by_id = {d["id"]: d for d in report["intents"]}
    assert set(by_id) == set(INTENTS)  # the operator's intents only, not the built-in small talk
    for intent, questions in INTENTS.items():
        assert by_id[intent]["heldout"] == len(questions)  # each example held out exactly once
        assert 0.0 <= by_id[intent]["top1_accuracy"] <= 1.0
    # Worst first: the twins lose most of their votes to each other.
    accuracies = [d["top1_accuracy"] for d in report["intents"]]
    assert accuracies == sorted(accuracies)
    assert by_id["screen.repair"]["top1_accuracy"] <= 0.5
    assert by_id["screen.repair"]["voted_for"].get("screen.price", 0) >= 3


def test_json_reports_the_confused_pair_and_the_examples_that_cause_it(report: dict) -> None:
    top = report["confused_pairs"][0]
    assert top["intents"] == ["screen.price", "screen.repair"]
    assert top["count"] >= 6
    assert {e["intent"] for e in top["examples"]} == {"screen.price", "screen.repair"}
    votes = {(e["intent"], e["voted_for"]) for e in report["misvoting_examples"]}
    assert {("screen.repair", "screen.price"), ("screen.price", "screen.repair")} <= votes
    assert {e["text"] for e in report["misvoting_examples"]} <= {q for qs in INTENTS.values() for q in qs}
    assert all(e["voted_for"] != e["intent"] for e in report["misvoting_examples"])


def test_json_reports_few_similar_and_missing_languages(report: dict) -> None:
    few = {d["intent"]: d for d in report["few_examples"]}
    assert few["invoice.mail"] == {"intent": "invoice.mail", "examples": 1, "distinct_examples": 1, "reason": "few"}
    # 你们几点开门 / 啊 / 呀 are one example, and so are 周末营业吗 / 週末有營業嗎 (Traditional is read as Simplified).
    assert few["hours"]["reason"] == "similar" and few["hours"]["distinct_examples"] == 3
    assert set(few) == {"invoice.mail", "hours"}
    near = [d for d in report["near_duplicates"] if d["intent"] == "hours"]
    pairs = {frozenset(d["texts"]) for d in near}
    assert {frozenset({"你们几点开门", "你们几点开门啊"}), frozenset({"周末营业吗", "週末有營業嗎"})} <= pairs
    assert all(d["similarity"] >= 85 for d in report["near_duplicates"])
    shared = {frozenset(d["intents"]) for d in report["shared_examples"]}
    assert frozenset({"screen.repair", "screen.price"}) in shared
    missing = {d["intent"]: d for d in report["missing_languages"]}
    assert missing["warranty.period"]["missing"] == ["zh-Hant", "en"]
    assert missing["warranty.period"]["languages"] == {"zh-Hans": 5, "zh-Hant": 0, "en": 0}
    for covered in ("screen.repair", "hours", "password.reset"):
        assert covered not in missing


def test_text_report_shows_each_finding(kb_dir: Path) -> None:
    done = _doctor("--kb", str(kb_dir))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    sections = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(sections) >= 8  # title, summary and the seven sections
    assert "screen.price <-> screen.repair" in out
    assert "(screen.repair) -> screen.price" in out
    assert "screen.repair -> screen.price (" in out  # an example that votes for another intent
    assert "invoice.mail: 1 example" in out
    assert "hours: 6 examples, 3 distinct" in out
    assert '"你们几点开门" ~ "你们几点开门啊"' in out
    assert "warranty.period: no zh-Hant, en (has zh-Hans 5)" in out


def test_text_sections_are_cut_unless_all(tmp_path: Path) -> None:
    from bot.knowledge.faq import load_knowledge
    from bot.nlu.doctor import diagnose, render

    # 25 one-example intents: 25 "too few" findings, more than one section shows by default.
    intents = {f"topic.{i}": [f"问题{i}号怎么处理"] for i in range(25)}
    kb = load_knowledge(_write_kb(tmp_path, intents))
    report = diagnose(kb)
    assert len(report["few_examples"]) == 25
    short = render(report)
    few_section = short.split("Too few examples")[1].split("\n\n")[0]
    assert few_section.count(": 1 example") == 20
    assert "... 5 more (--all to list them)" in few_section
    full = render(report, limit=None)
    few_section = full.split("Too few examples")[1].split("\n\n")[0]
    assert few_section.count(": 1 example") == 25


def test_one_intent_kb_is_reported_without_cross_validation(tmp_path: Path) -> None:
    kb = _write_kb(tmp_path / "kb", {"only.one": ["保修多久", "保修期多长", "How long is the warranty?"]})
    done = _doctor("--kb", str(kb), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["folds"] == 0 and report["summary"]["top1_accuracy"] is None
    assert report["few_examples"][0]["intent"] == "only.one"
    assert report["missing_languages"] == []  # script-neutral Chinese counts for both scripts


def test_invalid_kb_fails_like_kb_check(tmp_path: Path) -> None:
    kb = _write_kb(tmp_path / "kb", INTENTS)
    (kb / "faq" / "broken.yaml").write_text("- id: broken\n  questions: [坏了]\n  answer: {en: only English}\n", encoding="utf-8")
    doctor, check = _doctor("--kb", str(kb), "--json"), _run("kb", "check", "--kb", str(kb))
    assert doctor.returncode == check.returncode == 1
    assert doctor.stdout == ""
    assert "missing language zh-Hans" in doctor.stderr
    assert doctor.stderr.splitlines()[-3:] == check.stderr.splitlines()[-3:]


def test_examples_a_merged_builtin_brought_are_not_held_out(tmp_path: Path) -> None:
    from bot.knowledge.faq import load_knowledge
    from bot.nlu.doctor import diagnose

    greetings = ["你好", "您好", "hello", "hi there", "早上好"]
    kb = load_knowledge(_write_kb(tmp_path, {"chat.hi": greetings, "hours": INTENTS["hours"]}))
    entry = kb.entry("chat.hi")
    assert entry is not None and getattr(entry, "merged_questions", ())  # the operator's greeting absorbed the built-in
    by_id = {d["id"]: d for d in diagnose(kb)["intents"]}
    assert by_id["chat.hi"]["examples"] == by_id["chat.hi"]["heldout"] == len(greetings)
    assert by_id["chat.hi"]["builtin_examples"] == len(entry.merged_questions)
