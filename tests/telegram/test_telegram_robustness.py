"""What goes wrong in production: redelivered updates, flood control (429), customers who block the bot,
customers who flood it, and forged or outdated buttons. Same end-to-end setup as the conversation tests."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.messages import say
from bot.channels.telegram.texts import channel_text
from tests.fakes.telegram_api import html_to_text
from tests.telegram.conftest import TelegramHarness

ADA = 2001
BEN = 2002


async def _blocked(tg: TelegramHarness, chat_id: int) -> bool:
    return await tg.runtime.store.is_blocked("telegram", str(chat_id))


async def test_a_redelivered_update_is_answered_once(tg: TelegramHarness) -> None:
    update = tg.api.message(ADA, "How long is the warranty?")
    tg.api.push_update(update)
    await tg.api.wait_sent(ADA, 1)
    tg.api.push_update(update)  # Telegram sends the same update again
    await tg.say(ADA, "How much is a new battery?")  # a later message is answered...
    assert tg.channel.stats.duplicate_updates == 1
    assert len(tg.api.sent(ADA)) == 2  # ...and the redelivery was not


async def test_the_engine_also_refuses_a_message_it_already_answered(tg: TelegramHarness) -> None:
    """After a restart the update-id memory is gone; the stored Telegram message id still catches it."""
    update = tg.api.message(ADA, "How long is the warranty?")
    tg.api.push_update(update)
    await tg.api.wait_sent(ADA, 1)
    redelivery = {**update, "update_id": update["update_id"] + 1000}  # new update id, same message
    tg.api.push_update(redelivery)
    await tg.say(ADA, "How much is a new battery?")
    # A chat's updates are handled in update_id order: the redelivery's (later) id comes after the question.
    await tg.api.wait_for(lambda: tg.channel.stats.duplicate_messages == 1)
    assert len(tg.api.sent(ADA)) == 2


async def test_flood_control_is_waited_out_and_the_message_sent(tg: TelegramHarness) -> None:
    tg.api.fail_next("sendMessage", 1, 429, retry_after=1)
    [answer] = await tg.say(ADA, "How long is the warranty?")
    assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
    attempts = tg.api.calls_to("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0]["text"] == attempts[1]["text"]


async def test_blocking_and_unblocking_the_bot_is_recorded(tg: TelegramHarness) -> None:
    await tg.say(ADA, "/start")
    tg.api.push_update(tg.api.my_chat_member(ADA, "kicked"))
    await tg.api.wait_for(lambda: tg.channel.stats.blocked == 1)
    assert await _blocked(tg, ADA)
    tg.api.push_update(tg.api.my_chat_member(ADA, "member"))
    await tg.say(ADA, "How long is the warranty?")  # updates of one chat are handled in order
    assert not await _blocked(tg, ADA)


async def test_a_403_marks_the_customer_blocked_and_is_not_retried(tg: TelegramHarness) -> None:
    await tg.say(ADA, "/start")
    tg.api.fail_next("sendMessage", 1, 403)
    tg.api.push_update(tg.api.message(ADA, "How long is the warranty?"))
    await tg.api.wait_for(lambda: tg.channel.stats.blocked == 1)
    await tg.say(BEN, "/start")  # another customer is still served; by then Ada's update is finished
    assert await _blocked(tg, ADA)
    to_ada = [c for c in tg.api.calls_to("sendMessage") if c["chat_id"] == ADA]
    assert [c.status for c in to_ada] == [200, 403]  # no retry, no apology to someone who blocked us
    assert tg.channel.stats.errors == 0


class TestFloodLimit:
    """FLOOD_LIMIT_PER_MINUTE=3 for these tests; the clock is moved by hand."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"flood_limit_per_minute": 3}

    async def test_flooding_gets_one_notice_and_the_rest_is_dropped(self, tg: TelegramHarness) -> None:
        for n in range(3):
            await tg.say(ADA, f"How long is the warranty? {n}")
        for n in range(5):
            tg.api.push_update(tg.api.message(ADA, f"hello {n}"))
        await tg.api.wait_for(lambda: tg.channel.stats.flood_dropped == 5)
        shown = tg.api.sent_texts(ADA)
        assert shown[3:] == [channel_text("flood", "en")]  # one notice for the five
        # Someone else is not affected.
        await tg.say(BEN, "/start")
        # A minute later Ada is served again.
        tg.clock.advance(61)
        [answer] = await tg.say(ADA, "How much is a new battery?")
        assert html_to_text(answer["text"]) == "A battery replacement starts at 199 yuan."

    async def test_flooding_buttons_stop_spinning_but_do_nothing(self, tg: TelegramHarness) -> None:
        [greeting] = await tg.say(ADA, "/start")
        for _ in range(2):
            await tg.press(ADA, greeting, "Common questions", expect=1)
        callback, sent = await tg.press(ADA, greeting, "Common questions")
        assert callback["text"] == channel_text("flood", "en")
        callback, sent = await tg.press(ADA, greeting, "Common questions")
        assert callback.get("text") is None and sent == []
        assert tg.channel.stats.flood_dropped == 2


@pytest.mark.parametrize(
    "data",
    [
        "garbage",  # not ours at all
        "m:self_destruct",  # a menu item that does not exist
        "fb:abc:up",  # not a message id
        "lang:fr",  # not a language we speak
        "x" * 64,
    ],
)
async def test_forged_callback_data_gets_an_alert(tg: TelegramHarness, data: str) -> None:
    [greeting] = await tg.say(ADA, "/start")
    callback, sent = await tg.press_data(ADA, greeting, data)
    assert callback["show_alert"] is True
    assert callback["text"] == channel_text("stale", "en")
    assert sent == [] and tg.channel.stats.errors == 0


@pytest.mark.parametrize("data", ["q:no.such.entry", "fb:999999:up", "q:~0123456789abcdef0123"])
async def test_stale_buttons_the_engine_rejects_get_an_alert(tg: TelegramHarness, data: str) -> None:
    [greeting] = await tg.say(ADA, "/start")
    callback, sent = await tg.press_data(ADA, greeting, data)
    assert callback["show_alert"] is True
    assert callback["text"] == say("stale", "en")
    assert sent == [] and tg.channel.stats.errors == 0


async def test_feedback_on_someone_elses_answer_is_refused(tg: TelegramHarness) -> None:
    [answer] = await tg.say(ADA, "How long is the warranty?")
    data = answer.button("👍")["callback_data"]
    callback, _ = await tg.press_data(BEN, None, data)
    assert callback["show_alert"] is True and callback["text"] == say("stale", "en")
