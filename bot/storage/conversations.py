"""Conversations: one customer on one channel, found by (channel, customer id), and their transcript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bot.storage.database import in_session, is_postgresql, one_of, session_clock
from bot.storage.handoff import ACTIVE, CUSTOMER, HELD, PENDING, HandoffOutbox
from bot.storage.models import Conversation, Escalation, Message
from bot.storage.prepared import Prepared


def _by_key(channel: str, customer_id: str) -> Select[tuple[Conversation]]:
    return select(Conversation).where(Conversation.channel == channel, Conversation.customer_id == customer_id)


@dataclass(frozen=True)
class TurnProbe:
    """What a turn learnt about its conversation once it held the lock, so it need not ask again.

    `escalated`: an escalation is waiting or assigned; `undelivered`: agent messages wait for the customer.
    """

    escalated: bool
    undelivered: bool


# Built once: a customer's turn runs these on every message, and building a statement (coercing every
# clause) costs more Python than compiling it, which SQLAlchemy caches by the statement's cache key.
_KEY = (Conversation.channel == bindparam("channel"), Conversation.customer_id == bindparam("customer_id"))
_FOR_TURN = select(Conversation).where(*_KEY)
_FOR_TURN_LOCKED = _FOR_TURN.with_for_update()
_ESCALATED = exists().where(Escalation.conversation_id == Conversation.id, one_of(Escalation.status, ACTIVE))
_UNDELIVERED = exists().where(
    HandoffOutbox.conversation_id == Conversation.id,
    HandoffOutbox.target == CUSTOMER,
    one_of(HandoffOutbox.status, (PENDING, HELD)),
)
_PROBE = select(_ESCALATED, _UNDELIVERED).where(Conversation.id == bindparam("conversation_id"))


async def open_turn(
    session: AsyncSession, channel: str, customer_id: str, language: str, display_name: str | None
) -> tuple[Conversation, TurnProbe]:
    """`for_turn`, and whether a person has the conversation and agent messages wait for the customer
    (a `TurnProbe`), so that a plain FAQ turn need not ask either again.

    Both can only change under the conversation's lock: escalations are opened in turns and changed by
    agents' operations, agents' messages are queued by an operation, all holding the conversation row
    lock (PostgreSQL; SQLite admits one writer at a time from BEGIN IMMEDIATE). So what the turn learns
    once it holds the lock stays true until it commits. On SQLite that is the first statement itself.
    On PostgreSQL the row lock may be waited for, and the same statement's other reads would then come
    from before the wait: the probe is a second statement there, run once the lock is held.
    """
    loaded = await session.run_sync(_load_for_turn, channel, customer_id)
    if loaded is None:  # first contact: create the conversation
        conversation = await for_turn(session, channel, customer_id, language, display_name)
        if not is_postgresql(session):  # one writer at a time: nobody else created it and escalated meanwhile
            return conversation, TurnProbe(escalated=False, undelivered=False)
        # Another instance may have created it a moment ago (and handed it to a person in that turn).
        escalated, undelivered = await in_session(session, _PROBE_ROW.first, {"conversation_id": conversation.id})
        return conversation, TurnProbe(escalated=bool(escalated), undelivered=bool(undelivered))
    conversation, probe = loaded
    if display_name and conversation.display_name != display_name:
        conversation.display_name = display_name
    return conversation, probe


# A turn's conversation read as a row by prepared statements (bot/storage/prepared.py), then handed to
# the session as if the ORM had loaded it: every customer message opens a turn, and the ORM's loading
# machinery cost more than the statement.
_COLUMNS = tuple(Conversation.__table__.c)
_ATTRIBUTES = tuple(inspect(Conversation).get_property_by_column(column).key for column in _COLUMNS)
_PROBED_ROW = Prepared(select(*_COLUMNS, _ESCALATED, _UNDELIVERED).where(*_KEY))
_LOCKED_ROW = Prepared(_FOR_TURN_LOCKED.with_only_columns(*_COLUMNS))
_PROBE_ROW = Prepared(_PROBE)


def _load_for_turn(session: Session, channel: str, customer_id: str) -> tuple[Conversation, TurnProbe] | None:
    """The customer's conversation (row-locked on PostgreSQL, then probed) as a persistent entity of the
    session, and its probe; None when the customer never wrote. One greenlet for both statements. The
    session must not hold the conversation yet (`Store.turn` opens one for the turn)."""
    connection = session.connection()
    key = {"channel": channel, "customer_id": customer_id}
    if connection.dialect.name == "postgresql":
        row = _LOCKED_ROW.first(connection, key)
        if row is None:
            return None
        values = dict(zip(_ATTRIBUTES, row, strict=True))
        probed = _PROBE_ROW.first(connection, {"conversation_id": values["id"]})
        if probed is None:
            raise LookupError("a conversation row vanished under its own lock")
        escalated, undelivered = probed
    else:
        probed = _PROBED_ROW.first(connection, key)
        if probed is None:
            return None
        *row, escalated, undelivered = probed
        values = dict(zip(_ATTRIBUTES, row, strict=True))
    conversation = Conversation(**values)
    make_transient_to_detached(conversation)  # as loaded: nothing to write back unless the turn changes it
    session.add(conversation)
    return conversation, TurnProbe(escalated=bool(escalated), undelivered=bool(undelivered))


_TABLE = Conversation.__table__
_SAVE = Prepared(
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("conversation_id"))
    .values(
        language=bindparam("language"),
        low_confidence_streak=bindparam("low_confidence_streak"),
        state=bindparam("state", type_=_TABLE.c.state.type),
        updated_at=bindparam("updated_at", type_=_TABLE.c.updated_at.type),
    )
)


async def save_turn(session: AsyncSession, conversation: Conversation, language: str, streak: int, state: dict[str, Any]) -> None:
    """Write what a turn changed of its conversation (language, low-confidence streak, state).

    One Core UPDATE, and only when something changed, as the ORM's flush would have done, without its
    unit of work: the ORM object is then told these values are the stored ones. When the turn changed
    other columns too (the display name, the language lock) the ORM writes them all in one UPDATE.
    """
    if conversation.language == language and conversation.low_confidence_streak == streak and conversation.state == state:
        return
    if inspect(conversation).modified:
        conversation.language, conversation.low_confidence_streak, conversation.state = language, streak, state
        return
    now = session_clock(session)()
    values = {"language": language, "low_confidence_streak": streak, "state": state}
    await in_session(session, _SAVE.run, {"conversation_id": conversation.id, "updated_at": now, **values})
    for name, value in (*values.items(), ("updated_at", now)):
        set_committed_value(conversation, name, value)


async def for_turn(
    session: AsyncSession, channel: str, customer_id: str, language: str, display_name: str | None
) -> Conversation:
    """The customer's conversation, row-locked (PostgreSQL) for the turn, created on first contact.

    The lock serialises a customer's turns and agents' operations on the same conversation; a
    concurrent first message loses the insert race and reads the winner's row.
    """
    query = _FOR_TURN_LOCKED if is_postgresql(session) else _FOR_TURN
    key = {"channel": channel, "customer_id": customer_id}
    conversation = await session.scalar(query, key)
    if conversation is None:
        fresh = Conversation(channel=channel, customer_id=customer_id, language=language, display_name=display_name, state={})
        try:
            async with session.begin_nested():
                session.add(fresh)
            return fresh
        except IntegrityError:  # another process created it a moment ago
            conversation = await session.scalar(query, key)
            assert conversation is not None
    if display_name and conversation.display_name != display_name:
        conversation.display_name = display_name
    return conversation


async def by_key(session: AsyncSession, channel: str, customer_id: str) -> Conversation | None:
    """A conversation by its channel key, if the customer ever wrote."""
    return await session.scalar(_by_key(channel, customer_id))


async def get(session: AsyncSession, conversation_id: int) -> Conversation | None:
    """A conversation by id."""
    return await session.get(Conversation, conversation_id)


async def locked(session: AsyncSession, conversation_id: int) -> Conversation | None:
    """A conversation by id, its row locked until the transaction ends (PostgreSQL), in the order a
    customer's turn locks it: work outside a turn (the staff's escalations) never deadlocks with one."""
    query = select(Conversation).where(Conversation.id == conversation_id)
    if is_postgresql(session):
        query = query.with_for_update()
    return await session.scalar(query)


async def set_blocked(session: AsyncSession, channel: str, customer_id: str, blocked: bool) -> None:
    """Remember that a customer blocked the bot (or unblocked it)."""
    await session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.customer_id == customer_id)
        .values(blocked=blocked)
    )


async def is_blocked(session: AsyncSession, channel: str, customer_id: str) -> bool:
    """Whether the customer blocked the bot."""
    blocked = await session.scalar(
        select(Conversation.blocked).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
    )
    return bool(blocked)


async def transcript(session: AsyncSession, conversation_id: int, limit: int = 50) -> list[Message]:
    """The latest messages of a conversation by time, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def own_reply(session: AsyncSession, conversation_id: int, message_id: int) -> Message | None:
    """One of this conversation's own replies, or None (someone else's, or made up)."""
    message = await session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id or message.direction != "out":
        return None
    return message


async def replies_to(session: AsyncSession, channel: str, customer_id: str, external_id: str) -> Sequence[Message]:
    """The bot's stored replies to one inbound message (up to the next inbound one), oldest first."""
    conversation_id = await session.scalar(
        select(Conversation.id).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
    )
    inbound_id = await session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation_id, Message.direction == "in", Message.external_id == external_id
        )
    )
    if inbound_id is None:
        return []
    next_inbound = await session.scalar(
        select(func.min(Message.id)).where(
            Message.conversation_id == conversation_id, Message.direction == "in", Message.id > inbound_id
        )
    )
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.direction == "out", Message.id > inbound_id
    )
    if next_inbound is not None:
        query = query.where(Message.id < next_inbound)
    return list((await session.scalars(query.order_by(Message.id))).all())


def set_state_outside_turn(conversation: Conversation, state: dict[str, Any]) -> None:
    """The one writer of `conversation.state` outside a customer's turn (`Engine._turn` is the other).

    An agent's operation (closing, giving back, a notice with options) changes what the bot remembers
    while no turn runs. Callers hold the conversation's row lock (`handoff.load(..., lock=True)`, taken
    in the same order as a turn takes it), so a turn never writes back an older copy over this change.
    """
    conversation.state = state
