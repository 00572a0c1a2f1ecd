"""Repair bookings: the tables and the repository functions the booking flow calls inside a Turn.

Overbooking is prevented by the database, not by a Python lock: a booking holds one row of
`slot_seats`, and (centre, service, slot start, seat) is unique with seat numbers 1..capacity. Two
transactions racing for the last seat insert the same seat number; the unique index lets one through
and the other gets an IntegrityError, retries with the next free seat, and finds none. This holds
across processes and on both SQLite (whose writers are serialised anyway: BEGIN IMMEDIATE) and
PostgreSQL (READ COMMITTED: the loser's retry sees the winner's committed seat).

Ticket numbers are short and human ("R7K-4Q2"): an R (the FAQ tells customers repair numbers start
with R), then five characters from an alphabet without look-alikes (no 0/O, 1/I/L), unique in the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.storage.database import session_clock
from bot.storage.models import Base, clock_default
from bot.storage.tickets import TICKET_ALPHABET, TicketFormat, insert_with_new_ticket  # noqa: F401 - TICKET_ALPHABET re-exported

BOOKING_TICKETS = TicketFormat("R")
TICKET_PATTERN = BOOKING_TICKETS.pattern

BOOKED = "booked"
CANCELLED = "cancelled"


class Booking(Base):
    """One repair booking made through the bot."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("ticket", name="uq_booking_ticket"),
        Index("ix_bookings_customer", "channel", "customer_id", "created_at"),
        Index("ix_bookings_centre_slot", "centre_id", "slot_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)  # bot.repairs.statuses
    language: Mapped[str] = mapped_column(String(8))
    product_type: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(String(32))
    model_name: Mapped[str] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(32))
    serial_kind: Mapped[str | None] = mapped_column(String(8))  # imei | serial
    fault: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)  # channel references, e.g. telegram:photo:<file_id>
    purchase_date: Mapped[dt.date | None] = mapped_column(Date)
    purchase_approx: Mapped[bool] = mapped_column(Boolean, default=False)
    warranty: Mapped[str] = mapped_column(String(8))  # in | out | unknown
    warranty_until: Mapped[dt.date | None] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(16))  # store | onsite | courier
    city: Mapped[str] = mapped_column(String(32))
    centre_id: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    slot_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    slot_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    loaner: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The repair's life after the booking (bot/repairs/): see `TicketEvent` for the whole timeline.
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the last status change
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the repair clock starts
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    tracking_number: Mapped[str | None] = mapped_column(String(64))  # courier return
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the engineer's call promised by
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    loaner_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # a loaner handed over
    loaner_returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    survey_score: Mapped[int | None] = mapped_column(Integer)  # 1..5, after closing
    survey_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SlotSeat(Base):
    """One of the `capacity` seats of a centre's slot, held by one booking."""

    __tablename__ = "slot_seats"
    __table_args__ = (
        UniqueConstraint("centre_id", "service", "slot_start", "seat", name="uq_slot_seat"),
        UniqueConstraint("booking_id", name="uq_slot_seat_booking"),
        CheckConstraint("seat >= 1", name="ck_slot_seat_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(16))
    slot_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    seat: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))


class SlotFull(Exception):
    """Every seat of the slot is taken (someone was faster)."""


@dataclass(frozen=True)
class NewBooking:
    """What the flow collected, ready to store."""

    channel: str
    customer_id: str
    conversation_id: int | None
    language: str
    product_type: str
    model_id: str
    model_name: str
    serial: str | None
    serial_kind: str | None
    fault: str
    photos: Sequence[str]
    purchase_date: dt.date | None
    purchase_approx: bool
    warranty: str
    warranty_until: dt.date | None
    service: str
    city: str
    centre_id: str
    address: str | None
    slot_start: dt.datetime
    slot_end: dt.datetime
    loaner: bool
    contact_name: str
    phone: str


def new_ticket() -> str:
    """A random repair ticket number such as R7K-4Q2."""
    return BOOKING_TICKETS.new()


def find_ticket(text: str | None) -> str | None:
    """The first repair ticket number in a message, canonical ("r7k 4q2" -> "R7K-4Q2"), or None."""
    return BOOKING_TICKETS.find(text)


async def seats_taken(
    session: AsyncSession, centre_id: str, service: str, start: dt.datetime, end: dt.datetime
) -> dict[dt.datetime, int]:
    """How many seats are held per slot start, for slots starting in [start, end)."""
    rows = await session.execute(
        select(SlotSeat.slot_start, func.count(SlotSeat.id))
        .where(
            SlotSeat.centre_id == centre_id,
            SlotSeat.service == service,
            SlotSeat.slot_start >= as_utc(start),
            SlotSeat.slot_start < as_utc(end),
        )
        .group_by(SlotSeat.slot_start)
    )
    return {as_utc(slot): int(count) for slot, count in rows.all()}


