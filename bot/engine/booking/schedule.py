"""Opening hours, slots and working days.

Slots come from a centre's real opening hours (weekday hours, public-holiday hours for mainland
centres, closed dates) for the next days, cut into the mode's slot length, minus the ones already
started and the ones whose seats are all taken (for a customer who is not a VIP, the seats kept for
VIP customers count as taken: `SeatRule`). Mainland public holidays and make-up working days come
from `chinese-calendar`; for a year it does not know yet (it is updated each November) every day is
taken as ordinary (Monday to Friday working days) rather than failing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge.catalog import ServiceCentre, Span
from bot.knowledge.holidays import LIBRARY_CALENDAR, HolidayCalendar
from bot.knowledge.policies import VipPolicy
from bot.storage.booking import Booking, seats_taken

log = logging.getLogger(__name__)

BOOKING_DAYS = 7
WORK_START, WORK_END = dt.time(9, 0), dt.time(18, 0)  # engineers' call-back hours on working days
NEXT_DAY_CALL_BY = dt.time(11, 0)


def public_holiday(day: dt.date, calendar: HolidayCalendar = LIBRARY_CALENDAR) -> str | None:
    """The mainland public holiday `day` belongs to ("National Day"), or None."""
    return calendar.public_holiday(day)


def is_working_day(day: dt.date, calendar: HolidayCalendar = LIBRARY_CALENDAR) -> bool:
    """Mainland working day, make-up working days (调休) included."""
    return calendar.is_working_day(day)


def opening_spans(centre: ServiceCentre, day: dt.date) -> tuple[Span, ...]:
    """When the centre is open on `day`."""
    if day in centre.closed_on:
        return ()
    if centre.region == "CN" and centre.holidays is not None and public_holiday(day, centre.calendar):
        return centre.holidays
    return centre.weekly[day.weekday()]


@dataclass(frozen=True)
class Slot:
    """One bookable slot: start and end in the centre's time zone, seats and seats taken."""

    start: dt.datetime
    end: dt.datetime
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def key(self) -> str:
        return self.start.strftime("%Y%m%d%H%M")


@dataclass(frozen=True)
class SeatRule:
    """How many seats of a slot this customer may take: all of them for a VIP, the capacity less the
    seats the operator keeps for VIP customers (`vip.reserved_seats` / `reserved_by_centre` in
    policies.yaml) for everyone else. So a slot whose free seats are all reserved looks full to a
    non-VIP, and R reserved seats stay free for VIPs until VIPs take them (a VIP's booking takes any
    free seat, the first ones first)."""

    reserved: int = 0
    vip: bool = False

    def seats(self, capacity: int) -> int:
        return capacity if self.vip else max(0, capacity - self.reserved)


NO_RESERVATION = SeatRule()


def seat_rule(
    vip_rules: VipPolicy | None, centre_id: str, data: Mapping[str, Any], channel: str, customer_id: str
) -> SeatRule:
    """The seat rule of a customer booking at a centre, from what the booking knows so far.

    VIP by the model being booked (`data["model"]`), by the phone number once given (`data["phone"]`,
    asked after the time: until then, or if it is not on the list, by the customer's own key:
    telegram:<chat id>, or the SMS sender's number), or by the customer key on the VIP list. Without
    VIP rules (a flow built without policies) nothing is reserved.
    """
    if vip_rules is None:
        return NO_RESERVATION
    reserved = max(0, vip_rules.reserved_for(centre_id))
    if reserved == 0:
        return NO_RESERVATION
    model = data.get("model")
    phone = data.get("phone")
    vip = vip_rules.is_vip(
        model_id=model if isinstance(model, str) else None, phone=phone if isinstance(phone, str) else None,
        channel=channel, customer_id=customer_id,
    )
    return SeatRule(reserved=reserved, vip=vip)


def booking_seat_rule(vip_rules: VipPolicy | None, booking: Booking) -> SeatRule:
    """The seat rule of a stored booking moved to another slot: a VIP if it was booked as one
    (`Booking.vip`) or is one by the rules now."""
    if vip_rules is None:
        return NO_RESERVATION
    reserved = max(0, vip_rules.reserved_for(booking.centre_id))
    if reserved == 0:
        return NO_RESERVATION
    vip = bool(booking.vip) or vip_rules.is_vip(
        model_id=booking.model_id, phone=booking.phone, channel=booking.channel, customer_id=booking.customer_id
    )
    return SeatRule(reserved=reserved, vip=vip)


def day_slots(centre: ServiceCentre, mode: str, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every slot of a day from the opening hours (none booked or past filtered out)."""
    offer = centre.modes[mode]
    length = dt.timedelta(minutes=offer.slot_minutes)
    zone = centre.zone
    slots = []
    for opens, closes in opening_spans(centre, day):
        start = dt.datetime.combine(day, opens, zone)
        close = dt.datetime.combine(day, closes, zone)
        while start + length <= close:
            slots.append((start, start + length))
            start += length
    return slots


async def available_slots(
    session: AsyncSession, centre: ServiceCentre, mode: str, now: dt.datetime, days: int = BOOKING_DAYS,
    *, rule: SeatRule = NO_RESERVATION,
) -> dict[dt.date, list[Slot]]:
    """Slots with at least one free seat for this customer (`rule`: VIP seats), per day, from now for
    `days` days (today included)."""
    local_now = now.astimezone(centre.zone)
    first_day = local_now.date()
    window_start = dt.datetime.combine(first_day, dt.time(0), centre.zone)
    window_end = window_start + dt.timedelta(days=days + 1)
    taken = await seats_taken(session, centre.id, mode, window_start, window_end)
    capacity = rule.seats(centre.modes[mode].capacity)
    result: dict[dt.date, list[Slot]] = {}
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        slots = [
            Slot(start, end, capacity, taken.get(start.astimezone(dt.UTC), 0))
            for start, end in day_slots(centre, mode, day)
            if start > local_now
        ]
        slots = [s for s in slots if s.free > 0]
        if slots:
            result[day] = slots
    return result


def find_slot(centre: ServiceCentre, mode: str, key: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The slot a button value ("202611261000") stands for, if the centre really has it."""
    try:
        start = dt.datetime.strptime(key, "%Y%m%d%H%M").replace(tzinfo=centre.zone)
    except ValueError:
        return None
    return next(((s, e) for s, e in day_slots(centre, mode, start.date()) if s == start), None)


def callback_promise(now: dt.datetime, zone: dt.tzinfo, calendar: HolidayCalendar = LIBRARY_CALENDAR) -> dt.date | None:
    """When an engineer calls back: None means within 2 hours (a working day, 9:00-18:00); otherwise the
    working day before 11:00 of which they call (today, if it is a working day before 9:00)."""
    local = now.astimezone(zone)
    today = local.date()
    if is_working_day(today, calendar) and WORK_START <= local.time() < WORK_END:
        return None
    if is_working_day(today, calendar) and local.time() < WORK_START:
        return today
    day = today + dt.timedelta(days=1)
    for _ in range(40):
        if is_working_day(day, calendar):
            return day
        day += dt.timedelta(days=1)
    return day  # pragma: no cover - there is always a working day within 40 days
