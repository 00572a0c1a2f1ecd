"""The transcript: every message in and out, written by customer turns and by agents alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import dialect_insert, in_session, insert_of, session_clock
from bot.storage.models import Message
from bot.storage.prepared import PreparedRows

_MESSAGES = Message.__table__
# Every column a turn writes, so the inbound row and the replies share one multi-row VALUES.
_TURN_COLUMNS = (
    "conversation_id", "direction", "kind", "text", "language", "intent_id", "confidence", "external_id", "attachment",
)


async def insert_unless_known(session: AsyncSession, row: dict[str, Any]) -> int | None:
    """Store one message; None when its (conversation, direction, external id) is stored already.

    One INSERT ... ON CONFLICT DO NOTHING rather than a savepoint: a channel redelivering a message (a
    customer's or an agent's) is recognised and the transaction stays usable after the duplicate.
    """
    statement = (
        dialect_insert(session)(Message)
        .values(row)
        .on_conflict_do_nothing(index_elements=["conversation_id", "direction", "external_id"])
        .returning(Message.id)
    )
    return await session.scalar(statement)


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Store several messages in one statement; their ids, in order."""
    if not rows:
        return []
    ids = await session.scalars(insert(Message).returning(Message.id, sort_by_parameter_order=True), rows)
    return list(ids)


async def insert_turn(
    session: AsyncSession, inbound: dict[str, Any], replies: Sequence[dict[str, Any]]
) -> tuple[int | None, list[int]]:
    """Store a turn's inbound message and its replies in one statement: (inbound id, reply ids in order).

    The inbound id is None when its (conversation, direction, external id) is stored already (a
    redelivery); the replies are then inserted all the same, and the caller rolls the turn back. A Core
    INSERT on the table (not the ORM entity) with one shared timestamp: no unit of work, no identity map.
    Its rows go as one multi-row VALUES, one round trip (`PreparedRows`, bot/storage/prepared.py). They
    get ascending ids in VALUES order (SQLite assigns rowids row by row, PostgreSQL calls the
    sequence as each row is produced), so sorting what RETURNING gives back by id restores it.
    """
    now = session_clock(session)()
    rows = [{**row, "created_at": now} for row in (inbound, *replies)]  # a column left out is NULL
    returned = sorted(await in_session(session, _TURN_ROWS.rows, rows))
    inbound_id = next((id_ for id_, direction in returned if direction == inbound["direction"]), None)
    return inbound_id, [id_ for id_, direction in returned if direction != inbound["direction"]]


# Every customer's turn sends it: prepared on SQLite (bot/storage/prepared.py).
_TURN_ROWS = PreparedRows(
    lambda dialect: insert_of(dialect)(_MESSAGES)
    .on_conflict_do_nothing(index_elements=["conversation_id", "direction", "external_id"])
    .returning(_MESSAGES.c.id, _MESSAGES.c.direction),
    (*_TURN_COLUMNS, "created_at"),
)


def add(session: AsyncSession, message: Message) -> Message:
    """Add one message to the caller's transaction (its id comes with the next flush)."""
    session.add(message)
    return message


async def get(session: AsyncSession, message_id: object) -> Message | None:
    """One message by id; None for an unknown or unusable id (ids come from stored payloads)."""
    if not isinstance(message_id, int):
        return None
    return await session.get(Message, message_id)


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Message]:
    """The messages with these ids, by id (unknown ids are left out)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Message).where(Message.id.in_(list(ids))))
    return {message.id: message for message in rows.all()}


async def latest(session: AsyncSession, conversation_id: int, *, upto: int | None = None, limit: int = 10) -> list[Message]:
    """The conversation's last `limit` messages (up to message id `upto`), oldest first."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    if upto is not None:
        query = query.where(Message.id <= upto)
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return list(reversed(rows.all()))


async def count(session: AsyncSession) -> int:
    """How many messages are stored."""
    return int(await session.scalar(select(func.count(Message.id))) or 0)
