"""Issue 9, item 8: a customer waiting for a person is never left writing into silence.

Through the real engine (console channel, `Engine.handle`) with the hand-off harness's movable clock, and
through Telegram (the fake Bot API, an agents' supergroup with topics). The rules are in
`bot.handoff.acks`: acknowledge after a pause, answer anger at once and mark the request urgent (the
agents' topic says so), and while an agent is talking say nothing until the agent is late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine import ReplyKind
from bot.engine.messages import say
from bot.handoff.service import Agent
from bot.handoff.texts import customer_text
from bot.storage.models import Escalation
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.handoff.conftest import HOURS_YAML, Desk
from tests.handoff.telegram_harness import (
    ADA,
    AGENTS,
    start_agents_harness,
    stop_agents_harness,
)

ADA_AGENT = Agent("7001", "Ada")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# (language, the hand-off request, an angry message about the wait) in the three languages.
ANGRY = [
    ("zh-Hans", "转人工", "你们的服务太差了，等了半天没人理"),
    ("zh-Hant", "我要轉真人客服", "你們的服務太差了，等了半天沒人理"),
    ("en", "real person please", "This is ridiculous, I have been waiting for ages and nobody answers"),
]


@pytest.fixture
def kb_dir(request: pytest.FixtureRequest, small_kb: Path) -> Path:
    """The small knowledge base; "real": the shipped one (its complaint entry); "hours": with office hours."""
    variant = getattr(request, "param", "")
    if variant == "real":
        return ROOT / "knowledge"
    if variant == "hours":
        (small_kb / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
    return small_kb


async def escalation_row(hd: Desk, customer: str = "c1") -> Escalation:
    conversation = await hd.runtime.store.conversation("console", customer)
    assert conversation is not None
    async with hd.runtime.database.sessions() as session:
        rows = (await session.scalars(select(Escalation).where(Escalation.conversation_id == conversation.id).order_by(Escalation.id))).all()
    return rows[-1]


async def handed_off(hd: Desk, text: str = "转人工", customer: str = "c1") -> str:
    outcome = await hd.say(text, customer=customer)
    assert outcome.handoff is not None, outcome
    return outcome.language


def status_events(hd: Desk) -> list[tuple[str, str | None]]:
    return [(e.payload.get("event"), e.payload.get("reason")) for e in hd.desk.events if e.kind == "status"]


# -- waiting for a person ----------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "request_text", "angry"), ANGRY)
async def test_anger_right_after_the_hand_off_is_answered_marked_urgent_and_shown_to_agents(
    hd: Desk, language: str, request_text: str, angry: str
) -> None:
    await handed_off(hd, "人工", customer="before")  # someone else is ahead in the queue
    assert await handed_off(hd, request_text) == language
    await hd.publish()
    hd.clock.advance(seconds=20)  # well within the acknowledgement pause
    outcome = await hd.say(angry)
    [reply] = outcome.replies
    assert outcome.relayed and reply.kind is ReplyKind.HANDOFF
    assert reply.text.startswith(customer_text("wait.urgent", language))  # type: ignore[arg-type]
    assert say("handoff.queue", language, position=1) in reply.text  # type: ignore[arg-type]  # now ahead of "before"
    assert [o.action.value for o in reply.options] == ["cancel"]
    row = await escalation_row(hd)
    assert (row.priority, row.reason) == (2, "anger")
    assert await hd.publish() == ["status", "message"]
    assert status_events(hd) == [("priority", "anger")]
    assert [line.text for line in hd.desk.events[-1].messages] == [angry]  # the agents get the message too
    # A burst of anger gets one answer, not one each; a minute later it is answered again.
    hd.clock.advance(seconds=20)
    assert (await hd.say(angry)).replies == ()
    hd.clock.advance(minutes=1)
    again = await hd.say(angry)
    [still] = again.replies
    assert still.text.startswith(customer_text("wait.still_urgent", language))  # type: ignore[arg-type]
    await hd.publish()
    assert status_events(hd) == [("priority", "anger")]  # raised once: the priority only goes up


async def test_complaint_hand_off_then_anger_is_not_met_with_silence(hd: Desk) -> None:
    complaint = await hd.say("我要投诉")
    assert complaint.handoff is not None and complaint.handoff.priority == 2
    hd.clock.advance(seconds=30)
    outcome = await hd.say("你们的服务太差了，等了半天没人理")
    [reply] = outcome.replies
    assert outcome.relayed and reply.text.startswith(customer_text("wait.still_urgent", "zh-Hans"))
    assert say("handoff.queue", "zh-Hans", position=1) in reply.text


@pytest.mark.parametrize("kb_dir", ["real"], indirect=True)
@pytest.mark.parametrize(
    ("request_text", "complaint", "language"),
    [("转人工", "你们这是乱收费", "zh-Hans"), ("轉人工", "這是亂收費吧", "zh-Hant"), ("I want to talk to a human", "your staff was rude to me", "en")],
)
async def test_a_complaint_the_faq_recognises_raises_the_priority(hd: Desk, request_text: str, complaint: str, language: str) -> None:
    await handed_off(hd, request_text)
    outcome = await hd.say(complaint)  # no anger word: the knowledge base's complaint entry matches it
    [reply] = outcome.replies
    assert reply.text.startswith(customer_text("wait.urgent", language))  # type: ignore[arg-type]
    row = await escalation_row(hd)
    assert (row.priority, row.reason) == (2, "complaint")


@pytest.mark.parametrize("settings_overrides", [{"handoff_ack_minutes": 3}])
async def test_ordinary_messages_are_acknowledged_once_per_pause(hd: Desk) -> None:
    await handed_off(hd)
    hd.clock.advance(minutes=1)
    assert (await hd.say("型号是 X20")).replies == ()  # just told the queue position: quiet, relayed
    hd.clock.advance(minutes=2)  # three minutes since the announcement
    [ack] = (await hd.say("还在吗")).replies
    assert ack.text.startswith(say("handoff.ack", "zh-Hans")) and say("handoff.queue", "zh-Hans", position=1) in ack.text
    hd.clock.advance(minutes=2)
    assert (await hd.say("还在吗")).replies == ()
    hd.clock.advance(minutes=1)
    assert (await hd.say("还在吗")).replies != ()
    assert (await escalation_row(hd)).priority == 1  # impatience without anger does not jump the queue


@pytest.mark.parametrize("kb_dir", ["hours"], indirect=True)
async def test_anger_out_of_hours_hears_urgent_and_when_the_team_is_back(hd: Desk) -> None:
    hd.clock.now = dt.datetime(2026, 11, 25, 20, 0, tzinfo=SHANGHAI).astimezone(dt.UTC)  # Wednesday evening: closed
    await handed_off(hd)
    [reply] = (await hd.say("你们的服务太差了，等了半天没人理")).replies
    assert reply.text.startswith(customer_text("wait.urgent", "zh-Hans"))
    # Urgent makes the deadline sooner, counted in staffed time: five minutes after opening.
    assert say("handoff.offline", "zh-Hans", opening="明天 09:00", due="明天 09:05") in reply.text


# -- an agent has the conversation -------------------------------------------------------------------


async def test_the_bot_does_not_interject_while_the_agent_talks_but_speaks_up_when_the_agent_is_late(hd: Desk) -> None:
    await handed_off(hd)
    row = await escalation_row(hd)
    await hd.service.agent_message(row.id, ADA_AGENT, text="您好，请问是哪个型号？", external_id="tg:1")
    hd.clock.advance(minutes=6)  # past the waiting pause: no matter while the agent talks
    assert (await hd.say("X20 Pro")).replies == ()
    hd.clock.advance(minutes=9)
    assert (await hd.say("还在吗")).replies == ()  # nine minutes: within the 10-minute reply service level
    hd.clock.advance(minutes=1, seconds=1)
    late = await hd.say("还在吗？")
    [reply] = late.replies
    assert late.relayed and reply.text == customer_text("wait.agent_late", "zh-Hans", agent="Ada")
    hd.clock.advance(minutes=1)
    assert (await hd.say("？")).replies == ()  # at most once per pause
    # The agent answers: the clock of the service level starts again at the customer's next message.
    await hd.service.agent_message(row.id, ADA_AGENT, text="在的，我查一下", external_id="tg:2")
    hd.clock.advance(minutes=6)
    assert (await hd.say("好的")).replies == ()


@pytest.mark.parametrize(("language", "request_text", "angry"), ANGRY)
async def test_anger_while_assigned_is_marked_urgent_once_and_the_agent_told(hd: Desk, language: str, request_text: str, angry: str) -> None:
    await handed_off(hd, request_text)
    row = await escalation_row(hd)
    await hd.service.take(row.id, ADA_AGENT)
    await hd.publish()
    [reply] = (await hd.say(angry)).replies
    assert reply.text == customer_text("wait.urgent.assigned", language, agent="Ada")  # type: ignore[arg-type]
    assert (await escalation_row(hd)).priority == 2
    await hd.publish()
    assert status_events(hd)[-1] == ("priority", "anger")
    hd.clock.advance(minutes=2)
    assert (await hd.say(angry)).replies == ()  # the agent has it and is within the reply service level


# -- the catalog -------------------------------------------------------------------------------------


# -- Telegram ------------------------------------------------------------------------------------------


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


async def test_telegram_anger_while_waiting_reaches_the_customer_and_the_topic(api: FakeTelegramAPI, tmp_path: Path) -> None:
    ag = await start_agents_harness(api, tmp_path)
    try:
        await ag.customer(ADA, "I want to talk to a human")
        await ag.idle()
        topic = ag.api.topic(AGENTS, "Ada")
        assert topic.name.startswith("🟡")
        [reply] = await ag.customer(ADA, "This is ridiculous, I have been waiting for ages and nobody answers")
        text = html_to_text(reply["text"])
        assert text.startswith(customer_text("wait.urgent", "en")) and say("handoff.queue", "en", position=1) in text
        posts = ag.topic_posts(topic.thread_id)
        assert "⚠️ Priority raised: Angry customer." in posts
        assert "👤 Ada\nThis is ridiculous, I have been waiting for ages and nobody answers" in posts
        assert ag.api.topics[(AGENTS, topic.thread_id)].name == "🔴 Ada · Angry customer"
        assert "priority 2" in html_to_text(ag.card(topic.thread_id)["text"])
        # An ordinary message right after: relayed, no extra line for the customer.
        assert await ag.customer(ADA, "It is an X20 laptop", expect=0) == []
    finally:
        await stop_agents_harness(ag)


async def test_telegram_agent_talking_means_quiet_bot_until_the_agent_is_late(api: FakeTelegramAPI, tmp_path: Path) -> None:
    ag = await start_agents_harness(api, tmp_path)
    try:
        await ag.customer(ADA, "I want to talk to a human")
        await ag.idle()
        topic = ag.api.topic(AGENTS, "Ada").thread_id
        await ag.agent("Hi, I am Alice. Which model do you have?", thread=topic)  # takes the conversation
        ag.clock.advance(minutes=6)
        assert await ag.customer(ADA, "It is an X20 laptop", expect=0) == []  # the agent is talking
        ag.clock.advance(minutes=11)  # the agent has not answered within the reply service level
        [late] = await ag.customer(ADA, "Hello? Are you there?")
        assert html_to_text(late["text"]) == customer_text("wait.agent_late", "en", agent="Alice")
        assert "👤 Ada\nHello? Are you there?" in ag.topic_posts(topic)  # relayed all the same
    finally:
        await stop_agents_harness(ag)
