"""The durable scheduler's table: work due at a time (a reminder, a promise to check, a notice to send),
kept until done, claimed by whichever instance is up.

A job is a row with a `kind`, a `due_at` and a JSON `payload`. An instance claims due jobs with a lease
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances never wait on each other or take the same row);
a job whose instance died is taken again when its lease runs out. Two rules keep the customer's view
right:

* **once**: while a job is pending, scheduling it again under the same `dedupe_key` adds nothing (a
  unique index on the pending rows, ON CONFLICT DO NOTHING), so re-running whatever scheduled it (a
  retried request, a replayed turn) schedules nothing new; once it ran or was cancelled, the same key
  may be scheduled anew (the device is ready again, the appointment moved back);
* **in order**: jobs sharing a `group_key` (a ticket: its notices and reminders) run one at a time, in
  the order they were first due (`first_due_at`, kept when a job is deferred or retried); a later one
  waits while an earlier one is unfinished (deferred to the morning by quiet hours, retried after a
  failure, or held by an instance).

The jobs themselves (what each kind does) live in bot/scheduler/ and bot/repairs/; this module only
stores and claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.clock import as_utc
from bot.storage.database import dialect_insert, is_postgresql, session_clock
from bot.storage.models import Base, clock_default

PENDING = "pending"
DONE = "done"
CANCELLED = "cancelled"  # no longer relevant (the booking moved, the ticket closed): never ran
SKIPPED = "skipped"  # ran and found nothing to do (already collected, customer opted out...)
FAILED = "failed"  # gave up: too many attempts, or the customer cannot be reached at all
FINISHED = (DONE, CANCELLED, SKIPPED, FAILED)
PENDING_ONLY = text("status = 'pending'")


class Job(Base):
    """One piece of scheduled work."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "status", "due_at"),
        Index("ix_jobs_group", "group_key", "status", "due_at"),
        Index("ix_jobs_booking", "booking_id", "status"),
        Index("uq_jobs_pending_key", "dedupe_key", unique=True, sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    group_key: Mapped[str | None] = mapped_column(String(64))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # a group's order: never deferred
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(Text)  # why it was skipped, failed or deferred
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ClaimedJob:
    """A job this instance holds, detached from the session."""

    id: int
    kind: str
    booking_id: int | None
    due_at: dt.datetime
    payload: dict[str, Any]
    attempts: int


async def schedule(
    session: AsyncSession,
    kind: str,
    due_at: dt.datetime,
    *,
    now: dt.datetime,
    booking_id: int | None = None,
    group: str | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Add a job; its id, or None when a pending job with the same `key` exists already (scheduled once)."""
    values = {
        "kind": kind, "due_at": as_utc(due_at), "first_due_at": as_utc(due_at), "booking_id": booking_id, "group_key": group, "dedupe_key": key,
        "payload": payload or {}, "status": PENDING, "attempts": 0, "created_at": as_utc(now),
    }
    statement = dialect_insert(session)(Job).values(**values)
    if key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=PENDING_ONLY)
    return await session.scalar(statement.returning(Job.id))


async def cancel_pending(
    session: AsyncSession, booking_id: int, kinds: Collection[str], now: dt.datetime, reason: str
) -> int:
    """Cancel a booking's pending jobs of these kinds that nobody runs right now; how many."""
    result = await session.execute(
        update(Job)
        .where(Job.booking_id == booking_id, Job.kind.in_(list(kinds)), Job.status == PENDING,
               (Job.lease_until.is_(None)) | (Job.lease_until < now))
        .values(status=CANCELLED, done_at=as_utc(now), result=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _earlier_in_group_unfinished(now: dt.datetime) -> Any:
    """"An earlier job of the same group fell due and is unfinished": this one waits for it. Earlier by
    when each was first due, so a retried or deferred job keeps its place."""
    earlier = aliased(Job)
    return (
        select(earlier.id)
        .where(
            earlier.group_key == Job.group_key, earlier.status == PENDING, earlier.first_due_at <= now,
            (earlier.first_due_at < Job.first_due_at) | ((earlier.first_due_at == Job.first_due_at) & (earlier.id < Job.id)),
        )
        .exists()
    )


def _group_held(now: dt.datetime) -> Any:
    """"Another job of the same group is held by an instance now" (even a later one taken first)."""
    other = aliased(Job)
    return (
        select(other.id)
        .where(other.group_key == Job.group_key, other.id != Job.id, other.status == PENDING, other.lease_until >= now)
        .exists()
    )


async def claim_due(
    session: AsyncSession, owner: str, now: dt.datetime, until: dt.datetime, *, limit: int = 20,
    kinds: Collection[str] | None = None,
) -> list[ClaimedJob]:
    """Lease up to `limit` due jobs nobody holds, respecting each group's order; what this caller got.

    The candidates are read with SKIP LOCKED, then leased by a compare-and-set that re-checks they are
    free: of two instances racing, each job goes to one. A group's jobs are leased one at a time.
    """
    now = as_utc(now)
    free = (Job.lease_until.is_(None)) | (Job.lease_until < now)
    query = (
        select(Job.id, Job.group_key)
        .where(Job.status == PENDING, Job.due_at <= now, free)
        .where((Job.group_key.is_(None)) | (~_earlier_in_group_unfinished(now) & ~_group_held(now)))
        .order_by(Job.first_due_at, Job.id)
        .limit(limit)
    )
    if kinds is not None:
        query = query.where(Job.kind.in_(list(kinds)))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=Job)
    ids: list[int] = []
    groups: set[str] = set()
    for job_id, group in (await session.execute(query)).all():
        if group is not None:
            if group in groups:  # one job of a group per claim: the next goes once this one is finished
                continue
            groups.add(group)
        ids.append(job_id)
    if not ids:
        return []
    result = await session.execute(
        update(Job)
        .where(Job.id.in_(ids), Job.status == PENDING, free)
        .values(owner=owner, lease_until=as_utc(until), attempts=Job.attempts + 1)
        .returning(Job.id, Job.kind, Job.booking_id, Job.due_at, Job.payload, Job.attempts)
        .execution_options(synchronize_session=False)
    )
    order = {job_id: index for index, job_id in enumerate(ids)}
    return sorted((ClaimedJob(*row) for row in result.all()), key=lambda job: order[job.id])


async def finish(session: AsyncSession, job_id: int, owner: str, now: dt.datetime, status: str = DONE,
                 result: str | None = None) -> bool:
    """Mark a held job finished (done, skipped, failed); False when `owner` no longer holds it."""
    outcome = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.status == PENDING)
        .values(status=status, done_at=as_utc(now), owner=None, lease_until=None, result=result)
        .execution_options(synchronize_session=False)
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def defer(session: AsyncSession, job_id: int, owner: str, due_at: dt.datetime, reason: str,
                *, count_attempt: bool = False) -> None:
    """Give a held job back, due again at `due_at` (quiet hours, a channel not running, a failure)."""
    values: dict[str, Any] = {"due_at": as_utc(due_at), "owner": None, "lease_until": None, "result": reason[:500]}
    if not count_attempt:
        values["attempts"] = Job.attempts - 1
    await session.execute(
        update(Job).where(Job.id == job_id, Job.owner == owner, Job.status == PENDING).values(**values)
        .execution_options(synchronize_session=False)
    )


async def extend(session: AsyncSession, owner: str, ids: Sequence[int], until: dt.datetime) -> None:
    """Renew this instance's leases on jobs still running."""
    if ids:
        await session.execute(
            update(Job).where(Job.id.in_(list(ids)), Job.owner == owner, Job.status == PENDING)
            .values(lease_until=as_utc(until)).execution_options(synchronize_session=False)
        )


async def jobs_of(session: AsyncSession, booking_id: int) -> list[Job]:
    """A booking's jobs, by due time: what the ticket's timeline shows as coming up or done."""
    rows = await session.scalars(select(Job).where(Job.booking_id == booking_id).order_by(Job.due_at, Job.id))
    return list(rows.all())


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """When the earliest pending job is due (the runner sleeps until then, or its poll)."""
    value = await session.scalar(select(func.min(Job.due_at)).where(Job.status == PENDING))
    return as_utc(value) if value is not None else None


async def outbox_stats(session: AsyncSession) -> tuple[int, float | None, int]:
    """(jobs due and not done, seconds the oldest has been due, jobs failed) for /metrics, like the outboxes."""
    now = as_utc(session_clock(session)())
    count, oldest = (
        await session.execute(select(func.count(Job.id), func.min(Job.due_at)).where(Job.status == PENDING, Job.due_at <= now))
    ).one()
    failed = await session.scalar(select(func.count(Job.id)).where(Job.status == FAILED))
    return int(count or 0), ((now - as_utc(oldest)).total_seconds() if oldest is not None else None), int(failed or 0)
