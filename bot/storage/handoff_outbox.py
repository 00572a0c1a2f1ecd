"""The hand-off outbox (`handoff_outbox`) and how instances claim its rows.

A transactional outbox in two directions:

* target "agents": what the agents' desk must show (a new escalation's card, a customer message to
  relay, a status change, an overdue re-announcement...). Rows are written in the same transaction as
  the change they report, so a crash or a Telegram outage never loses one; a worker delivers them in
  order at the pace the agents' chat allows (`bot.handoff.outbox`).
* target "customer": what a person wrote that could not be delivered to the customer yet: "pending"
  rows (a temporary failure, or the first delivery still under way) are retried, "held" rows (the
  customer blocked the bot) are delivered when the customer writes again.

Several instances share one database, so a row is *claimed* before it is sent: `claimed_by` (the
instance, `Database.instance`) and `lease_until`. A claim is taken in one short transaction and the
row stays "pending" while it is being sent; whoever finishes it clears the claim. A claim whose
instance died runs out at `lease_until` and the row is claimed again, so at worst a row is sent twice
after a crash, never lost. Rows of one escalation (agents) or one conversation (customer) are claimed
as an in-order prefix: nothing is claimed behind a row someone else holds or a row backing off, so
agents and customers see messages in the order they were written.

On PostgreSQL the claimers are serialised by a transaction-scoped advisory lock (one for the desk, one
per conversation for customers) and the rows taken `FOR UPDATE SKIP LOCKED`. The lock is what makes
the prefix rule exact: two claimers running side by side would each see the other's rows unclaimed
(neither has committed) and could take an escalation's row 2 while the other takes row 1. A claim is a
select and an update, milliseconds, so one claimer at a time costs nothing next to Telegram's pace.
On SQLite (one process, `BEGIN IMMEDIATE` serialises writers) the same statements run without locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.clock import as_utc
from bot.storage.database import is_postgresql, session_clock
from bot.storage.locks import CUSTOMER_CLAIMS, DESK_CLAIMS, xact_lock
from bot.storage.models import Base, Escalation, clock_default

AGENTS, CUSTOMER = "agents", "customer"  # outbox targets
PENDING, DONE, FAILED, HELD = "pending", "done", "failed", "held"  # outbox statuses


class HandoffOutbox(Base):
    """One thing to tell the agents' desk, or one agent message still to deliver to the customer."""

    __tablename__ = "handoff_outbox"
    __table_args__ = (
        Index("ix_handoff_outbox_due", "target", "status", "not_before", "id"),
        Index("ix_handoff_outbox_conversation", "conversation_id", "target", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(8))  # agents | customer
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)  # pending | done | failed | held
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the instance sending it now
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # its claim runs out then


