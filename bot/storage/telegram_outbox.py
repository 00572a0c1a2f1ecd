"""Telegram's replies outbox (`telegram_outbox`): every reply stored before it is sent.

Leased to the instance that queued it, which sends it at once; a reply whose lease ran out (its
instance died, or a retry is due) is claimed by the sweep of any instance, a chat's oldest unsent
first, so a customer's replies arrive in order. See bot/storage/telegram_queue.py for the updates'
side, the rules both queues share, and why their functions take a `Connection` (all but
`outbox_stats`, which follows the session protocol every outbox offers /metrics).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.database import insert_of, is_postgresql, session_clock
from bot.storage.models import Base
from bot.storage.prepared import Prepared, PreparedRows
from bot.storage.telegram_queue import (
    FAILED,
    PENDING,
    SENT,
    LeasedRow,
    has_older_pending,
    is_free,
)


class TelegramOutbound(LeasedRow, Base):
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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


_OUTBOX: Table = TelegramOutbound.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class QueuedMessage:
    """A message to send, detached from the session."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int


# -- outbox -------------------------------------------------------------------------------------------


def enqueue_messages(
    connection: Connection,
    chat_id: int,
    source: str | None,
    messages: Sequence[tuple[str, dict[str, Any]]],
    now: dt.datetime,
    owner: str,
    until: dt.datetime,
) -> tuple[list[int], bool]:
    """Queue (method, payload) messages for a chat; the ids queued now (none when the same `source`
    queued them before) and whether `owner` may send them at once.

    They are leased to `owner` unless the chat has older messages still unsent (backing off, or left by
    a dead instance): then they wait, unleased, for the sweep to send them after those, in order. In the
    caller's transaction (a turn's own, through `in_session`).
    """
    if not messages:
        return [], False
    behind = _BEHIND.scalar(connection, {"chat": chat_id})
    lease = {"owner": owner, "lease_until": until} if behind is None else {"owner": None, "lease_until": None}
    rows = [
        {
            "chat_id": chat_id, "source": source, "seq": seq, "method": method, "payload": payload, "status": PENDING,
            "attempts": 0, "created_at": now, "error": None, "sent_at": None, **lease,
        }
        for seq, (method, payload) in enumerate(messages)
    ]
    returned = (_ENQUEUE_KEYED if source is not None else _ENQUEUE).rows(connection, rows)
    return sorted(row_id for (row_id,) in returned), behind is None


# Statements on every reply's path, compiled once (see bot/storage/prepared.py).
_BEHIND = Prepared(select(_OUTBOX.c.id).where(_OUTBOX.c.chat_id == bindparam("chat"), _OUTBOX.c.status == PENDING).limit(1))
_ENQUEUED_COLUMNS = (
    "chat_id", "source", "seq", "method", "payload", "status", "attempts", "created_at", "error", "sent_at", "owner", "lease_until",
)
_ENQUEUE = PreparedRows(lambda dialect: insert_of(dialect)(_OUTBOX).returning(_OUTBOX.c.id), _ENQUEUED_COLUMNS)
# The same source queues its messages once.
_ENQUEUE_KEYED = PreparedRows(
    lambda dialect: insert_of(dialect)(_OUTBOX).on_conflict_do_nothing(index_elements=["chat_id", "source", "seq"]).returning(_OUTBOX.c.id),
    _ENQUEUED_COLUMNS,
)


def has_source(connection: Connection, chat_id: int, source: str) -> bool:
    """Whether the replies to this inbound were queued already."""
    found = connection.scalar(
        select(_OUTBOX.c.id).where(_OUTBOX.c.chat_id == chat_id, _OUTBOX.c.source == source).limit(1)
    )
    return found is not None


def outbound(connection: Connection, ids: Sequence[int]) -> list[QueuedMessage]:
    """Queued messages by id, in order."""
    rows = connection.execute(
        select(_OUTBOX.c.id, _OUTBOX.c.chat_id, _OUTBOX.c.method, _OUTBOX.c.payload, _OUTBOX.c.attempts)
        .where(_OUTBOX.c.id.in_(list(ids)))
        .order_by(_OUTBOX.c.id)
    )
    return [QueuedMessage(*row) for row in rows.all()]


