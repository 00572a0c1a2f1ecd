"""Telegram's durable queues: updates stored before Telegram is told they arrived (here), replies stored
before they are sent (`telegram_outbox`, bot/storage/telegram_outbox.py).

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

The functions of both modules (but `telegram_outbox.outbox_stats`, which /metrics calls with a session
like every outbox's) are plain synchronous Core statements on a `Connection`, run as one transaction by
`Database.run` (or inside a turn's session by `in_session`): every update pays for storing it, queueing
its replies, marking them sent and recording it handled, and through the async session each of those
calls was a greenlet switch of its own (begin, connection, statement, commit, close) costing more than
SQLite's work; one switch per transaction does the same for about half on SQLite.
"""

from __future__ import annotations

import datetime as dt
import functools
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
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.database import insert_of
from bot.storage.locks import TELEGRAM_CHATS, fold32, hold_xact_lock
from bot.storage.models import Base
from bot.storage.prepared import Prepared

PENDING = "pending"
DONE = "done"
SENT = "sent"
FAILED = "failed"


class LeasedRow:
    """The columns both queues share: what to do (`payload`), how far it got, and who holds it until when."""

    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    owner: Mapped[str | None] = mapped_column(String(64))  # the instance holding the row (`Database.instance`)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class TelegramUpdate(LeasedRow, Base):
    """One update as Telegram sent it, kept until handled (and a day longer, to recognise redeliveries)."""

    __tablename__ = "telegram_updates"
    __table_args__ = (Index("ix_telegram_updates_chat_pending", "status", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None: not a chat's update, no order to keep
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


_UPDATES: Table = TelegramUpdate.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class QueuedUpdate:
    """An update to handle, detached from the session."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int


# -- updates ------------------------------------------------------------------------------------------


def store_updates(
    connection: Connection, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: dt.datetime
) -> list[int]:
    """Keep (update_id, chat_id, payload) rows; the ids stored now, without those already known."""
    if not updates:
        return []
    rows = [
        {"update_id": update_id, "chat_id": chat_id, "payload": payload, "status": PENDING, "attempts": 0, "received_at": now}
        for update_id, chat_id, payload in updates
    ]
    result = connection.execute(_store_statement(connection.dialect.name), rows)
    return sorted(result.scalars().all())


# The statements of an update's path are built once (per dialect where it matters) and take their
# values as bind parameters: building a statement with subqueries cost more than running it.
@functools.cache
def _store_statement(dialect: str) -> Any:
    insert = insert_of(dialect)
    return insert(_UPDATES).on_conflict_do_nothing(index_elements=["update_id"]).returning(_UPDATES.c.update_id)


def store_and_claim(
    connection: Connection, update_id: int, chat_id: int | None, payload: dict[str, Any], owner: str, now: dt.datetime,
    until: dt.datetime,
) -> QueuedUpdate | int | None:
    """Keep one update and, in the same statement, take it when `claim_update` would have: the update
    (taken), its id (stored, but its chat has an older update pending or one being handled), or None (a
    redelivery: stored already). One round trip instead of an INSERT and an UPDATE.
    """
    lock_chat(connection, chat_id)
    row = _STORE_AND_CLAIM.first(
        connection, {"stored_id": update_id, "chat": chat_id, "body": payload, "now": now, "taker": owner, "until": until}
    )
    if row is None:
        return None
    _, taken_by = row
    return QueuedUpdate(update_id, chat_id, payload, 1) if taken_by == owner else update_id


def _store_and_claim_statement(dialect: str) -> Any:
    insert = insert_of(dialect)
    table = _UPDATES
    # Typed: a parameter inside CASE says nothing of its type, and PostgreSQL takes an untyped one as text.
    stored_id, chat = bindparam("stored_id", type_=table.c.update_id.type), bindparam("chat", type_=table.c.chat_id.type)
    now, until = bindparam("now", type_=table.c.received_at.type), bindparam("until", type_=table.c.lease_until.type)
    other = table.alias("other")
    # The rule of `claim_update` for a row not stored yet: every pending row of its chat is "another" one,
    # and none of them may be older or held.
    free = ~(
        select(other.c.update_id)
        .where(other.c.status == PENDING, other.c.chat_id == chat, or_(other.c.update_id < stored_id, other.c.lease_until >= now))
        .exists()
    )
    return (
        insert(table)
        .values(
            update_id=stored_id, chat_id=chat, payload=bindparam("body", type_=table.c.payload.type), status=PENDING,
            received_at=now, attempts=case((free, 1), else_=0),
            owner=case((free, bindparam("taker", type_=table.c.owner.type)), else_=None), lease_until=case((free, until), else_=None),
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id, table.c.owner)
    )


_STORE_AND_CLAIM = Prepared(_store_and_claim_statement)


def is_free(table: Table, now: Any) -> Any:
    """"Nobody holds this row": never leased, or its lease ran out."""
    return or_(table.c.lease_until.is_(None), table.c.lease_until < now)


def held_elsewhere(table: Table, key: str, now: Any) -> Any:
    """"Another row of this chat is being handled right now" (its lease runs): the chat waits for it."""
    other = table.alias("held")
    return (
        select(other.c[key])
        .where(other.c.status == PENDING, other.c.chat_id == table.c.chat_id, other.c[key] != table.c[key],
               other.c.lease_until >= now)
        .exists()
    )


def has_older_pending(table: Table, key: str) -> Any:
    """"This chat has an older unfinished row": only a chat's oldest row may be claimed."""
    earlier = table.alias("earlier")
    return (
        select(earlier.c[key])
        .where(earlier.c.status == PENDING, earlier.c.chat_id == table.c.chat_id, earlier.c[key] < table.c[key])
        .exists()
    )


def lock_chat(connection: Connection, chat_id: int | None) -> None:
    """Serialise claims of one chat's rows until this transaction ends (PostgreSQL; SQLite has one writer).

    Without it two instances storing a chat's updates 10 and 11 at once would each find "nothing older
    pending" (neither sees the other's uncommitted row) and handle both at the same time.
    """
    if chat_id is not None:
        hold_xact_lock(connection, TELEGRAM_CHATS, fold32(chat_id))


def claim_update(
    connection: Connection, update_id: int, chat_id: int | None, owner: str, now: dt.datetime, until: dt.datetime
) -> QueuedUpdate | None:
    """Take one pending update if it is free, the oldest unfinished one of its chat, and no other update
    of its chat is being handled (a later one may have been stored, and taken, first); None otherwise.

    Under the chat's lock (`lock_chat`), then a compare-and-set: of two instances racing for it, the
    second finds the lease taken (PostgreSQL re-checks the condition after the first commits).
    """
    lock_chat(connection, chat_id)
    result = connection.execute(_claim_statement(), {"claimed_id": update_id, "now": now, "new_owner": owner, "new_until": until})
    row = result.first()
    return QueuedUpdate(*row) if row is not None else None


@functools.cache
def _claim_statement() -> Any:
    table, now = _UPDATES, bindparam("now")
    return (
        update(table)
        .where(
            table.c.update_id == bindparam("claimed_id"), table.c.status == PENDING, is_free(table, now),
            ~has_older_pending(table, "update_id"), ~held_elsewhere(table, "update_id", now),
        )
        .values(owner=bindparam("new_owner"), lease_until=bindparam("new_until"), attempts=table.c.attempts + 1)
        .returning(table.c.update_id, table.c.chat_id, table.c.payload, table.c.attempts)
    )


def orphan_updates(
    connection: Connection, now: dt.datetime, stored_before: dt.datetime, limit: int = 50
) -> list[tuple[int, int | None]]:
    """(update id, chat id) of pending updates nobody handles: leased by an instance whose lease ran out,
    or never taken (the instance that stored it died first, or had no room) and stored before
    `stored_before`. Heads of chats only; each is then claimed with `claim_update`."""
    query = (
        select(_UPDATES.c.update_id, _UPDATES.c.chat_id)
        .where(
            _UPDATES.c.status == PENDING,
            ~has_older_pending(_UPDATES, "update_id"),
            or_(_UPDATES.c.lease_until < now, and_(_UPDATES.c.lease_until.is_(None), _UPDATES.c.received_at < stored_before)),
        )
        .order_by(_UPDATES.c.update_id)
        .limit(limit)
    )
    return [(update_id, chat_id) for update_id, chat_id in connection.execute(query).all()]


def finish_update(
    connection: Connection, update_id: int, chat_id: int | None, owner: str, now: dt.datetime, status: str = DONE,
    error: str | None = None,
) -> int | None:
    """Mark an update handled (its replies are queued) or failed for good, if `owner` still holds it; the
    oldest pending update of its chat, handled next (None: none, no chat, or the update was not `owner`'s).

    Under the chat's lock, like every claim: without it an update of the chat stored meanwhile by another
    instance would be seen by neither (each finding the other's row uncommitted) until the sweep, and
    a sweep claiming this very update would wait for its row while holding the lock this one wants.
    """
    lock_chat(connection, chat_id)
    return _FINISH.scalar(
        connection, {"finished_id": update_id, "chat": chat_id, "holder": owner, "new_status": status, "at": now, "why": error}
    )


def _finish_statement() -> Any:
    following = _UPDATES.alias("following")
    # The chat is a parameter, not a correlation with the updated row: SQLite's RETURNING is compiled
    # without table names, which would make `following.chat_id = chat_id` true of every row.
    next_of_chat = (
        select(func.min(following.c.update_id))
        .where(following.c.status == PENDING, following.c.chat_id == bindparam("chat", type_=_UPDATES.c.chat_id.type),
               following.c.update_id != bindparam("finished_id"))
        .scalar_subquery()
    )
    return (
        update(_UPDATES)
        .where(_UPDATES.c.update_id == bindparam("finished_id"), _UPDATES.c.owner == bindparam("holder"))
        .values(status=bindparam("new_status"), done_at=bindparam("at"), owner=None, lease_until=None, error=bindparam("why"))
        .returning(next_of_chat)
    )


_FINISH = Prepared(_finish_statement())


def release_update(connection: Connection, update_id: int, owner: str, retry_at: dt.datetime, error: str) -> None:
    """Give an update back after a failure that may pass (the database, the network): retried later."""
    connection.execute(
        update(_UPDATES).where(_UPDATES.c.update_id == update_id, _UPDATES.c.owner == owner).values(owner=None, lease_until=retry_at, error=error)
    )


def extend_lease(connection: Connection, owner: str, update_id: int, until: dt.datetime) -> None:
    """Keep holding an update being handled until `until` (a slow turn must not be taken over)."""
    connection.execute(
        update(_UPDATES)
        .where(_UPDATES.c.update_id == update_id, _UPDATES.c.owner == owner, _UPDATES.c.status == PENDING)
        .values(lease_until=until)
    )


def purge_updates(connection: Connection, before: dt.datetime) -> int:
    """Forget handled updates older than `before` (Telegram redelivers within hours, not days)."""
    result = connection.execute(delete(_UPDATES).where(_UPDATES.c.status != PENDING, _UPDATES.c.done_at < before))
    return int(result.rowcount or 0)
