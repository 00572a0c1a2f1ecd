"""When the bot speaks up while a person has the conversation: rarely, but a customer is never ignored.

Every customer message during a hand-off goes to the agents. The bot stays out of their way, yet a
customer who writes into silence must hear that the message arrived. The rules, in order:

1. Anger or a complaint that raises the escalation's priority is always answered at once: the customer
   hears that the request is now marked urgent (and the agents' topic says so). This happens at most
   once per escalation, as the priority only goes up.
2. Otherwise the bot says something at most once every HANDOFF_ACK_MINUTES (`pause`, default 5) since
   its last line to this customer (the hand-off announcement counts as one). An angry message (while
   waiting, or once the agent is late) is answered whatever the pause, unless the bot answered an
   angry message less than ANGRY_GAP (one minute) ago: an upset customer never writes into silence,
   and a burst of angry messages gets one answer, not one each.
3. While waiting for a person: the acknowledgement repeats the queue position and the wait (or office
   hours); to an angry customer whose request is already urgent, it says so with an apology.
4. While an agent has the conversation: nothing as long as the agent is within the reply service level
   (HANDOFF_REPLY_SLA_MINUTES after the customer's first unanswered message): the agent is talking and
   the bot must not interject. Once that due time has passed without an answer, the customer hears that
   the agent has the messages and will reply, at most once per pause.

`upset` tells anger or a complaint from an ordinary message, and `ack_line` words what `decide` chose.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.handoff import PRIORITY, URGENT, is_angry
from bot.engine.messages import say
from bot.engine.types import Handoff
from bot.handoff.core import HandoffCore, space
from bot.handoff.texts import customer_text
from bot.settings import Language
from bot.storage.handoff import ASSIGNED
from bot.storage.models import Escalation

ANGRY_GAP = dt.timedelta(minutes=1)
ANGER_STATE = "handoff_anger"  # conversation state: when the bot last answered anger ({"id": escalation, "at": iso})


class Ack(Enum):
    """What the bot says to a customer message during a hand-off."""

    URGENT = "urgent"  # the priority was just raised: say it is urgent now
    STILL_URGENT = "still_urgent"  # waiting, angry, already urgent: apologise, it is urgent
    QUEUE = "queue"  # waiting: received, the queue position and wait
    AGENT_LATE = "agent_late"  # assigned, the agent is past the reply due time: they have your messages


def decide(
    *,
    assigned: bool,
    now: dt.datetime,
    last_ack: dt.datetime | None,
    last_angry_ack: dt.datetime | None,
    due: dt.datetime | None,
    angry: bool,
    raised: bool,
    pause: dt.timedelta,
) -> Ack | None:
    """What to say to this message (None: stay quiet, it is relayed). See the module docstring."""
    if raised:
        return Ack.URGENT
    since, gap = (last_angry_ack, ANGRY_GAP) if angry else (last_ack, pause)
    if since is not None and now - since < gap:
        return None
    if not assigned:
        return Ack.STILL_URGENT if angry else Ack.QUEUE
    if due is not None and now >= due:
        return Ack.AGENT_LATE
    return None


def upset(text: str | None, matcher: Any, knowledge: Any) -> Handoff | None:
    """Anger (the lexicon of `bot.engine.handoff`) or a complaint (the message matches an FAQ entry
    marked `handoff: complaint`), as the hand-off it calls for; None for an ordinary message."""
    if not text:
        return None
    if is_angry(text):
        return Handoff("anger", PRIORITY["anger"])
    if matcher is None or knowledge is None:
        return None
    try:
        result = matcher.match(text)
    except Exception:  # noqa: BLE001 - an unreadable message is not a complaint
        return None
    best = result.best
    if result.decision != "answer" or best is None:
        return None
    entry = knowledge.entry(best.intent_id)
    if entry is not None and entry.handoff == "complaint":
        return Handoff("complaint", PRIORITY["complaint"])
    return None


async def ack_line(
    core: HandoffCore, session: AsyncSession, escalation: Escalation, ack: Ack, language: Language, now: dt.datetime
) -> str:
    """The words for an acknowledgement decided by `decide`."""
    agent = escalation.agent_name or customer_text("wait.someone", language)
    if escalation.status == ASSIGNED:
        if ack is Ack.URGENT:
            return customer_text("wait.urgent.assigned", language, agent=agent)
        key = "wait.agent_late.urgent" if escalation.priority >= URGENT else "wait.agent_late"
        return customer_text(key, language, agent=agent)
    queue = await core.queue_text(session, escalation, language, now)
    if ack is Ack.URGENT:
        return f"{customer_text('wait.urgent', language)}{space(language)}{queue}"
    if ack is Ack.STILL_URGENT:
        return f"{customer_text('wait.still_urgent', language)}{space(language)}{queue}"
    if core.hours.is_open(now):
        return f"{say('handoff.ack', language)}{space(language)}{queue}"
    return core.offline_text("handoff.ack.offline", escalation, language, now)
