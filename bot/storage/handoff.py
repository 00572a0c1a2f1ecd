"""Human hand-off storage: internal notes, the hand-off outbox, and the queries the hand-off service needs.

The `escalations` table itself is in `bot.storage.models` (the engine opens escalations in its turn).

The hand-off outbox (`handoff_outbox`: what the agents' desk must show, agent messages still to deliver
to customers) and how instances claim its rows is `bot.storage.handoff_outbox`; its names are
re-exported here, so `bot.storage.handoff` stays the one import of the hand-off's storage.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.database import is_postgresql, session_clock
from bot.storage.handoff_outbox import (  # noqa: F401 - re-exported: the hand-off's storage is one import
    AGENTS,
    CUSTOMER,
    DONE,
    FAILED,
    HELD,
    PENDING,
    HandoffOutbox,
    add_outbox,
    add_outbox_flushed,
    claim_due,
    claim_row,
    claim_undelivered,
    customer_retries_due,
    due_outbox,
    extend_claim,
    has_undelivered,
    next_due,
    opened_upto,
    outbox_row,
    release_claim,
    undelivered,
)
from bot.storage.models import Base, Conversation, Escalation, clock_default

log = logging.getLogger(__name__)

WAITING, ASSIGNED, RESOLVED, ABANDONED = "waiting", "assigned", "resolved", "abandoned"
ACTIVE: tuple[str, ...] = (WAITING, ASSIGNED)



class EscalationNote(Base):
    """An agent's internal note on an escalation: never sent to the customer."""

    __tablename__ = "escalation_notes"
    __table_args__ = (Index("ix_escalation_notes_escalation", "escalation_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    agent_id: Mapped[str | None] = mapped_column(String(32))
    agent_name: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


@dataclass(frozen=True)
class EscalationView:
    """An escalation with its conversation, detached from any session (what agents and the CLI see)."""

    id: int
    conversation_id: int
    channel: str
    customer_id: str
    display_name: str | None
    language: str
    reason: str
    priority: int
    status: str
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    assigned_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolution: str | None = None
    survey_score: int | None = None
    survey_comment: str | None = None
    last_announced_at: dt.datetime | None = None
    blocked: bool = False
    vip: bool = False  # a VIP customer (`vip_customers`; the hand-off service also checks the VIP list)

    @property
    def name(self) -> str:
        """How agents call the customer: the display name, else the channel's id for them."""
        return self.display_name or self.customer_id

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def view(escalation: Escalation, conversation: Conversation) -> EscalationView:
    """Detach an escalation and its conversation into a view."""
    return EscalationView(
        id=escalation.id,
        conversation_id=conversation.id,
        channel=conversation.channel,
        customer_id=conversation.customer_id,
        display_name=conversation.display_name,
        language=escalation.language or conversation.language,
        reason=escalation.reason,
        priority=escalation.priority,
        status=escalation.status,
        created_at=as_utc(escalation.created_at),  # type: ignore[arg-type]
        due_at=as_utc(escalation.due_at),
        agent_id=escalation.agent_id,
        agent_name=escalation.agent_name,
        assigned_at=as_utc(escalation.assigned_at),
        resolved_at=as_utc(escalation.resolved_at),
        resolution=escalation.resolution,
        survey_score=escalation.survey_score,
        survey_comment=escalation.survey_comment,
        last_announced_at=as_utc(escalation.last_announced_at),
        blocked=bool(conversation.blocked),
    )


# -- escalations ---------------------------------------------------------------------------------


async def active_escalation(session: AsyncSession, conversation_id: int) -> Escalation | None:
    """The conversation's waiting or assigned escalation, if any (the newest, should there be two)."""
    return await session.scalar(
        select(Escalation)
        .where(Escalation.conversation_id == conversation_id, Escalation.status.in_(ACTIVE))
        .order_by(Escalation.id.desc())
        .limit(1)
    )


async def load(session: AsyncSession, escalation_id: int, *, lock: bool = False) -> tuple[Escalation, Conversation] | None:
    """An escalation and its conversation; `lock` takes the conversation's row lock first (PostgreSQL),
    in the same order as a customer turn, so agent actions and customer messages never deadlock."""
    conversation_id = await session.scalar(select(Escalation.conversation_id).where(Escalation.id == escalation_id))
    if conversation_id is None:
        return None
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock and is_postgresql(session):
        query = query.with_for_update()
    conversation = await session.scalar(query)
    escalation = await session.get(Escalation, escalation_id, populate_existing=True)
    if conversation is None or escalation is None:
        return None
    return escalation, conversation


async def get(session: AsyncSession, escalation_id: object) -> Escalation | None:
    """One escalation by id; None for an unknown or unusable id (ids come from buttons and payloads)."""
    if not isinstance(escalation_id, int):
        return None
    return await session.get(Escalation, escalation_id)


async def open_or_raise(session: AsyncSession, conversation_id: int, reason: str, priority: int) -> Escalation:
    """Put the conversation in the human queue, or raise the priority of the request already open."""
    existing = await active_escalation(session, conversation_id)
    if existing is not None:
        existing.priority = max(existing.priority, priority)
        return existing
    return await add_escalation(session, Escalation(conversation_id=conversation_id, reason=reason, priority=priority))


async def add_escalation(session: AsyncSession, escalation: Escalation) -> Escalation:
    """Store a new escalation in the caller's transaction; flushed, so its id is known."""
    session.add(escalation)
    await session.flush()
    return escalation


async def queue_position(session: AsyncSession, escalation: Escalation) -> int:
    """1 for the next to be answered: waiting escalations more urgent, or as urgent and older, go first."""
    ahead = await session.scalar(
        select(func.count(Escalation.id)).where(
            Escalation.status == WAITING,
            Escalation.id != escalation.id,
            (Escalation.priority > escalation.priority)
            | ((Escalation.priority == escalation.priority) & (Escalation.created_at <= escalation.created_at)),
        )
    )
    return int(ahead or 0) + 1


async def recent_waits(session: AsyncSession, since: dt.datetime, limit: int = 30) -> list[tuple[dt.datetime, dt.datetime]]:
    """(created, first taken) of the latest escalations a person took since `since`, newest first."""
    rows = await session.execute(
        select(Escalation.created_at, Escalation.assigned_at)
        .where(Escalation.assigned_at.is_not(None), Escalation.assigned_at >= since)
        .order_by(Escalation.assigned_at.desc())
        .limit(limit)
    )
    return [(as_utc(c), as_utc(a)) for c, a in rows.all()]  # type: ignore[misc]


async def views(session: AsyncSession, statuses: Sequence[str] = ACTIVE) -> list[EscalationView]:
    """Escalations in these statuses, most urgent first, then oldest first."""
    rows = await session.execute(
        select(Escalation, Conversation)
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(Escalation.status.in_(tuple(statuses)))
        .order_by(Escalation.priority.desc(), Escalation.created_at, Escalation.id)
    )
    found = [view(e, c) for e, c in rows.all()]
    vips = await vip_customers(session, {(v.channel, v.customer_id) for v in found if v.active})
    return [replace(v, vip=True) if (v.channel, v.customer_id) in vips else v for v in found]


async def claim_overdue(session: AsyncSession, now: dt.datetime, announced_before: dt.datetime) -> list[Escalation]:
    """Active escalations past their due time, not announced since `announced_before`, claimed for
    announcing in the caller's transaction: the caller sets `last_announced_at` before it commits.

    On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`: a sweep running at the same moment on
    another instance skips them, and one that comes after the commit no longer finds them due (the
    lock re-reads the row). A row some other transaction holds (an agent acting on it) is skipped this
    round and announced by the next sweep if still overdue.
    """
    query = (
        select(Escalation)
        .where(
            Escalation.status.in_(ACTIVE),
            Escalation.due_at.is_not(None),
            Escalation.due_at <= now,
            Escalation.last_announced_at.is_(None) | (Escalation.last_announced_at <= announced_before),
        )
        .order_by(Escalation.priority.desc(), Escalation.due_at, Escalation.id)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())



async def customer_bookings(session: AsyncSession, channel: str, customer_id: str, limit: int = 3) -> list[Any]:
    """The customer's latest repair bookings for the agents' card; [] when booking storage is absent.

    Guarded: the booking tables come with the booking feature (migration 0002); a database or build
    without them gives an empty list instead of failing the card.
    """
    try:
        from bot.storage.booking import customer_bookings as bookings_of
    except ImportError:  # pragma: no cover - booking storage not part of this build
        return []
    try:
        async with session.begin_nested():
            return list(await bookings_of(session, channel, customer_id, limit=limit))
    except DBAPIError as exc:  # no such table
        log.debug("bookings for the card unavailable: %s", exc)
        return []


# Ticket statuses after which a booking no longer makes its customer a VIP (bot.repairs.statuses.FINAL,
# and "done" of bookings stored before the repair lifecycle). Spelled out: storage does not import the
# repair rules that sit above it.
_FINISHED_TICKETS = ("closed", "cancelled", "no_show", "done")


async def vip_customers(session: AsyncSession, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (channel, customer id) have an open booking marked VIP when it was made.

    The mark `supportbot queue` and /queue show without the operator's VIP list at hand; the hand-off
    service also checks the list itself (`bot.handoff.vip`). Guarded like `customer_bookings`.
    """
    if not keys:
        return set()
    try:
        from bot.storage.booking import Booking
    except ImportError:  # pragma: no cover - booking storage not part of this build
        return set()
    channels = {channel for channel, _ in keys}
    customers = {customer for _, customer in keys}
    try:
        async with session.begin_nested():
            rows = await session.execute(
                select(Booking.channel, Booking.customer_id)
                .where(
                    Booking.vip.is_(True),
                    Booking.status.not_in(_FINISHED_TICKETS),
                    Booking.channel.in_(channels),
                    Booking.customer_id.in_(customers),
                )
                .distinct()
            )
            return {(channel, customer) for channel, customer in rows.all() if (channel, customer) in keys}
    except DBAPIError as exc:  # no such table or column (an older schema)
        log.debug("VIP bookings unavailable: %s", exc)
        return set()


# -- notes ---------------------------------------------------------------------------------------


def add_note(session: AsyncSession, note: EscalationNote) -> EscalationNote:
    """Keep an agent's internal note in the caller's transaction."""
    session.add(note)
    return note


async def notes(session: AsyncSession, escalation_id: int) -> list[EscalationNote]:
    """An escalation's internal notes, oldest first."""
    rows = await session.scalars(
        select(EscalationNote).where(EscalationNote.escalation_id == escalation_id).order_by(EscalationNote.id)
    )
    return list(rows.all())


# -- figures for /metrics ------------------------------------------------------------------------


def _age_seconds(session: AsyncSession, oldest: dt.datetime | None) -> float | None:
    """Seconds since `oldest` on the bot's clock (None for none); never negative, clocks drift."""
    start = as_utc(oldest)
    if start is None:
        return None
    now = as_utc(session_clock(session)())
    return max(0.0, (now - start).total_seconds())  # type: ignore[operator]


async def queue_stats(session: AsyncSession) -> tuple[int, int, float | None]:
    """(waiting, assigned, seconds the oldest waiting customer has waited or None): the human queue as
    /metrics reports it, in one indexed query rather than loading every row as `views` does."""
    counts = {WAITING: 0, ASSIGNED: 0}
    oldest: dt.datetime | None = None
    rows = await session.execute(
        select(Escalation.status, func.count(), func.min(Escalation.created_at))
        .where(Escalation.status.in_(ACTIVE))
        .group_by(Escalation.status)
    )
    for status, count, first in rows.all():
        counts[status] = int(count)
        if status == WAITING:
            oldest = first
    return counts[WAITING], counts[ASSIGNED], _age_seconds(session, oldest)


async def outbox_stats(session: AsyncSession) -> tuple[int, float | None, int]:
    """(pending rows, age in seconds of the oldest pending one or None, rows failed for good) of the
    hand-off outbox, both targets: what /metrics reports as the "agents" outbox. Held rows (the customer
    blocked the bot) are not lag: they wait for the customer on purpose."""
    targets = HandoffOutbox.target.in_((AGENTS, CUSTOMER))  # leads the (target, status, ...) index
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(HandoffOutbox.created_at)).where(targets, HandoffOutbox.status == PENDING)
        )
    ).one()
    failed = await session.scalar(select(func.count()).select_from(HandoffOutbox).where(targets, HandoffOutbox.status == FAILED))
    return int(pending), _age_seconds(session, oldest), int(failed or 0)
