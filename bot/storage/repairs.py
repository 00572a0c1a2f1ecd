"""A repair ticket's timeline: every change (status, call made, loaner back, survey...) as an event
with its time, who made it and an optional note. The ticket itself is the `Booking` row
(bot/storage/booking.py); what may change and what follows a change is bot/repairs/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.booking import Booking
from bot.storage.models import Base, clock_default

# Event kinds. A status change carries `status`; the others say what happened besides.
STATUS = "status"
MOVED = "moved"  # the customer (or staff) moved the appointment
CALLED = "called"  # the engineer called the customer back
LOANER_OUT = "loaner_out"
LOANER_RETURNED = "loaner_returned"
NOTE = "note"
REMINDED = "reminded"  # a reminder reached the customer
ESCALATED = "escalated"  # a promise was missed: people were told
SURVEY = "survey"  # the customer's score after closing
EVENT_KINDS = (STATUS, MOVED, CALLED, LOANER_OUT, LOANER_RETURNED, NOTE, REMINDED, ESCALATED, SURVEY)


class TicketEvent(Base):
    """One thing that happened to a repair ticket."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_booking", "booking_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))  # the new status of a STATUS event
    previous: Mapped[str | None] = mapped_column(String(16))  # the status before it
    actor: Mapped[str] = mapped_column(String(128))  # "customer", "system", "cli", "api", "agent:<id> <name>"
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"tracking": "SF123"}, {"score": 5}
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


async def ticket(session: AsyncSession, number: str, *, for_update: bool = False) -> Booking | None:
    """A ticket by its number (canonical, "R7K-4Q2"), whoever it belongs to: staff look it up."""
    query = select(Booking).where(Booking.ticket == number)
    if for_update and session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()  # two staff changing one ticket at once: one after the other
    return await session.scalar(query)


async def tickets(
    session: AsyncSession, *, statuses: Sequence[str] = (), centre_id: str | None = None, limit: int = 200
) -> list[Booking]:
    """Tickets for the staff list, soonest appointment first."""
    query = select(Booking).order_by(Booking.slot_start, Booking.id).limit(limit)
    if statuses:
        query = query.where(Booking.status.in_(list(statuses)))
    if centre_id:
        query = query.where(Booking.centre_id == centre_id)
    return list((await session.scalars(query)).all())


async def record(
    session: AsyncSession,
    booking: Booking,
    kind: str,
    actor: str,
    *,
    now: dt.datetime,
    status: str | None = None,
    previous: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Add an event to a ticket's timeline (flushed: its id is known)."""
    event = TicketEvent(
        booking_id=booking.id, kind=kind, status=status, previous=previous, actor=actor[:128],
        note=(note or None), data=data or {}, created_at=as_utc(now),
    )
    session.add(event)
    await session.flush()
    return event


async def events(session: AsyncSession, booking_id: int) -> list[TicketEvent]:
    """A ticket's timeline, oldest first."""
    rows = await session.scalars(select(TicketEvent).where(TicketEvent.booking_id == booking_id).order_by(TicketEvent.id))
    return list(rows.all())


async def event(session: AsyncSession, event_id: int) -> TicketEvent | None:
    return await session.get(TicketEvent, event_id)
