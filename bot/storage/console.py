"""The queries of the agents' web console (bot/web/console): the queue by view, an agent's load, the
transcript after a cursor, notes, the customer's tickets and their other conversations, and the cheap
"what changed" figure each instance polls to wake its live streams.

The hand-off's own writes stay in `bot.storage.handoff`; this module only reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage import handoff as repo
from bot.storage.booking import Booking
from bot.storage.handoff import ACTIVE, ASSIGNED, WAITING, EscalationNote, EscalationView
from bot.storage.models import Conversation, Escalation, Message

VIEWS: tuple[str, ...] = ("mine", "unassigned", "all", "breached")
QUEUE_LIMIT = 300  # a desk with more open escalations than this has a problem no list solves


@dataclass(frozen=True)
class QueueRow:
    """One escalation of the queue with the customer's last words (what the agent reads first)."""

    escalation: EscalationView
    last_customer_text: str | None


@dataclass(frozen=True)
class ChangeMark:
    """What changed since the last poll, cheaply: the newest message and note, and the open queue's state."""

    message_id: int
    note_id: int
    queue: int  # a hash of the open escalations' (id, status, agent, priority, due)


@dataclass(frozen=True)
class LinkedConversation:
    """Another conversation of the same person (same phone number), on any channel."""

    conversation_id: int
    channel: str
    customer_id: str
    display_name: str | None
    updated_at: dt.datetime | None
    latest_escalation_id: int | None


# -- the queue ------------------------------------------------------------------------------------


async def queue(session: AsyncSession, view: str, agent_id: str, now: dt.datetime, limit: int = QUEUE_LIMIT) -> list[QueueRow]:
    """The open escalations of one view, most urgent first, then oldest first.

    mine: assigned to `agent_id`; unassigned: waiting; all: waiting or assigned; breached: open and past
    their due time.
    """
    query = select(Escalation, Conversation).join(Conversation, Conversation.id == Escalation.conversation_id)
    if view == "mine":
        query = query.where(Escalation.status == ASSIGNED, Escalation.agent_id == agent_id)
    elif view == "unassigned":
        query = query.where(Escalation.status == WAITING)
    elif view == "breached":
        query = query.where(Escalation.status.in_(ACTIVE), Escalation.due_at.is_not(None), Escalation.due_at <= now)
    else:
        query = query.where(Escalation.status.in_(ACTIVE))
    rows = await session.execute(query.order_by(Escalation.priority.desc(), Escalation.created_at, Escalation.id).limit(limit))
    found = [repo.view(e, c) for e, c in rows.all()]
    vips = await repo.vip_customers(session, {(v.channel, v.customer_id) for v in found})
    found = [replace(v, vip=True) if (v.channel, v.customer_id) in vips else v for v in found]
    last = await last_customer_texts(session, [v.conversation_id for v in found])
    return [QueueRow(v, last.get(v.conversation_id)) for v in found]


async def last_customer_texts(session: AsyncSession, conversation_ids: Sequence[int]) -> dict[int, str | None]:
    """The latest customer message of each conversation, by conversation id."""
    if not conversation_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(set(conversation_ids)), Message.direction == "in")
        .group_by(Message.conversation_id)
    )
    rows = await session.execute(select(Message.conversation_id, Message.text).where(Message.id.in_(newest)))
    return {conversation_id: text for conversation_id, text in rows.all()}


async def assigned_count(session: AsyncSession, agent_id: str) -> int:
    """How many open escalations are assigned to this agent: what their capacity is measured against."""
    count = await session.scalar(
        select(func.count(Escalation.id)).where(Escalation.status == ASSIGNED, Escalation.agent_id == agent_id)
    )
    return int(count or 0)