def orphan_messages(connection: Connection, owner: str, now: dt.datetime, until: dt.datetime, limit: int = 50) -> list[QueuedMessage]:
    """Claim due messages nobody sends (lease ran out), the oldest unsent of each chat only."""
    query = (
        select(_OUTBOX.c.id)
        .where(_OUTBOX.c.status == PENDING, is_free(_OUTBOX, now), ~has_older_pending(_OUTBOX, "id"))
        .order_by(_OUTBOX.c.id)
        .limit(limit)
    )
    if is_postgresql(connection):
        query = query.with_for_update(skip_locked=True, of=_OUTBOX)
    return _claim_messages(connection, list(connection.scalars(query).all()), owner, now, until)


def _claim_messages(connection: Connection, ids: Sequence[int], owner: str, now: dt.datetime, until: dt.datetime) -> list[QueuedMessage]:
    """Lease the messages still free among `ids` (compare-and-set); the ones this caller got."""
    if not ids:
        return []
    result = connection.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(list(ids)), _OUTBOX.c.status == PENDING, is_free(_OUTBOX, now))
        .values(owner=owner, lease_until=until, attempts=_OUTBOX.c.attempts + 1)
        .returning(_OUTBOX.c.id)
    )
    return outbound(connection, result.scalars().all())


def later_messages_of_chat(
    connection: Connection, chat_id: int, after_id: int, owner: str, now: dt.datetime, until: dt.datetime
) -> list[QueuedMessage]:
    """Claim a chat's free pending messages queued after `after_id` (sent next, in order)."""
    query = (
        select(_OUTBOX.c.id)
        .where(_OUTBOX.c.chat_id == chat_id, _OUTBOX.c.status == PENDING, _OUTBOX.c.id > after_id,
               is_free(_OUTBOX, now))
        .order_by(_OUTBOX.c.id)
    )
    if is_postgresql(connection):
        query = query.with_for_update(skip_locked=True, of=_OUTBOX)
    ids = list(connection.scalars(query).all())
    claimed = {m.id: m for m in _claim_messages(connection, ids, owner, now, until)}
    run: list[QueuedMessage] = []
    for message_id in ids:  # in order, without a gap: a message someone else holds ends the run
        if message_id not in claimed:
            break
        run.append(claimed.pop(message_id))
    for left in claimed.values():  # claimed past the gap: given back, they go after it
        retry_later(connection, left.id, now, "waiting behind an earlier message")
    return run


def extend_chat_leases(connection: Connection, owner: str, chat_id: int, until: dt.datetime) -> None:
    """Keep holding the chat's replies this instance is sending until `until` (a paced reply must not be
    sent again by another instance's sweep)."""
    connection.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.chat_id == chat_id, _OUTBOX.c.owner == owner, _OUTBOX.c.status == PENDING)
        .values(lease_until=until)
    )


def mark_sent(connection: Connection, message_ids: int | Sequence[int], now: dt.datetime) -> None:
    """Telegram took the message(s)."""
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    if len(ids) == 1:
        _SENT.run(connection, {"sent_id": ids[0], "at": now})
    else:
        _SENT.run_many(connection, [{"sent_id": id_, "at": now} for id_ in ids])


# One row per parameter set (an executemany when there are several), not `id IN (...)`: an IN list is
# expanded into the SQL at every execution, and a turn's replies are nearly always one message.
_SENT = Prepared(
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("sent_id"))
    .values(status=SENT, sent_at=bindparam("at"), owner=None, lease_until=None, error=None)
)


def fail_message(connection: Connection, message_id: int, now: dt.datetime, error: str) -> None:
    """Telegram refused this one message for good (bad markup, too long...): the chat's others still go."""
    connection.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id, _OUTBOX.c.status == PENDING)
        .values(status=FAILED, sent_at=now, owner=None, lease_until=None, error=error)
    )


def fail_chat(connection: Connection, chat_id: int, from_id: int, now: dt.datetime, error: str) -> None:
    """The chat cannot get messages (blocked the bot, deleted): this message and the chat's later ones fail."""
    connection.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.chat_id == chat_id, _OUTBOX.c.status == PENDING, _OUTBOX.c.id >= from_id)
        .values(status=FAILED, sent_at=now, owner=None, lease_until=None, error=error)
    )


def retry_later(connection: Connection, message_id: int, at: dt.datetime, error: str) -> None:
    """A failure that may pass: free the message again at `at` (whoever sweeps then sends it)."""
    connection.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == message_id)
        .values(owner=None, lease_until=at, error=error)
    )


def purge_messages(connection: Connection, before: dt.datetime) -> int:
    """Forget sent and failed messages older than `before` (the transcript keeps the replies' text)."""
    result = connection.execute(
        delete(_OUTBOX).where(_OUTBOX.c.status != PENDING, _OUTBOX.c.sent_at < before)
    )
    return int(result.rowcount or 0)


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
