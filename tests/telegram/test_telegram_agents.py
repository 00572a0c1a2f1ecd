"""Human hand-off round trips over the fake Bot API: customers in private chats, agents in a supergroup
with topics. What customers and agents see is what the fake server recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine.messages import say
from bot.storage.handoff import EscalationNote
from bot.storage.models import Escalation, Message
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.handoff.telegram_harness import (
    ADA,
    AGENT,
    AGENTS,
    BEN,
    OUTSIDER,
    AgentsHarness,
    start_agents_harness,
    stop_agents_harness,
)


@pytest.fixture
async def ag(api: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[AgentsHarness]:
    harness = await start_agents_harness(api, tmp_path)
    try:
        yield harness
    finally:
        await stop_agents_harness(harness)


async def handed_off(ag: AgentsHarness, customer: int = ADA, text: str = "I want to talk to a human") -> int:
    """The customer asks for a person; returns the topic of the escalation."""
    [reply] = await ag.customer(customer, text)
    assert reply.button_texts == [say("handoff.cancel", "en")] and say("handoff.queue", "en", position=1) in html_to_text(reply["text"])
    await ag.idle()
    return ag.api.topic(AGENTS, "Ada").thread_id


async def escalation(ag: AgentsHarness) -> Escalation:
    async with ag.runtime.database.sessions() as session:
        return (await session.scalars(select(Escalation).order_by(Escalation.id.desc()))).first()  # type: ignore[return-value]


async def test_low_confidence_hand_off_opens_a_topic_with_the_card(ag: AgentsHarness) -> None:
    await ag.customer(ADA, "What is the weather in Paris tomorrow?")
    [reply] = await ag.customer(ADA, "Will the stock market go up?")
    text = html_to_text(reply["text"])
    assert text.startswith(say("handoff.low_confidence", "en")) and say("handoff.queue", "en", position=1) in text
    assert reply.button_texts == [say("handoff.cancel", "en")]
    await ag.idle()
    topic = ag.api.topic(AGENTS, "Ada")
    assert topic.name == "⚪ Ada · Bot could not answer"
    card = ag.card(topic.thread_id)
    body = html_to_text(card["text"])
    assert "#1 Ada" in body and "Customer: Ada (telegram 1001)" in body and "Language: English" in body
    assert "What is the weather in Paris tomorrow?" in body and "Will the stock market go up?" in body
    assert card.button_texts == ["✋ Take", "✅ Close"]
    assert card["parse_mode"] == "HTML"


async def test_explicit_request_and_agent_reply_reaches_the_customer(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    assert ag.api.topics[(AGENTS, topic)].name == "🟡 Ada · Asked for a person"
    before = len(ag.api.sent(ADA))
    await ag.agent("Hi, I am Alice. Which model do you have?", thread=topic)
    sent = ag.api.sent(ADA)[before:]
    assert [html_to_text(c["text"]) for c in sent] == [
        say("handoff.taken", "en", agent="Alice"),  # writing in a waiting topic takes the conversation
        "Alice: Hi, I am Alice. Which model do you have?",
    ]
    assert "✋ Alice took this conversation." in ag.topic_posts(topic)
    assert "Status: assigned (Alice)" in html_to_text(ag.card(topic)["text"])
    assert ag.card(topic).button_texts == ["✋ Take", "↩️ Release", "✅ Close"]


async def test_agent_photo_and_document_reach_the_customer(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    await ag.agent(thread=topic, photo=[{"file_id": "AgACphoto", "file_unique_id": "p1", "width": 90, "height": 90}], caption="This port?")
    [photo] = [c for c in ag.api.calls_to("sendPhoto") if c["chat_id"] == ADA]
    assert photo["photo"] == "AgACphoto" and html_to_text(photo["caption"]) == "Alice: This port?"
    await ag.agent(thread=topic, document={"file_id": "BQACdoc", "file_unique_id": "d1", "file_name": "manual.pdf"})
    [document] = [c for c in ag.api.calls_to("sendDocument") if c["chat_id"] == ADA]
    assert document["document"] == "BQACdoc"


async def test_customer_messages_appear_in_the_topic(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    nothing = await ag.customer(ADA, "My laptop <X15> will not start", expect=0)
    assert nothing == []  # the bot stays quiet: the person answers
    await ag.customer(ADA, "It is 2 years old", expect=0)
    posts = ag.topic_posts(topic)
    assert posts[-2:] == ["👤 Ada\nMy laptop <X15> will not start", "👤 Ada\nIt is 2 years old"]
    assert "&lt;X15&gt;" in ag.api.posts(AGENTS, topic)[-2]["text"]  # escaped
    await ag.customer(ADA, expect=0, photo=[{"file_id": "AgACcustomer", "file_unique_id": "c1", "width": 90, "height": 90}])
    [copy] = ag.api.calls_to("copyMessage")
    assert (copy["chat_id"], copy["from_chat_id"], copy["message_thread_id"]) == (AGENTS, ADA, topic)


async def test_internal_note_is_not_relayed(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    before = len(ag.api.sent(ADA))
    await ag.agent("/note Customer sounds upset, offer a loaner", thread=topic)
    assert ag.api.sent(ADA)[before:] == []
    assert ag.topic_posts(topic)[-1] == "📝 Note saved (not sent to the customer)."
    async with ag.runtime.database.sessions() as session:
        [note] = (await session.scalars(select(EscalationNote))).all()
    assert (note.text, note.agent_name) == ("Customer sounds upset, offer a loaner", "Alice")


async def test_agent_text_no_database_can_hold_is_kept_and_delivered(ag: AgentsHarness) -> None:
    """An agent's message or note with a lone surrogate (from the update's JSON) is stored with U+FFFD and
    delivered, not lost in a failed transaction."""
    topic = await handed_off(ag)
    before = len(ag.api.sent(ADA))
    await ag.agent("Which model \ud800 do you have?", thread=topic)
    sent = [html_to_text(c["text"]) for c in ag.api.sent(ADA)[before:]]
    assert sent[-1] == "Alice: Which model \ufffd do you have?"
    await ag.agent("/note odd \udfff text", thread=topic)
    async with ag.runtime.database.sessions() as session:
        [note] = (await session.scalars(select(EscalationNote))).all()
        stored = (await session.scalars(select(Message.text).where(Message.kind == "agent"))).all()
    assert note.text == "odd \ufffd text" and stored == ["Which model \ufffd do you have?"]


async def test_non_agents_and_other_chats_are_ignored(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    before = len(ag.api.sent(ADA))
    await ag.agent("I am not staff, but hello", thread=topic, user=OUTSIDER)
    assert ag.api.sent(ADA)[before:] == []
    card = ag.card(topic)
    answer = await ag.press(card, "✋ Take", user=OUTSIDER)
    assert answer.get("show_alert") and answer["text"] == "Only agents can do this."
    assert (await escalation(ag)).status == "waiting"
    # An agent writing in General (not a topic) is talk among agents: nothing reaches a customer.
    await ag.agent("Who takes Ada?")
    assert ag.api.sent(ADA)[before:] == []


async def test_close_sends_the_survey_and_the_score_reaches_the_card(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    await ag.agent("Your repair is booked for tomorrow.", thread=topic)
    answer = await ag.press(ag.card(topic), "✅ Close")
    assert answer["text"] == "Closed."
    closing, survey = ag.api.sent(ADA)[-2:]
    assert html_to_text(closing["text"]) == say("handoff.closed", "en")
    assert html_to_text(survey["text"]) == say("survey.ask", "en")
    assert [len(row) for row in survey.buttons] == [5]
    assert ag.api.topics[(AGENTS, topic)].closed and ag.api.topics[(AGENTS, topic)].name.startswith("✅")
    customer_answer, [comment_prompt] = await _press_customer(ag, survey, "4 ⭐⭐⭐⭐")
    assert html_to_text(comment_prompt["text"]) == say("survey.comment", "en")
    [thanks] = await ag.customer(ADA, "Quick and friendly")
    assert html_to_text(thanks["text"]) == say("survey.thanks", "en")
    await ag.idle()
    row = await escalation(ag)
    assert (row.status, row.survey_score, row.survey_comment) == ("resolved", 4, "Quick and friendly")
    assert "Satisfaction: 4/5 “Quick and friendly”" in html_to_text(ag.card(topic)["text"])
    [answer_] = await ag.customer(ADA, "How long is the warranty?")
    assert html_to_text(answer_["text"]) == "The whole device has a two-year warranty."  # the bot again


async def _press_customer(ag: AgentsHarness, message, label: str):  # type: ignore[no-untyped-def]
    before = len(ag.api.sent(ADA))
    update = ag.api.push_update(ag.api.callback(ADA, message.button(label)["callback_data"], message))
    query_id = update["callback_query"]["id"]
    answer = await ag.api.wait_for(
        lambda: next((c for c in ag.api.calls_to("answerCallbackQuery") if c.get("callback_query_id") == query_id), None)
    )
    sent = await ag.api.wait_sent(ADA, before + 1)
    return answer, sent[before:]


async def test_the_customer_cancels_and_the_agents_see_it(ag: AgentsHarness) -> None:
    [reply] = await ag.customer(ADA, "human")
    await ag.idle()
    topic = ag.api.topic(AGENTS, "Ada").thread_id
    _, [back] = await _press_customer(ag, reply, say("handoff.cancel", "en"))
    assert html_to_text(back["text"]) == say("handoff.cancelled", "en")
    await ag.idle()
    assert "🙅 The customer cancelled and went back to the bot." in ag.topic_posts(topic)
    assert ag.api.topics[(AGENTS, topic)].closed
    assert ag.card(topic).buttons == []
    # An agent writing now is told, and the customer gets nothing.
    before = len(ag.api.sent(ADA))
    ag.api.topics[(AGENTS, topic)].closed = False  # an agent reopened it by hand
    await ag.agent("Hello?", thread=topic)
    assert ag.api.sent(ADA)[before:] == []
    assert ag.topic_posts(topic)[-1] == "This conversation is over: the customer is with the bot."


async def test_commands_take_release_bot_and_queue(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    await ag.agent("/take", thread=topic)
    assert (await escalation(ag)).agent_name == "Alice"
    await ag.agent("/release", thread=topic)
    assert (await escalation(ag)).status == "waiting"
    assert any(p.startswith("↩️ #1 Ada (Asked for a person) was released by Alice") for p in ag.general_posts())
    await ag.agent("/take 1")  # from General, by number
    assert ag.general_posts()[-1] == "It is yours now."
    await ag.agent("/bot", thread=topic)
    assert html_to_text(ag.api.sent(ADA)[-1]["text"]) == say("handoff.to_bot", "en")
    assert (await escalation(ag)).resolution == "to_bot"
    await ag.agent("/frobnicate", thread=topic)
    assert ag.topic_posts(topic)[-1].startswith("Unknown command.")


async def test_queue_lists_by_priority_and_age_with_due_times(ag: AgentsHarness) -> None:
    await ag.customer(ADA, "human")
    ag.clock.advance(minutes=2)
    await ag.customer(BEN, "This is ridiculous, terrible service!!")  # anger: no complaint entry in this kb
    await ag.idle()
    assert ag.api.topic(AGENTS, "🔴").name.startswith("🔴 Ada")  # Ben's chat is also "Ada" in the fake: by icon
    await ag.agent("/queue")
    listing = ag.general_posts()[-1].splitlines()
    assert listing[0] == "Waiting and assigned (2):"
    assert listing[1].startswith("🔴 #2") and "Angry customer" in listing[1] and "due" in listing[1]
    assert listing[2].startswith("🟡 #1") and "Asked for a person" in listing[2]
    # Each line links to its escalation's topic (kept in the Telegram channel's own table).
    [queue] = [c for c in ag.api.posts(AGENTS, None) if c["text"].startswith("Waiting and assigned")]
    for thread in (ag.api.topic(AGENTS, "🔴").thread_id, ag.api.topic(AGENTS, "🟡").thread_id):
        assert f'href="https://t.me/c/1234567890/{thread}"' in queue["text"]


async def test_stats_in_general(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    ag.clock.advance(minutes=4)
    await ag.agent("/take", thread=topic)
    await ag.agent("/close", thread=topic)
    await ag.agent("/stats")
    stats = ag.general_posts()[-1]
    assert stats.startswith("📊 Today") and "Hand-offs: 1 in 1 conversations (100%)" in stats and "median 4m" in stats


@pytest.mark.parametrize("when", ["sunday"])
async def test_office_hours_message(api: FakeTelegramAPI, tmp_path: Path, when: str) -> None:
    import datetime as dt
    import shutil

    from tests.handoff.conftest import HOURS_YAML
    from tests.telegram.conftest import KB_DIR

    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb)
    (kb / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
    harness = await start_agents_harness(api, tmp_path, knowledge_dir=kb)
    try:
        harness.clock.now = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)  # Sunday 12:00 in Shanghai
        [reply] = await harness.customer(ADA, "human")
        assert say("handoff.offline", "en", opening="tomorrow at 09:00", due="tomorrow at 09:15") in html_to_text(reply["text"])
    finally:
        await stop_agents_harness(harness)


async def test_overdue_escalations_are_announced_again_in_general(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    await ag.runtime.handoff.sweep(ag.clock.advance(minutes=20))
    await ag.idle()
    [announcement] = [p for p in ag.general_posts() if p.startswith("⏰")]
    assert "#1 Ada · Asked for a person · priority 1 · waiting" in announcement and "(5m late)" in announcement
    [link] = [c for c in ag.api.posts(AGENTS, None) if c["text"].startswith("⏰")]
    assert f'href="https://t.me/c/1234567890/{topic}"' in link["text"]


async def test_the_background_tasks_publish_without_being_asked(api: FakeTelegramAPI, tmp_path: Path) -> None:
    harness = await start_agents_harness(api, tmp_path, background=True)
    try:
        await harness.customer(ADA, "human")
        await api.wait_for(lambda: api.calls_to("createForumTopic") and api.posts(AGENTS, api.topic(AGENTS, "Ada").thread_id))
    finally:
        await stop_agents_harness(harness)




async def test_a_reply_in_general_is_not_a_topic_message(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    before = len(ag.api.sent(ADA))
    # In General, a reply carries the replied message's id as message_thread_id, without is_topic_message.
    update = ag.api.push_update(ag.api.group_message(AGENTS, AGENT, "Not for the customer", thread=topic, is_topic=False, first_name="Alice"))
    await ag.settled(update["update_id"])
    assert ag.api.sent(ADA)[before:] == []


async def test_membership_is_checked_once_and_cached(ag: AgentsHarness) -> None:
    topic = await handed_off(ag)
    await ag.agent("one", thread=topic)
    await ag.agent("two", thread=topic)
    assert [c["user_id"] for c in ag.api.calls_to("getChatMember")] == [AGENT]


async def test_agent_ids_allow_list(api: FakeTelegramAPI, tmp_path: Path) -> None:
    from tests.handoff.telegram_harness import OTHER_AGENT

    harness = await start_agents_harness(api, tmp_path, agent_ids=str(OTHER_AGENT))
    try:
        topic = await handed_off(harness)
        before = len(api.sent(ADA))
        await harness.agent("I am a member but not on the list", thread=topic)
        assert api.sent(ADA)[before:] == []
        await harness.agent("I am on the list", thread=topic, user=OTHER_AGENT)
        assert html_to_text(api.sent(ADA)[-1]["text"]) == "Bob: I am on the list"
        assert api.calls_to("getChatMember") == []  # the allow-list decides
    finally:
        await stop_agents_harness(harness)


async def test_the_agents_chat_is_checked_at_start_up(ag: AgentsHarness, caplog: pytest.LogCaptureFixture) -> None:
    assert await ag.desk.check()
    ag.api.fail_next("getChat", 1, 400, description="Bad Request: chat not found")
    with caplog.at_level("ERROR"):
        assert not await ag.desk.check()
    assert "is AGENTS_CHAT_ID right" in caplog.text