async def next_waiting(session: AsyncSession, limit: int = 5) -> list[int]:
    """The waiting escalations to offer "take next", first in first out within the highest priority."""
    rows = await session.scalars(
        select(Escalation.id)
        .where(Escalation.status == WAITING)
        .order_by(Escalation.priority.desc(), Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    return list(rows.all())


# -- one conversation -----------------------------------------------------------------------------


async def conversation_of(session: AsyncSession, escalation_id: int) -> Conversation | None:
    """The conversation an escalation belongs to."""
    return await session.scalar(
        select(Conversation).join(Escalation, Escalation.conversation_id == Conversation.id).where(Escalation.id == escalation_id)
    )


async def transcript_tail(session: AsyncSession, conversation_id: int, limit: int = 200) -> list[Message]:
    """The latest `limit` messages of a conversation, oldest first (ids follow the order of storing)."""
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(limit)
    )
    return list(reversed(rows.all()))


async def transcript_after(session: AsyncSession, conversation_id: int, after_id: int, limit: int = 200) -> list[Message]:
    """The conversation's messages stored after message `after_id`, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > after_id)
        .order_by(Message.id)
        .limit(limit)
    )
    return list(rows.all())


async def notes_after(session: AsyncSession, conversation_id: int, after_id: int = 0) -> list[EscalationNote]:
    """Internal notes on any escalation of the conversation stored after note `after_id`, oldest first."""
    rows = await session.scalars(
        select(EscalationNote)
        .join(Escalation, Escalation.id == EscalationNote.escalation_id)
        .where(Escalation.conversation_id == conversation_id, EscalationNote.id > after_id)
        .order_by(EscalationNote.id)
    )
    return list(rows.all())


async def message_in(session: AsyncSession, message_id: int, conversation_id: int) -> Message | None:
    """A message, only if it belongs to this conversation."""
    return await session.scalar(select(Message).where(Message.id == message_id, Message.conversation_id == conversation_id))


async def message_conversation(session: AsyncSession, message_id: int) -> int | None:
    """The conversation a message belongs to, if that conversation was ever handed to people (the only
    conversations staff see); None otherwise or for an unknown id."""
    return await session.scalar(
        select(Message.conversation_id)
        .join(Escalation, Escalation.conversation_id == Message.conversation_id)
        .where(Message.id == message_id)
        .limit(1)
    )


async def latest_escalation(session: AsyncSession, conversation_id: int) -> int | None:
    """The newest escalation of a conversation (the console's page for it)."""
    return await session.scalar(
        select(func.max(Escalation.id)).where(Escalation.conversation_id == conversation_id)
    )


# -- the person across channels -------------------------------------------------------------------


async def phones_of(session: AsyncSession, channel: str, customer_id: str) -> set[str]:
    """The phone numbers known for a customer: an SMS customer's own number, and every phone they gave
    in a booking."""
    phones = {customer_id} if channel == "sms" else set()
    rows = await session.scalars(
        select(Booking.phone).where(Booking.channel == channel, Booking.customer_id == customer_id).distinct()
    )
    return phones | {p for p in rows.all() if p}


async def linked_keys(session: AsyncSession, channel: str, customer_id: str) -> set[tuple[str, str]]:
    """(channel, customer id) of everyone sharing a phone number with this customer, themselves included."""
    phones = await phones_of(session, channel, customer_id)
    keys = {(channel, customer_id)} | {("sms", phone) for phone in phones}
    if phones:
        rows = await session.execute(select(Booking.channel, Booking.customer_id).where(Booking.phone.in_(phones)).distinct())
        keys |= {(c, k) for c, k in rows.all()}
    return keys


async def linked_conversations(session: AsyncSession, conversation: Conversation, limit: int = 20) -> list[LinkedConversation]:
    """The same person's other conversations (any channel), most recently active first."""
    keys = await linked_keys(session, conversation.channel, conversation.customer_id)
    keys.discard((conversation.channel, conversation.customer_id))
    if not keys:
        return []
    rows = await session.scalars(
        select(Conversation)
        .where(tuple_(Conversation.channel, Conversation.customer_id).in_(sorted(keys)))
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    found = list(rows.all())
    latest: dict[int, int] = {}
    if found:
        pairs = await session.execute(
            select(Escalation.conversation_id, func.max(Escalation.id))
            .where(Escalation.conversation_id.in_([c.id for c in found]))
            .group_by(Escalation.conversation_id)
        )
        latest = {conversation_id: escalation_id for conversation_id, escalation_id in pairs.all()}
    return [
        LinkedConversation(c.id, c.channel, c.customer_id, c.display_name, as_utc(c.updated_at), latest.get(c.id))
        for c in found
    ]


async def tickets(session: AsyncSession, keys: Iterable[tuple[str, str]], limit: int = 20) -> list[Booking]:
    """The repair bookings of these (channel, customer id), newest first."""
    keys = sorted(set(keys))
    if not keys:
        return []
    rows = await session.scalars(
        select(Booking)
        .where(tuple_(Booking.channel, Booking.customer_id).in_(keys))
        .order_by(Booking.created_at.desc(), Booking.id.desc())
        .limit(limit)
    )
    return list(rows.all())


# -- what changed ---------------------------------------------------------------------------------


async def change_mark(session: AsyncSession) -> ChangeMark:
    """The figure every instance polls: a new message, a new note or any change to the open queue
    (taken in Telegram, released, closed, a new hand-off) changes it."""
    message_id = await session.scalar(select(func.max(Message.id)))
    note_id = await session.scalar(select(func.max(EscalationNote.id)))
    rows = await session.execute(
        select(Escalation.id, Escalation.status, Escalation.agent_id, Escalation.priority, Escalation.due_at)
        .where(Escalation.status.in_(ACTIVE))
        .order_by(Escalation.id)
    )
    state = tuple((i, s, a, p, as_utc(d).isoformat() if d else None) for i, s, a, p, d in rows.all())
    return ChangeMark(int(message_id or 0), int(note_id or 0), hash(state))


async def message_by_external(session: AsyncSession, conversation_id: int, external_id: str) -> int | None:
    """The id of the agent message stored with this external id (the console's own, per submit)."""
    return await session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation_id, Message.direction == "out", Message.external_id == external_id
        )
    )


async def conversation_by_id(session: AsyncSession, conversation_id: int) -> Conversation | None:
    return await session.get(Conversation, conversation_id)