def add_outbox(
    session: AsyncSession,
    escalation: Escalation,
    target: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    status: str = PENDING,
    error: str | None = None,
    now: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> HandoffOutbox:
    """Queue one outbox row in the caller's transaction (tried from `not_before`, else at once)."""
    now = now or session_clock(session)()
    row = HandoffOutbox(
        escalation_id=escalation.id,
        conversation_id=escalation.conversation_id,
        target=target,
        kind=kind,
        payload=payload or {},
        status=status,
        attempts=0,
        not_before=not_before or now,
        error=error,
        created_at=now,
    )
    session.add(row)
    return row


async def add_outbox_flushed(session: AsyncSession, escalation: Escalation, target: str, kind: str,
                             payload: dict[str, Any], *, now: dt.datetime, not_before: dt.datetime) -> HandoffOutbox:
    """`add_outbox`, flushed so the row's id is known (a delivery made after commit refers to it)."""
    row = add_outbox(session, escalation, target, kind, payload, now=now, not_before=not_before)
    await session.flush()
    return row


async def outbox_row(session: AsyncSession, outbox_id: int) -> HandoffOutbox | None:
    """One outbox row by id (gone when its escalation was deleted)."""
    return await session.get(HandoffOutbox, outbox_id)


def _free(now: dt.datetime) -> Any:
    """Nobody holds the row: never claimed, finished with, or its claimer's lease ran out."""
    return or_(HandoffOutbox.lease_until.is_(None), HandoffOutbox.lease_until <= now)


async def customer_retries_due(session: AsyncSession, now: dt.datetime) -> list[int]:
    """Conversations with an agent message whose retry is due and that nobody is delivering."""
    rows = await session.scalars(
        select(HandoffOutbox.conversation_id)
        .where(HandoffOutbox.target == CUSTOMER, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now, _free(now))
        .distinct()
    )
    return list(rows.all())


def _behind(target: str, now: dt.datetime) -> Any:
    """The row has an earlier pending row of its escalation that cannot go now (backing off, or held
    by a live claim): it must wait, so the desk never shows an escalation's events out of order."""
    earlier = aliased(HandoffOutbox)
    return exists().where(
        earlier.escalation_id == HandoffOutbox.escalation_id,
        earlier.target == target,
        earlier.id < HandoffOutbox.id,
        earlier.status == PENDING,
        or_(earlier.not_before > now, and_(earlier.lease_until.is_not(None), earlier.lease_until > now)),
    )


async def claim_due(session: AsyncSession, target: str, now: dt.datetime, *, holder: str, until: dt.datetime,
                    limit: int = 50) -> list[HandoffOutbox]:
    """Claim the due rows nobody holds, oldest first, for `holder` until `until` (see the module doc)."""
    await xact_lock(session, DESK_CLAIMS)
    query = (
        select(HandoffOutbox)
        .where(HandoffOutbox.target == target, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now,
               _free(now), ~_behind(target, now))
        .order_by(HandoffOutbox.id)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=HandoffOutbox)
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.claimed_by, row.lease_until = holder, until
    return rows


async def extend_claim(session: AsyncSession, ids: Sequence[int], holder: str, until: dt.datetime) -> None:
    """Keep holding rows a long round is still working through (only those still ours)."""
    if ids:
        await session.execute(
            update(HandoffOutbox)
            .where(HandoffOutbox.id.in_(tuple(ids)), HandoffOutbox.claimed_by == holder, HandoffOutbox.status == PENDING)
            .values(lease_until=until)
        )


async def release_claim(session: AsyncSession, ids: Sequence[int], holder: str) -> None:
    """Give back rows claimed but not tried (a round cut short): claimable again at once."""
    if ids:
        await session.execute(
            update(HandoffOutbox)
            .where(HandoffOutbox.id.in_(tuple(ids)), HandoffOutbox.claimed_by == holder)
            .values(claimed_by=None, lease_until=None)
        )


async def claim_row(session: AsyncSession, outbox_id: int, *, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
    """Claim one pending row nobody holds (compare-and-set); False when someone else has it or it is done."""
    result = await session.execute(
        update(HandoffOutbox)
        .where(HandoffOutbox.id == outbox_id, HandoffOutbox.status == PENDING, _free(now))
        .values(claimed_by=holder, lease_until=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def claim_undelivered(session: AsyncSession, conversation_id: int, *, holder: str, now: dt.datetime,
                            until: dt.datetime, held: bool) -> list[HandoffOutbox]:
    """Claim the agent messages to deliver to this customer now, oldest first.

    `held`: the customer is here (they wrote): held and pending rows, due or not. Otherwise (the
    periodic retry) pending rows whose retry is due. Either way the claim stops at the first row that
    cannot go (someone else delivers it, or it backs off): what follows it waits, in order.
    """
    await xact_lock(session, CUSTOMER_CLAIMS, conversation_id)
    candidates = [r for r in (await session.scalars(_undelivered(conversation_id))).all() if held or r.status == PENDING]
    prefix: list[int] = []
    for row in candidates:
        leased = row.lease_until is not None and as_utc(row.lease_until) > now  # type: ignore[operator]
        if leased or (not held and as_utc(row.not_before) > now):  # type: ignore[operator]
            break
        prefix.append(row.id)
    if not prefix:
        return []
    query = select(HandoffOutbox).where(HandoffOutbox.id.in_(prefix)).order_by(HandoffOutbox.id)
    query = query.execution_options(populate_existing=True)  # as it is now, not as first read
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    locked = {row.id: row for row in (await session.scalars(query)).all()}
    claimed: list[HandoffOutbox] = []
    for row_id in prefix:  # a row someone is finishing right now ends the prefix too
        row = locked.get(row_id)
        if row is None:
            break
        row.claimed_by, row.lease_until = holder, until
        claimed.append(row)
    return claimed


async def due_outbox(session: AsyncSession, target: str, now: dt.datetime, limit: int = 50) -> list[HandoffOutbox]:
    """Pending rows whose time has come and nobody holds, oldest first (a read: `claim_due` to send)."""
    rows = await session.scalars(
        select(HandoffOutbox)
        .where(HandoffOutbox.target == target, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now, _free(now))
        .order_by(HandoffOutbox.id)
        .limit(limit)
    )
    return list(rows.all())


async def opened_upto(session: AsyncSession, escalation_id: int) -> int | None:
    """The last message id the escalation's card shows (the message that caused the hand-off)."""
    payload = await session.scalar(
        select(HandoffOutbox.payload)
        .where(HandoffOutbox.escalation_id == escalation_id, HandoffOutbox.target == AGENTS, HandoffOutbox.kind == "opened")
        .order_by(HandoffOutbox.id)
        .limit(1)
    )
    value = payload.get("upto") if isinstance(payload, dict) else None
    return int(value) if isinstance(value, int) else None


async def next_due(session: AsyncSession, target: str) -> dt.datetime | None:
    """When the next pending row of a target may be claimed: the earliest among each escalation's first
    pending row of its due time and the end of its claim (later rows wait for that one)."""
    earlier = aliased(HandoffOutbox)
    first = ~exists().where(
        earlier.escalation_id == HandoffOutbox.escalation_id,
        earlier.target == target,
        earlier.id < HandoffOutbox.id,
        earlier.status == PENDING,
    )
    available = case(
        (and_(HandoffOutbox.lease_until.is_not(None), HandoffOutbox.lease_until > HandoffOutbox.not_before), HandoffOutbox.lease_until),
        else_=HandoffOutbox.not_before,
    )
    return as_utc(
        await session.scalar(
            select(func.min(available)).where(HandoffOutbox.target == target, HandoffOutbox.status == PENDING, first)
        )
    )


def _undelivered(conversation_id: int) -> Select[tuple[HandoffOutbox]]:
    return (
        select(HandoffOutbox)
        .where(
            HandoffOutbox.conversation_id == conversation_id,
            HandoffOutbox.target == CUSTOMER,
            HandoffOutbox.status.in_((PENDING, HELD)),
        )
        .order_by(HandoffOutbox.id)
    )


async def undelivered(session: AsyncSession, conversation_id: int) -> list[HandoffOutbox]:
    """Agent messages not yet delivered to this customer (held or pending), oldest first."""
    return list((await session.scalars(_undelivered(conversation_id))).all())


async def has_undelivered(session: AsyncSession, conversation_id: int) -> bool:
    """Whether agent messages wait to be delivered to this customer."""
    return await session.scalar(_undelivered(conversation_id).limit(1)) is not None
