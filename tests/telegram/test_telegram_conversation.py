"""End to end over HTTP: aiogram's real client long-polls the fake Bot API server; real engine and SQLite.

Each test is a customer talking to the bot: what they send is an update pushed into the fake server's
getUpdates queue, what they see is the sendMessage / answerCallbackQuery calls the server recorded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.engine.messages import say
from bot.engine.types import Inbound, Outcome
from bot.storage.models import Message
from tests.fakes.telegram_api import html_to_text
from tests.telegram.conftest import TelegramHarness, texts

ADA = 1001
BEN = 1002


async def test_commands_are_registered_in_three_languages_at_start_up(tg: TelegramHarness) -> None:
    calls = tg.api.calls_to("setMyCommands")
    assert [c.get("language_code") for c in calls] == ["zh", "en", None]
    for call in calls:
        assert [c["command"] for c in call["commands"]] == ["start", "help", "language"]
        assert call["scope"] == {"type": "all_private_chats"}
    assert calls[1]["commands"][0]["description"] == "Start / main menu"
    assert calls[0]["commands"][0]["description"] == "开始 / 主菜单"
    assert tg.api.calls_to("deleteWebhook"), "polling removes any webhook first"
    assert tg.api.calls_to("getMe")


@pytest.mark.parametrize(
    ("language_code", "language"),
    [("zh-hans", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh-hk", "zh-Hant"), ("en-US", "en"), ("ru", "zh-Hans"), (None, "zh-Hans")],
)
async def test_start_greets_in_the_customers_language_with_the_menu(tg: TelegramHarness, language_code: str | None, language: str) -> None:
    [greeting] = await tg.say(ADA, "/start", language_code=language_code)
    assert html_to_text(greeting["text"]) == say("welcome", language, brand="Acme Care")  # type: ignore[arg-type]
    assert greeting["parse_mode"] == "HTML"
    assert [len(row) for row in greeting.buttons] == [2, 2]
    assert greeting.button_texts == [say(f"menu.{item}", language) for item in ("faq", "book", "status", "human")]  # type: ignore[arg-type]


async def test_typing_is_shown_while_the_engine_works(tg: TelegramHarness) -> None:
    gate = asyncio.Event()
    engine = tg.runtime.engine

    class SlowEngine:
        async def handle(self, inbound: Inbound, keep: Any = None) -> Outcome:
            await gate.wait()
            return await engine.handle(inbound, keep)

    tg.runtime.engine = SlowEngine()  # type: ignore[assignment]  # the channel goes through Runtime.handle
    tg.channel.typing_delay = 0.01  # shown after 0.25 s in production; a quick answer needs none
    tg.channel.typing_interval = 0.05
    tg.api.push_update(tg.api.message(ADA, "How long is the warranty?"))
    await tg.api.wait_for(lambda: len(tg.api.calls_to("sendChatAction")) >= 2)  # renewed while it works
    assert tg.api.sent(ADA) == []
    gate.set()
    [answer] = await tg.api.wait_sent(ADA, 1)
    assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
    assert {c["action"] for c in tg.api.calls_to("sendChatAction")} == {"typing"}
    last_typing = max(i for i, c in enumerate(tg.api.calls) if c.method == "sendChatAction")
    assert last_typing < tg.api.calls.index(answer)  # never "typing…" after the answer


async def test_help_says_what_the_bot_can_do(tg: TelegramHarness) -> None:
    [help_] = await tg.say(ADA, "/help")
    assert html_to_text(help_["text"]) == say("help", "en")
    assert len(help_.button_texts) == 4


async def test_menu_common_questions_then_pick_one(tg: TelegramHarness) -> None:
    [greeting] = await tg.say(ADA, "/start")
    answer, [popular] = await tg.press(ADA, greeting, "Common questions", expect=1)
    assert answer.get("text") is None and not answer.get("show_alert")
    assert html_to_text(popular["text"]) == say("faq.popular", "en")
    assert "Warranty period" in popular.button_texts
    _, [reply] = await tg.press(ADA, popular, "Warranty period", expect=1)
    assert html_to_text(reply["text"]) == "The whole device has a two-year warranty."
    assert reply.button_texts == ["👍", "👎"]


async def test_menu_talk_to_a_person_hands_off(tg: TelegramHarness) -> None:
    [greeting] = await tg.say(ADA, "/start")
    _, [reply] = await tg.press(ADA, greeting, "Talk to a person", expect=1)
    # The hand-off line, then the queue position and the wait (tests/handoff covers those).
    assert html_to_text(reply["text"]).startswith(say("handoff", "en") + "\n")
    assert say("handoff.queue", "en", position=1) in html_to_text(reply["text"])
    [row] = await tg.runtime.store.queue()
    assert (row.channel, row.customer_id, row.reason) == ("telegram", str(ADA), "human")


async def test_question_answer_and_feedback(tg: TelegramHarness) -> None:
    [answer] = await tg.say(ADA, "How long is the warranty?")
    assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
    assert answer.button_texts == ["👍", "👎"]

    callback, sent = await tg.press(ADA, answer, "👍")
    assert callback["text"] == say("feedback.thanks", "en") and not callback.get("show_alert")
    assert sent == []
    edit = await tg.api.wait_for(lambda: tg.api.calls_to("editMessageReplyMarkup"))
    assert edit[0]["chat_id"] == ADA and edit[0]["message_id"] == answer["_result"]["message_id"]
    assert not edit[0].get("reply_markup", {}).get("inline_keyboard")

    async with tg.runtime.database.sessions() as session:
        rated = (await session.scalars(select(Message).where(Message.feedback.is_not(None)))).all()
    assert [(m.intent_id, m.feedback, m.direction) for m in rated] == [("warranty.period", 1, "out")]


async def test_thumbs_down_is_stored_too(tg: TelegramHarness) -> None:
    [answer] = await tg.say(ADA, "How much is a new battery?")
    callback, _ = await tg.press(ADA, answer, "👎")
    assert callback["text"] == say("feedback.sorry", "en")
    async with tg.runtime.database.sessions() as session:
        feedback = await session.scalar(select(Message.feedback).where(Message.feedback.is_not(None)))
    assert feedback == -1


AMBIGUOUS = ["my warranty", "保修多久延保多少钱", "warranty", "warranty length or extension", "保修还是延保"]


async def test_ambiguous_question_gets_clarification_buttons(tg: TelegramHarness) -> None:
    # The matcher is tuned elsewhere: pick a phrasing it finds ambiguous today.
    question = next((q for q in AMBIGUOUS if tg.runtime.matcher.match(q).decision == "clarify"), None)
    assert question is not None, "none of the ambiguous phrasings is ambiguous to the matcher any more"
    [clarify] = await tg.say(ADA, question)
    assert html_to_text(clarify["text"]) == say("clarify", "en")
    assert {"Warranty period", "Extended warranty"} <= set(clarify.button_texts)
    assert clarify.button_texts[-1] == say("clarify.none", "en")
    assert all(len(row) == 1 for row in clarify.buttons)
    _, [answer] = await tg.press(ADA, clarify, "Extended warranty", expect=1)
    assert html_to_text(answer["text"]) == "You can buy an extended warranty within a year of purchase."
    assert answer.button_texts == ["👍", "👎"]


async def test_language_command_and_switch(tg: TelegramHarness) -> None:
    [picker] = await tg.say(ADA, "/language", language_code="zh-hans")
    assert html_to_text(picker["text"]) == say("language.choose", "zh-Hans")
    assert picker.button_texts == ["简体中文", "繁體中文", "English"]
    assert [len(row) for row in picker.buttons] == [3]
    _, [changed] = await tg.press(ADA, picker, "繁體中文", expect=1, language_code="zh-hans")
    assert html_to_text(changed["text"]) == say("language.changed", "zh-Hant")
    # Text written the same in both scripts keeps the chosen Traditional Chinese.
    [answer] = await tg.say(ADA, "保修期", language_code="zh-hans")
    assert html_to_text(answer["text"]) == "整機保固兩年。"


async def test_answers_are_html_escaped(tg: TelegramHarness) -> None:
    [answer] = await tg.say(ADA, "What are your hotline hours?")
    assert answer["text"] == "Call &lt;400-000-0000&gt; &amp; chat with us: every day 9:00-21:00 (&lt;b&gt;not&lt;/b&gt; R&amp;D)."
    assert html_to_text(answer["text"]) == "Call <400-000-0000> & chat with us: every day 9:00-21:00 (<b>not</b> R&D)."


async def test_long_answer_is_split_on_paragraphs(tg: TelegramHarness) -> None:
    parts = await tg.say(ADA, "How do I do a factory reset?", expect=3)
    shown = texts(parts)
    assert len(parts) == 3
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in shown)
    assert all(t.startswith("Step ") for t in shown)
    assert shown[-1].endswith("next step of the manual.")
    entry = tg.runtime.knowledge.entry("manual.reset")
    assert "\n\n".join(shown) == entry.answer_in("en", "Acme Care")
    assert [p.button_texts for p in parts] == [[], [], ["👍", "👎"]]


@pytest.mark.parametrize(
    ("content", "kind", "attachment"),
    [
        ({"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}}, "sticker", "telegram:sticker:s1"),
        ({"photo": [{"file_id": "small", "file_unique_id": "u2", "width": 90, "height": 90}, {"file_id": "p1", "file_unique_id": "u5", "width": 900, "height": 900}]}, "photo", "telegram:photo:p1"),
        ({"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}}, "voice", "telegram:voice:v1"),
        ({"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "invoice.pdf"}}, "document", "telegram:document:d1"),
        ({"location": {"latitude": 22.3, "longitude": 114.2}}, "location", "telegram:location:22.3,114.2"),
        ({"contact": {"phone_number": "+85212345678", "first_name": "Ada"}}, "contact", "telegram:contact:+85212345678"),
        ({"dice": {"emoji": "🎲", "value": 3}}, "other", None),
    ],
)
async def test_non_text_messages_get_a_polite_reply(tg: TelegramHarness, content: dict, kind: str, attachment: str | None) -> None:
    [reply] = await tg.say(ADA, None, **content)
    assert html_to_text(reply["text"]) == say("unsupported", "en")
    async with tg.runtime.database.sessions() as session:
        stored = (await session.execute(select(Message.kind, Message.attachment).where(Message.direction == "in"))).one()
    assert tuple(stored) == (kind, attachment)


async def test_photo_caption_is_read_as_the_question(tg: TelegramHarness) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]
    [reply] = await tg.say(ADA, None, photo=photo, caption="How much is a new battery?")
    assert html_to_text(reply["text"]) == "A battery replacement starts at 199 yuan."
    async with tg.runtime.database.sessions() as session:
        row = (await session.execute(select(Message.kind, Message.text).where(Message.direction == "in"))).one()
    assert tuple(row) == ("photo", "How much is a new battery?")


async def test_customers_are_kept_apart(tg: TelegramHarness) -> None:
    tg.api.push_update(tg.api.message(ADA, "How long is the warranty?"))
    tg.api.push_update(tg.api.message(BEN, "保修期多长时间", language_code="zh-hans"))
    [ada] = await tg.api.wait_sent(ADA, 1)
    [ben] = await tg.api.wait_sent(BEN, 1)
    assert html_to_text(ada["text"]).startswith("The whole device")
    assert html_to_text(ben["text"]) == "整机保修两年。"


async def test_a_failing_handler_is_logged_and_the_customer_gets_an_apology(
    tg: TelegramHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(inbound: object, keep: object = None) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(tg.runtime.engine, "handle", broken)  # the channel goes through Runtime.handle
    update = tg.api.message(ADA, "How long is the warranty?", language_code="zh-hant")
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
        tg.api.push_update(update)
        [apology] = await tg.api.wait_sent(ADA, 1)
    assert html_to_text(apology["text"]) == "抱歉，系統出了點問題，請稍後再試一次。"
    failure = next(r for r in caplog.records if "failed" in r.getMessage())
    assert str(update["update_id"]) in failure.getMessage() and failure.exc_info is not None
    assert tg.channel.stats.errors == 1


async def test_a_failing_button_press_is_answered_and_apologised_for(tg: TelegramHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    [greeting] = await tg.say(ADA, "/start")

    async def broken(inbound: object, keep: object = None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(tg.runtime.engine, "handle", broken)  # the channel goes through Runtime.handle
    callback, [apology] = await tg.press(ADA, greeting, "Common questions", expect=1)
    assert not callback.get("show_alert")
    assert html_to_text(apology["text"]) == "Sorry, something went wrong on our side. Please try again in a moment."
