"""A web visitor handed to a person: the agent's messages arrive as "agent" events with their name,
the service's lines as "bot" events with their buttons, the survey works, and notes never appear."""

from __future__ import annotations

import json

from bot.handoff.delivery import AgentMessage, Attachment
from bot.engine.types import Reply, ReplyKind
from bot.handoff.operations import Agent
from tests.web.chat.conftest import Chat

AGENT = Agent(id="web:7", name="Wang")
NOTE = "INTERNAL: customer is rude, refund refused <script>alert(1)</script>"


async def _handed_off(chat: Chat) -> tuple[str, int]:
    token = await chat.session()
    await chat.say(token, "How long is the warranty?")
    await chat.act(token, "menu||human", "Talk to a person")
    [escalation] = await chat.runtime.handoff.queue()
    return token, escalation.id


async def test_the_agents_reply_reaches_the_widget_and_notes_never_do(chat: Chat) -> None:
    token, escalation_id = await _handed_off(chat)
    handoff = chat.runtime.handoff
    assert (await handoff.take(escalation_id, AGENT)).ok
    assert (await handoff.note(escalation_id, AGENT, NOTE)).ok
    result = await handoff.agent_message(escalation_id, AGENT, text="Hello, I am looking at your order <b>now</b>.")
    assert result.code == "delivered"
    assert (await handoff.note(escalation_id, AGENT, NOTE + " (again)")).ok
    # The customer writes to the person: relayed, no bot answer.
    relayed = (await (await chat.say(token, "Thanks, it is order 12345")).json())["events"]
    assert [e["sender"] for e in relayed] == ["customer"]
    assert (await handoff.close(escalation_id, AGENT)).ok

    events = await chat.events(token, 9, since=0)
    senders = [e["sender"] for e in events]
    agent = next(e for e in events if e["sender"] == "agent")
    assert agent["agent"] == "Wang" and agent["text"] == "Hello, I am looking at your order <b>now</b>."
    joined = events[senders.index("agent") - 1]
    assert joined["sender"] == "bot" and "Wang" in joined["text"]  # "Wang has joined", before the agent's words
    survey = events[-1]
    assert survey["sender"] == "bot" and [o["action"] for o in survey["options"]][0].startswith("survey|")
    # Nothing of the note anywhere in the stream, in any field.
    assert "INTERNAL" not in json.dumps(events, ensure_ascii=False)
    assert "refund refused" not in json.dumps(events, ensure_ascii=False)

    five = next(o for o in survey["options"] if o["action"].endswith("|5"))
    thanks = (await (await chat.act(token, five["action"], five["label"])).json())["events"]
    assert thanks[-1]["sender"] == "bot" and thanks[-1]["kind"] != "stale"


async def test_an_agents_photo_is_a_placeholder_and_lines_with_a_source_are_stored_once(chat: Chat) -> None:
    token, escalation_id = await _handed_off(chat)
    delivery = chat.runtime.deliveries.get("web")
    assert delivery is not None
    [escalation] = await chat.runtime.handoff.queue()
    customer = escalation.customer_id
    await delivery.send_agent_message(customer, AgentMessage(escalation_id, "en", text=None, agent_name="Wang",
                                                             attachment=Attachment("photo", "telegram:photo:abc")))
    assert (await chat.say(token, "ok")).status == 200
    notice = Reply(text="Your repair is ready.", kind=ReplyKind.INFO, language="en")
    await delivery.send_replies(customer, [notice], source="job:1")
    await delivery.send_replies(customer, [notice], source="job:1")
    events = await chat.events(token, 7, since=0, timeout=3)
    assert [e["text"] for e in events].count("Your repair is ready.") == 1
    assert any(e["sender"] == "agent" and e["text"] == "[The agent sent a photo]" for e in events)