async def _claim_seat(session: AsyncSession, booking: Booking, capacity: int) -> int:
    """Take the lowest free seat of the booking's slot, or raise SlotFull. The unique index arbitrates races."""
    start = as_utc(booking.slot_start)
    for _ in range(capacity + 5):
        taken = set(
            (
                await session.scalars(
                    select(SlotSeat.seat).where(
                        SlotSeat.centre_id == booking.centre_id,
                        SlotSeat.service == booking.service,
                        SlotSeat.slot_start == start,
                    )
                )
            ).all()
        )
        free = [seat for seat in range(1, capacity + 1) if seat not in taken]
        if not free:
            raise SlotFull(f"{booking.centre_id} {booking.service} {start.isoformat()}")
        try:
            async with session.begin_nested():
                session.add(
                    SlotSeat(
                        centre_id=booking.centre_id,
                        service=booking.service,
                        slot_start=start,
                        seat=free[0],
                        booking_id=booking.id,
                    )
                )
            return free[0]
        except IntegrityError:
            continue  # another transaction took that seat a moment ago: look again
    raise SlotFull(f"{booking.centre_id} {booking.service} {start.isoformat()}: too much contention")


async def create_booking(session: AsyncSession, data: NewBooking, capacity: int) -> Booking:
    """Store a booking with a fresh ticket number and a seat in its slot; SlotFull leaves nothing behind."""
    values: dict[str, Any] = {k: getattr(data, k) for k in data.__dataclass_fields__}
    values["photos"] = list(data.photos)
    values["slot_start"] = as_utc(data.slot_start)
    values["slot_end"] = as_utc(data.slot_end)

    async def insert(ticket: str) -> Booking:
        booking = Booking(ticket=ticket, status=BOOKED, **values)
        session.add(booking)
        await session.flush()
        await _claim_seat(session, booking, capacity)  # SlotFull: no seat left, the whole savepoint goes
        return booking

    return await insert_with_new_ticket(session, BOOKING_TICKETS, insert)


async def booking_for(session: AsyncSession, ticket: str, channel: str, customer_id: str) -> Booking | None:
    """A booking by ticket number, only if it belongs to this customer on this channel."""
    return await session.scalar(
        select(Booking).where(Booking.ticket == ticket, Booking.channel == channel, Booking.customer_id == customer_id)
    )


async def customer_bookings(
    session: AsyncSession, channel: str, customer_id: str, now: dt.datetime | None = None, limit: int = 5
) -> list[Booking]:
    """A customer's latest bookings: upcoming booked ones first (soonest first), then the rest (newest first)."""
    rows = (
        await session.scalars(
            select(Booking)
            .where(Booking.channel == channel, Booking.customer_id == customer_id)
            .order_by(Booking.created_at.desc(), Booking.id.desc())
            .limit(20)
        )
    ).all()
    now = as_utc(now or session_clock(session)())
    upcoming = sorted(
        (b for b in rows if b.status == BOOKED and as_utc(b.slot_end) > now), key=lambda b: as_utc(b.slot_start)
    )
    rest = [b for b in rows if b not in upcoming]
    return (upcoming + rest)[:limit]


async def move_booking(session: AsyncSession, booking: Booking, start: dt.datetime, end: dt.datetime, capacity: int) -> None:
    """Give a booking another slot at the same centre; SlotFull keeps the old one."""
    try:
        async with session.begin_nested():
            await session.execute(delete(SlotSeat).where(SlotSeat.booking_id == booking.id))
            booking.slot_start, booking.slot_end = as_utc(start), as_utc(end)
            await session.flush()
            await _claim_seat(session, booking, capacity)
    except SlotFull:
        await session.refresh(booking)  # the savepoint was rolled back: reload the old slot
        raise


async def booking_by_id(session: AsyncSession, booking_id: int | None, *, fresh: bool = False) -> Booking | None:
    """A booking by its row id (jobs and buttons carry it); `fresh`: read again even if this session has it."""
    if booking_id is None:
        return None
    return await session.get(Booking, booking_id, populate_existing=fresh)


async def lock_booking(session: AsyncSession, booking: Booking) -> None:
    """Read the booking again under a row lock (PostgreSQL; SQLite's writers are serialised anyway), so a
    change decided on it is not made over another transaction's newer one."""
    await session.refresh(booking, with_for_update=True)


async def free_seat(session: AsyncSession, booking: Booking) -> None:
    """Give the booking's seat in its slot back (the ticket is finished: cancelled, no-show, closed)."""
    await session.execute(delete(SlotSeat).where(SlotSeat.booking_id == booking.id))


async def cancel_booking(session: AsyncSession, booking: Booking) -> None:
    """Cancel a booking and free its seat."""
    await free_seat(session, booking)
    booking.status = CANCELLED
    booking.cancelled_at = session_clock(session)()
    await session.flush()
