"""Human hand-off storage: internal notes, the hand-off outbox, and the queries the hand-off service needs.

The `escalations` table itself is in `bot.storage.models` (the engine opens escalations in its turn).

`handoff_outbox` is a transactional outbox in two directions:

* target "agents": what the agents' desk must show (a new escalation's card, a customer message to
  relay, a status change, an overdue re-announcement...). Rows are written in the same transaction as
  the change they report, so a crash or a Telegram outage never loses one; a worker delivers them in
  order at the pace the agents' chat allows (`bot.handoff.outbox`).
* target "customer": what a person wrote that could not be delivered to the customer: "pending" rows
  (a temporary failure) are retried, "held" rows (the customer blocked the bot) are delivered when the
  customer writes again. Delivered agent messages leave no row here: they are in `messages`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, Select, String, Text, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.database import is_postgresql, session_clock
from bot.storage.models import Base, Conversation, Escalation, clock_default

log = logging.getLogger(__name__)

WAITING, ASSIGNED, RESOLVED, ABANDONED = "waiting", "assigned", "resolved", "abandoned"
ACTIVE: tuple[str, ...] = (WAITING, ASSIGNED)

AGENTS, CUSTOMER = "agents", "customer"  # outbox targets
PENDING, DONE, FAILED, HELD = "pending", "done", "failed", "held"  # outbox statuses


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
    return [view(e, c) for e, c in rows.all()]


async def overdue(session: AsyncSession, now: dt.datetime, announced_before: dt.datetime) -> list[Escalation]:
    """Active escalations past their due time, not announced since `announced_before`."""
    rows = await session.scalars(
        select(Escalation)
        .where(
            Escalation.status.in_(ACTIVE),
            Escalation.due_at.is_not(None),
            Escalation.due_at <= now,
            Escalation.last_announced_at.is_(None) | (Escalation.last_announced_at <= announced_before),
        )
        .order_by(Escalation.priority.desc(), Escalation.due_at, Escalation.id)
    )
    return list(rows.all())


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


# -- outbox --------------------------------------------------------------------------------------


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


async def customer_retries_due(session: AsyncSession, now: dt.datetime) -> list[int]:
    """Conversations with an agent message whose retry is due."""
    rows = await session.scalars(
        select(HandoffOutbox.conversation_id)
        .where(HandoffOutbox.target == CUSTOMER, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now)
        .distinct()
    )
    return list(rows.all())


async def due_outbox(session: AsyncSession, target: str, now: dt.datetime, limit: int = 50) -> list[HandoffOutbox]:
    """Pending rows whose time has come, oldest first."""
    rows = await session.scalars(
        select(HandoffOutbox)
        .where(HandoffOutbox.target == target, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now)
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
    """When the earliest pending row of a target may be tried."""
    return as_utc(
        await session.scalar(
            select(func.min(HandoffOutbox.not_before)).where(HandoffOutbox.target == target, HandoffOutbox.status == PENDING)
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
