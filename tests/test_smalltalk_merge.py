"""The operator's own small talk absorbs the built-in intent that means the same (bot/knowledge/smalltalk.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Inbound
from bot.knowledge import load_knowledge
from bot.knowledge.faq import FaqEntry, _builtin_entries
from bot.knowledge.smalltalk import find_merges
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.support import run_supportbot

ANSWER = "{zh-Hans: \"%s\", zh-Hant: \"%s\", en: \"%s\"}"

KB = f"""\
- id: hi
  title: {{zh-Hans: 问好, zh-Hant: 問好, en: Hi}}
  questions: [你好啊, 您好，在吗, 哈喽，请问有人在吗, 早上好呀, 嗨，你好]
  answer: {ANSWER % ("欢迎光临小店。", "歡迎光臨小店。", "Welcome to our shop.")}
- id: people
  questions: [我要人工客服, 转人工服务, 找个真人聊聊, 人工, 帮我接人工]
  answer: {ANSWER % ("请稍等，同事马上来。", "請稍等，同事馬上來。", "One moment, a colleague is coming.")}
- id: warranty.period
  questions: [您好，请问保修期多久, 您好，保修几年, 您好，质保期是多久, 保固多久, "How long is the warranty?"]
  answer: {ANSWER % ("两年。", "兩年。", "Two years.")}
- id: hotline
  questions: [客服电话多少, 客服热线是多少, 客服几点下班, 客服電話幾點, "What is the hotline number?"]
  answer: {ANSWER % ("400-000-0000。", "400-000-0000。", "400-000-0000.")}
- id: language
  questions: [speak german, speak french please, switch to english, change the language, talk to me in chinese]
  answer: {ANSWER % ("好的。", "好的。", "Sure.")}
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "kb"
    (directory / "faq").mkdir(parents=True)
    (directory / "faq" / "chat.yaml").write_text(KB, encoding="utf-8")
    return directory


def test_operator_greeting_absorbs_the_builtin(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    hi = kb.entry("hi")
    assert hi is not None and hi.merged == ("smalltalk.greeting",)
    assert {"你好", "hello", "good morning"} <= set(hi.questions)  # the built-in's examples now vote for "hi"
    assert hi.questions[:5] == ("你好啊", "您好，在吗", "哈喽，请问有人在吗", "早上好呀", "嗨，你好")
    assert hi.answer["en"] == "Welcome to our shop."  # the operator's answer, not the built-in's
    assert "smalltalk.greeting" not in {e.id for e in kb.entries}  # one intent, not two splitting the votes
    assert kb.entry("smalltalk.greeting") is hi  # the built-in's id still finds it
    assert kb.question_count == 25  # only what the operator wrote


def test_unrelated_intents_are_not_merged(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    for entry_id in ("warranty.period", "hotline", "language"):
        entry = kb.entry(entry_id)
        assert entry is not None and entry.merged == () and entry.handoff is None, entry_id
    ids = {e.id for e in kb.entries}
    assert {"smalltalk.thanks", "smalltalk.goodbye"} <= ids  # nothing of the operator's means these


def test_person_request_intent_takes_over_the_handoff(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    people = kb.entry("people")
    assert people is not None and people.merged == ("handoff.human",) and people.handoff == "human"
    assert "handoff.human" not in {e.id for e in kb.entries}


def _entry(entry_id: str, *questions: str) -> FaqEntry:
    return FaqEntry(id=entry_id, questions=questions, answer={"zh-Hans": "a", "zh-Hant": "a", "en": "a"})


def test_one_stray_example_is_not_enough() -> None:
    entry = _entry("repair.status", "谢谢", "维修进度怎么查", "修好了吗", "查一下维修单", "我的机器修到哪了")
    assert find_merges([entry], _builtin_entries()) == []


def test_greeting_openings_and_look_alike_english_do_not_merge() -> None:
    """With no operator greeting or person intent to take the built-ins, these still keep to themselves:
    a greeting that only opens questions sharing content of their own or that no example is as a whole,
    and English that shares letters ("speak german" / "speak to an agent") but not words."""
    warranty = _entry("warranty", "您好，请问保修期多久", "您好，保修几年", "您好，质保期是多久", "保固多久", "How long is the warranty?")
    language = _entry("language", "speak german", "speak french please", "switch to english", "change the language", "talk to me in chinese")
    hotline = _entry("hotline", "客服电话多少", "客服热线是多少", "客服几点下班", "客服電話幾點", "What is the hotline number?")
    table = _entry("table", "hey, i need a table for three at six", "hello, a table for two tonight please", "book a table for four", "can i reserve a table for friday", "table for two at 8 pm")
    assert find_merges([warranty, language, hotline, table], _builtin_entries()) == []


async def test_merged_intents_answer_through_the_engine(kb_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", knowledge_dir=kb_dir)
    runtime = await build_runtime(settings)
    try:
        person = await runtime.engine.handle(Inbound(channel="console", customer_id="ada", text="转人工"))
        assert person.handoff is not None and person.handoff.reason == "human"
        assert any("同事马上来" in r.text for r in person.replies)
        hello = await runtime.engine.handle(Inbound(channel="console", customer_id="bob", text="你好"))
        assert hello.handoff is None
        assert hello.replies[0].intent_id == "hi" and hello.replies[0].text == "欢迎光临小店。"
    finally:
        await runtime.close()


def test_kb_check_warns_about_each_merge(kb_dir: Path, tmp_path: Path) -> None:
    done = run_supportbot("kb", "check", "--kb", str(kb_dir), input=b"", cwd=tmp_path)
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr  # a warning, not an error
    assert "chat.yaml:1 [hi]: merged with the built-in smalltalk.greeting (its examples now count for hi)" in stderr
    assert "[people]: merged with the built-in handoff.human (its examples now count for people; it hands off" in stderr
    assert "[hotline]" not in stderr and "[warranty.period]" not in stderr
    assert "5 entries, 25 example questions" in done.stdout.decode()
