"""Telegram's durable queues: updates stored before Telegram is told they arrived, replies stored
before they are sent.

Telegram forgets an update once the webhook answered 200 (or the next getUpdates confirmed it), and a
process killed between that moment and its reply loses the customer's message. So:

* `telegram_updates` keeps every update, keyed by its update_id (a redelivery is recognised here, by
  every instance), until the bot has handled it and queued its replies;
* `telegram_outbox` keeps every reply of a turn until Telegram took it.

Both are claimed with leases: the instance that stores a row takes it at once (no extra round trip),
and a row whose lease ran out (its instance died) is taken by whoever sweeps next, `FOR UPDATE SKIP
LOCKED` on PostgreSQL so sweeping instances never wait on each other. A chat's rows go one at a time,
oldest first: only a chat's oldest unfinished row may be claimed, so a customer's messages are
handled, and answered, in order even when they reach different instances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.clock import as_utc
from bot.storage.database import dialect_insert, is_postgresql, session_clock
from bot.storage.models import Base

PENDING = "pending"
DONE = "done"
SENT = "sent"
FAILED = "failed"


class TelegramUpdate(Base):
    """One update as Telegram sent it, kept until handled (and a day longer, to recognise redeliveries)."""

    __tablename__ = "telegram_updates"
    __table_args__ = (Index("ix_telegram_updates_chat_pending", "status", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None: not a chat's update, no order to keep
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    owner: Mapped[str | None] = mapped_column(String(64))  # the instance handling it
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class TelegramOutbound(Base):
    """One message to send to a chat, in the chat's order (`id`)."""

    __tablename__ = "telegram_outbox"
    __table_args__ = (
        # A turn handled twice (its instance died after the turn, before it was marked done) queues its
        # replies once: they are keyed by the customer's message they answer.
        UniqueConstraint("chat_id", "source", "seq", name="uq_telegram_outbox_source"),
        Index("ix_telegram_outbox_chat_pending", "status", "chat_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(80))  # the inbound it answers, e.g. "msg:123"
    seq: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class QueuedUpdate:
    """An update to handle, detached from the session."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class QueuedMessage:
    """A message to send, detached from the session."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int


# -- updates ------------------------------------------------------------------------------------------


async def store_updates(
    session: AsyncSession, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: dt.datetime
) -> list[int]:
    """Keep (update_id, chat_id, payload) rows; the ids stored now, without those already known."""
    if not updates:
        return []
    rows = [
        {"update_id": update_id, "chat_id": chat_id, "payload": payload, "status": PENDING, "attempts": 0, "received_at": now}
        for update_id, chat_id, payload in updates
    ]
    statement = dialect_insert(session)(TelegramUpdate).values(rows).on_conflict_do_nothing(index_elements=["update_id"])
    result = await session.execute(statement.returning(TelegramUpdate.update_id))
    return sorted(result.scalars().all())


def _free(table: Any, now: dt.datetime) -> Any:
    return or_(table.lease_until.is_(None), table.lease_until < now)


async def claim_update(session: AsyncSession, update_id: int, owner: str, now: dt.datetime, until: dt.datetime) -> QueuedUpdate | None:
    """Take one pending update if it is free and the oldest unfinished one of its chat; None otherwise.

    A compare-and-set: of two instances racing for it, the second finds the lease taken (PostgreSQL
    re-checks the condition after the first commits) and gets None.
    """
    earlier = aliased(TelegramUpdate)
    older_pending = (
        select(earlier.update_id)
        .where(earlier.status == PENDING, earlier.chat_id == TelegramUpdate.chat_id, earlier.update_id < TelegramUpdate.update_id)
        .exists()
    )
    result = await session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id, TelegramUpdate.status == PENDING, _free(TelegramUpdate, now), ~older_pending)
        .values(owner=owner, lease_until=until, attempts=TelegramUpdate.attempts + 1)
        .returning(TelegramUpdate.update_id, TelegramUpdate.chat_id, TelegramUpdate.payload, TelegramUpdate.attempts)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return QueuedUpdate(*row) if row is not None else None


async def next_update_of_chat(session: AsyncSession, chat_id: int) -> int | None:
    """The oldest pending update of a chat (what to handle after the one just finished)."""
    return await session.scalar(
        select(func.min(TelegramUpdate.update_id)).where(TelegramUpdate.status == PENDING, TelegramUpdate.chat_id == chat_id)
    )


async def orphan_updates(session: AsyncSession, now: dt.datetime, stored_before: dt.datetime, limit: int = 50) -> list[int]:
    """Pending updates nobody handles: leased by an instance whose lease ran out, or never taken (the
    instance that stored it died before it could) and older than `stored_before`. Heads of chats only."""
    earlier = aliased(TelegramUpdate)
    older_pending = (
        select(earlier.update_id)
        .where(earlier.status == PENDING, earlier.chat_id == TelegramUpdate.chat_id, earlier.update_id < TelegramUpdate.update_id)
        .exists()
    )
    query = (
        select(TelegramUpdate.update_id)
        .where(
            TelegramUpdate.status == PENDING,
            ~older_pending,
            or_(TelegramUpdate.lease_until < now, and_(TelegramUpdate.lease_until.is_(None), TelegramUpdate.received_at < stored_before)),
        )
        .order_by(TelegramUpdate.update_id)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=TelegramUpdate)
    return list((await session.scalars(query)).all())


async def finish_update(session: AsyncSession, update_id: int, now: dt.datetime, status: str = DONE, error: str | None = None) -> None:
    """Mark an update handled (its replies are queued) or failed for good."""
    await session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(status=status, done_at=now, owner=None, lease_until=None, error=error)
        .execution_options(synchronize_session=False)
    )


