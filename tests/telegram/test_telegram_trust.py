"""Text no database can hold, sent over Telegram's wire format: kept with U+FFFD, stored once, answered."""

from __future__ import annotations

from bot.engine.types import ReplyKind
from tests.telegram.conftest import TelegramHarness

ADA = 2101


async def test_a_lone_surrogate_is_stored_and_answered(tg: TelegramHarness) -> None:
    # The fake Bot API serialises the update as JSON, so the text arrives as the escape "\ud800" that
    # aiogram decodes into a lone surrogate: exactly what a forged or broken client can send.
    [reply] = await tg.say(ADA, "\ud800 How long is the warranty? \udfff")
    assert "two-year warranty" in reply["text"]
    conversation = await tg.runtime.store.conversation("telegram", str(ADA))
    assert conversation is not None
    transcript = await tg.runtime.store.transcript(conversation.id)
    inbound = [m for m in transcript if m.direction == "in"]
    assert [m.text for m in inbound] == ["\ufffd How long is the warranty? \ufffd"]
    assert [m.kind for m in transcript if m.direction == "out"] == [ReplyKind.ANSWER.value]


async def test_a_surrogate_in_the_display_name_does_not_lose_the_message(tg: TelegramHarness) -> None:
    update = tg.api.message(ADA, "How long is the warranty?")
    update["message"]["from"]["first_name"] = "Ada \ud83d"
    update["message"]["chat"]["first_name"] = "Ada \ud83d"
    before = len(tg.api.sent(ADA))
    tg.api.push_update(update)
    [reply] = (await tg.api.wait_sent(ADA, before + 1))[before:]
    assert "two-year warranty" in reply["text"]
    conversation = await tg.runtime.store.conversation("telegram", str(ADA))
    assert conversation is not None and conversation.display_name is not None
    assert "\ufffd" in conversation.display_name
