"""The agents' chat when Telegram misbehaves: deleted and closed topics, flood limits, pacing, customers who
blocked the bot, redeliveries. Nothing is lost: what cannot be delivered is kept and shown to the agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine.messages import say
from bot.storage.handoff import HandoffOutbox
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.handoff.telegram_harness import ADA, AGENTS, OTHER_AGENT, AgentsHarness, start_agents_harness, stop_agents_harness


@pytest.fixture
async def ag(api: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[AgentsHarness]:
    harness = await start_agents_harness(api, tmp_path)
    try:
        yield harness
    finally:
        await stop_agents_harness(harness)


async def topic_of(ag: AgentsHarness, customer: int = ADA) -> int:
    await ag.customer(customer, "human")
    await ag.idle()
    return ag.api.topic(AGENTS, "Ada").thread_id


async def test_a_deleted_topic_is_created_again(ag: AgentsHarness) -> None:
    old = await topic_of(ag)
    ag.api.topics[(AGENTS, old)].deleted = True  # an admin deleted the topic
    await ag.customer(ADA, "Anyone there?", expect=0)
    new = ag.api.topic(AGENTS, "Ada").thread_id
    assert new != old
    card = ag.card(new)
    assert "♻️ The previous topic was deleted; this one replaces it." in html_to_text(card["text"])
    assert ag.topic_posts(new)[-1] == "👤 Ada\nAnyone there?"
    # Agents now write in the new topic and reach the customer.
    await ag.agent("Yes, I am here", thread=new)
    assert html_to_text(ag.api.sent(ADA)[-1]["text"]) == "Alice: Yes, I am here"


async def test_a_closed_topic_is_reopened(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    ag.api.topics[(AGENTS, topic)].closed = True  # closed by hand while the customer still waits
    await ag.customer(ADA, "Hello?", expect=0)
    assert ag.topic_posts(topic)[-1] == "👤 Ada\nHello?"
    assert not ag.api.topics[(AGENTS, topic)].closed
    assert ag.api.calls_to("reopenForumTopic")


async def test_flood_control_in_the_group_keeps_the_message_for_later(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    ag.api.fail_next("sendMessage", 4, 429, retry_after=30, chat_id=AGENTS)  # more than the client retries
    await ag.customer(ADA, "first", expect=0)  # idle() publishes as of an hour ahead: retried at once
    await ag.customer(ADA, "second", expect=0)
    # Kept while the group refused it, then sent with the next one: in order, nothing lost, one post.
    assert ag.topic_posts(topic)[-1] == "👤 Ada\nfirst\nsecond"
    assert 30 in ag.sleeps  # the client waited out the first 429s


async def test_a_failed_round_waits_for_the_retry_time(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    ag.api.fail_next("sendMessage", 4, 429, retry_after=30, chat_id=AGENTS)
    update = ag.api.push_update(ag.api.message(ADA, "kept"))
    async with __import__("asyncio").timeout(10):
        while update["update_id"] not in ag.handled:
            ag.changed.clear()
            await ag.changed.wait()
    await ag.idle(now=ag.clock.now)  # the group says "retry after 30 s"
    assert "👤 Ada\nkept" not in ag.topic_posts(topic)
    async with ag.runtime.database.sessions() as session:
        [row] = (await session.scalars(select(HandoffOutbox).where(HandoffOutbox.kind == "message"))).all()
    assert row.status == "pending" and row.error and "flood" in row.error
    await ag.idle(now=ag.clock.advance(seconds=31))
    assert ag.topic_posts(topic)[-1] == "👤 Ada\nkept"


async def test_posts_into_the_group_are_paced(api: FakeTelegramAPI, tmp_path: Path) -> None:
    ag = await start_agents_harness(api, tmp_path, flood_limit_per_minute=100)
    try:
        await _paced(ag)
    finally:
        await stop_agents_harness(ag)


async def _paced(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    for index in range(24):
        photo = [{"file_id": f"AgAC{index}", "file_unique_id": f"u{index}", "width": 9, "height": 9}]
        ag.api.push_update(ag.api.message(ADA, None, photo=photo))
    await ag.api.wait_for(lambda: len([c for c in ag.api.calls if c.method == "getUpdates"]) > 3)
    async with __import__("asyncio").timeout(10):
        while len(ag.handled) < 25:
            ag.changed.clear()
            await ag.changed.wait()
    await ag.idle()
    copies = [c for c in ag.api.calls_to("copyMessage") if c["message_thread_id"] == topic]
    assert len(copies) == 24
    assert ag.desk.pacer.waited > 0  # over 20 a minute: the pacer waited (on the fake clock) instead of bursting


async def test_a_customer_who_blocked_the_bot_gets_the_message_later(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    await ag.agent("/take", thread=topic)
    ag.api.fail_next("sendMessage", 1, 403, chat_id=ADA)
    await ag.agent("Your device is ready", thread=topic)
    assert ag.topic_posts(topic)[-1].startswith("⚠️ Not delivered: the customer cannot receive messages now")
    [reply_back, _] = await ag.customer(ADA, "I unblocked you", expect=2)
    texts = [html_to_text(c["text"]) for c in ag.api.sent(ADA)[-2:]]
    assert texts == [say("handoff.while_away", "en"), "Alice: Your device is ready"]
    await ag.idle()
    assert ag.topic_posts(topic)[-1] == "📬 1 kept message delivered to the customer now."  # plural form (was "message(s)")
    assert html_to_text(reply_back["text"]) == say("handoff.while_away", "en")


async def test_card_buttons_take_release_and_take_over(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    answer = await ag.press(ag.card(topic), "✋ Take")
    assert answer["text"] == "It is yours now." and not answer.get("show_alert")
    assert ag.card(topic).button_texts == ["✋ Take", "↩️ Release", "✅ Close"]
    again = await ag.press(ag.card(topic), "✋ Take")
    assert again["text"] == "You already have this conversation."
    over = await ag.press(ag.card(topic), "✋ Take", user=OTHER_AGENT)
    assert over["text"] == "It is yours now."
    assert "✋ Bob took this conversation over from Alice." in ag.topic_posts(topic)
    await ag.press(ag.card(topic), "↩️ Release", user=OTHER_AGENT)
    assert "Status: waiting" in html_to_text(ag.card(topic)["text"])


async def test_a_redelivered_agent_message_reaches_the_customer_once(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    update = ag.api.group_message(AGENTS, 7001, "Once only", thread=topic, first_name="Alice")
    ag.api.push_update(update)
    await ag.api.wait_for(lambda: any(html_to_text(c["text"]) == "Alice: Once only" for c in ag.api.sent(ADA)))
    duplicate = dict(update, update_id=update["update_id"] + 1000)  # same message, new update id
    ag.api.push_update(duplicate)
    await ag.settled(duplicate["update_id"])
    assert [html_to_text(c["text"]) for c in ag.api.sent(ADA)].count("Alice: Once only") == 1


async def test_unsupported_agent_content_is_not_sent(ag: AgentsHarness) -> None:
    topic = await topic_of(ag)
    before = len(ag.api.sent(ADA))
    await ag.agent(thread=topic, sticker={"file_id": "CAAC", "file_unique_id": "s", "type": "regular", "width": 9, "height": 9, "is_animated": False, "is_video": False})
    assert ag.api.sent(ADA)[before:] == []
    assert ag.topic_posts(topic)[-1] == "Only text, photos and documents can be sent to the customer."