async def release_update(session: AsyncSession, update_id: int, retry_at: dt.datetime, error: str) -> None:
    """Give an update back after a failure that may pass (the database, the network): retried later."""
    await session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(owner=None, lease_until=retry_at, error=error)
        .execution_options(synchronize_session=False)
    )


async def purge_updates(session: AsyncSession, before: dt.datetime) -> int:
    """Forget handled updates older than `before` (Telegram redelivers within hours, not days)."""
    result = await session.execute(
        delete(TelegramUpdate).where(TelegramUpdate.status != PENDING, TelegramUpdate.done_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- outbox -------------------------------------------------------------------------------------------


async def enqueue_messages(
    session: AsyncSession,
    chat_id: int,
    source: str | None,
    messages: Sequence[tuple[str, dict[str, Any]]],
    now: dt.datetime,
    owner: str,
    until: dt.datetime,
) -> list[int]:
    """Queue (method, payload) messages for a chat, leased to `owner` who sends them at once; the ids
    queued now (none when the same `source` queued them before)."""
    if not messages:
        return []
    rows = [
        {
            "chat_id": chat_id, "source": source, "seq": seq, "method": method, "payload": payload, "status": PENDING,
            "owner": owner, "lease_until": until, "attempts": 0, "created_at": now,
        }
        for seq, (method, payload) in enumerate(messages)
    ]
    statement = dialect_insert(session)(TelegramOutbound).values(rows)
    if source is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["chat_id", "source", "seq"])
    result = await session.execute(statement.returning(TelegramOutbound.id))
    return sorted(result.scalars().all())


async def has_source(session: AsyncSession, chat_id: int, source: str) -> bool:
    """Whether the replies to this inbound were queued already."""
    found = await session.scalar(
        select(TelegramOutbound.id).where(TelegramOutbound.chat_id == chat_id, TelegramOutbound.source == source).limit(1)
    )
    return found is not None


async def outbound(session: AsyncSession, ids: Sequence[int]) -> list[QueuedMessage]:
    """Queued messages by id, in order."""
    rows = await session.execute(
        select(TelegramOutbound.id, TelegramOutbound.chat_id, TelegramOutbound.method, TelegramOutbound.payload, TelegramOutbound.attempts)
        .where(TelegramOutbound.id.in_(list(ids)))
        .order_by(TelegramOutbound.id)
    )
    return [QueuedMessage(*row) for row in rows.all()]


async def orphan_messages(session: AsyncSession, owner: str, now: dt.datetime, until: dt.datetime, limit: int = 50) -> list[QueuedMessage]:
    """Claim due messages nobody sends (lease ran out), the oldest unsent of each chat only."""
    earlier = aliased(TelegramOutbound)
    older_pending = (
        select(earlier.id)
        .where(earlier.status == PENDING, earlier.chat_id == TelegramOutbound.chat_id, earlier.id < TelegramOutbound.id)
        .exists()
    )
    query = (
        select(TelegramOutbound.id)
        .where(TelegramOutbound.status == PENDING, _free(TelegramOutbound, now), ~older_pending)
        .order_by(TelegramOutbound.id)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=TelegramOutbound)
    ids = list((await session.scalars(query)).all())
    if not ids:
        return []
    await session.execute(
        update(TelegramOutbound)
        .where(TelegramOutbound.id.in_(ids), TelegramOutbound.status == PENDING, _free(TelegramOutbound, now))
        .values(owner=owner, lease_until=until, attempts=TelegramOutbound.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return await outbound(session, ids)


async def later_messages_of_chat(session: AsyncSession, chat_id: int, after_id: int, owner: str, now: dt.datetime,
                                 until: dt.datetime) -> list[QueuedMessage]:
    """Claim a chat's free pending messages queued after `after_id` (sent next, in order)."""
    ids = list(
        (
            await session.scalars(
                select(TelegramOutbound.id)
                .where(TelegramOutbound.chat_id == chat_id, TelegramOutbound.status == PENDING, TelegramOutbound.id > after_id,
                       _free(TelegramOutbound, now))
                .order_by(TelegramOutbound.id)
            )
        ).all()
    )
    if not ids:
        return []
    await session.execute(
        update(TelegramOutbound)
        .where(TelegramOutbound.id.in_(ids))
        .values(owner=owner, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return await outbound(session, ids)


async def mark_sent(session: AsyncSession, message_ids: int | Sequence[int], now: dt.datetime) -> None:
    """Telegram took the message(s)."""
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    if not ids:
        return
    await session.execute(
        update(TelegramOutbound)
        .where(TelegramOutbound.id.in_(ids))
        .values(status=SENT, sent_at=now, owner=None, lease_until=None, error=None)
        .execution_options(synchronize_session=False)
    )


async def fail_chat(session: AsyncSession, chat_id: int, from_id: int, now: dt.datetime, error: str) -> None:
    """The chat cannot get messages (blocked the bot, deleted): this message and the chat's later ones fail."""
    await session.execute(
        update(TelegramOutbound)
        .where(TelegramOutbound.chat_id == chat_id, TelegramOutbound.status == PENDING, TelegramOutbound.id >= from_id)
        .values(status=FAILED, sent_at=now, owner=None, lease_until=None, error=error)
        .execution_options(synchronize_session=False)
    )


async def retry_later(session: AsyncSession, message_id: int, at: dt.datetime, error: str) -> None:
    """A failure that may pass: free the message again at `at` (whoever sweeps then sends it)."""
    await session.execute(
        update(TelegramOutbound)
        .where(TelegramOutbound.id == message_id)
        .values(owner=None, lease_until=at, error=error)
        .execution_options(synchronize_session=False)
    )


async def purge_messages(session: AsyncSession, before: dt.datetime) -> int:
    """Forget sent and failed messages older than `before` (the transcript keeps the replies' text)."""
    result = await session.execute(
        delete(TelegramOutbound).where(TelegramOutbound.status != PENDING, TelegramOutbound.sent_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def outbox_stats(session: AsyncSession) -> tuple[int, float | None, int]:
    """(pending, age in seconds of the oldest pending or None, failed) of the replies' outbox, for /metrics."""
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(TelegramOutbound.created_at)).where(TelegramOutbound.status == PENDING)
        )
    ).one()
    failed = await session.scalar(select(func.count()).select_from(TelegramOutbound).where(TelegramOutbound.status == FAILED))
    start = as_utc(oldest)
    age = None if start is None else max(0.0, (as_utc(session_clock(session)()) - start).total_seconds())  # type: ignore[operator]
    return int(pending), age, int(failed or 0)
