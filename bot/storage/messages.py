"""The transcript: every message in and out, written by customer turns and by agents alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import dialect_insert
from bot.storage.models import Message


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
