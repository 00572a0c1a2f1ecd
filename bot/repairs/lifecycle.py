"""What follows each change of a repair ticket, inside the transaction that makes the change.

`RepairLifecycle` is called by whoever changes a ticket (the booking flow when a customer books, moves
or cancels; `RepairDesk` when staff change the status) with the caller's session: the change, its
timeline event and the jobs it sets off (the customer's notice, reminders, promises to check) commit
together or not at all. Jobs are keyed (`bot.storage.jobs`), so running the same change twice schedules
nothing twice. The jobs are carried out by bot/scheduler/ with the handlers of bot/repairs/services.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, as_utc, system_clock
from bot.knowledge.catalog import Catalog
from bot.knowledge.hours import OfficeHours
from bot.knowledge.policies import Policies
from bot.repairs import statuses as st
from bot.storage import jobs
from bot.storage import repairs as events
from bot.storage.booking import Booking, free_seat
from bot.storage.repairs import TicketEvent

# Job kinds (their handlers: notices.py, survey.py, promises.py, gathered in services.py).
NOTICE = "ticket.notice"  # tell the customer about a timeline event (payload: event id)
SURVEY = "ticket.survey"  # the 1-5 question after closing
REMIND_APPOINTMENT = "remind.appointment"
REMIND_UNCOLLECTED = "remind.uncollected"  # payload: round (1..uncollected_repeat)
REMIND_LOANER = "remind.loaner"
REMIND_WARRANTY = "remind.warranty"
CALLBACK_DUE = "promise.callback"  # the engineer's call-back deadline: escalate if nobody called
REPAIR_OVERDUE = "promise.repair_days"  # the repair passed the policy's days: to a supervisor
CUSTOMER_FACING = (NOTICE, SURVEY, REMIND_APPOINTMENT, REMIND_UNCOLLECTED, REMIND_LOANER, REMIND_WARRANTY)
ALL_KINDS = (*CUSTOMER_FACING, CALLBACK_DUE, REPAIR_OVERDUE)

# What staff record besides a status change (`RepairLifecycle.mark`): the CLI, the API and /ticket offer these.
MARKS = (events.CALLED, events.LOANER_OUT, events.LOANER_RETURNED, events.NOTE)

CUSTOMER = "customer"  # the actor of what customers do in the chat
SYSTEM = "system"


class TicketChangeError(Exception):
    """A change staff asked for that cannot be made; `code` says which kind (the API's 404 / 422)."""

    code = "invalid"


class UnknownStatus(TicketChangeError):
    """Not one of the statuses (a typo): the message names what this ticket may become."""

    code = "unknown_status"


class BadTransition(TicketChangeError):
    """A status that makes no sense from the current one (closed → repairing)."""

    code = "bad_transition"


class MissingTracking(TicketChangeError):
    """Shipped back without the courier's tracking number: the customer could not follow the parcel."""

    code = "missing_tracking"


@dataclass
class RepairLifecycle:
    """The rules of a ticket's life: statuses, the events they leave, the jobs they schedule."""

    policies: Policies
    hours: OfficeHours
    clock: Clock = system_clock
    catalog: Catalog | None = None  # the centres' own time zones; without it, the operator's

    @property
    def zone(self) -> ZoneInfo:
        """The operator's time zone (hours.yaml / TIMEZONE)."""
        return self.hours.zone

    def zone_of(self, booking: Booking) -> ZoneInfo:
        """The time zone of the ticket's centre: its reminders go out at the centre's local times."""
        centre = self.catalog.centre(booking.centre_id) if self.catalog is not None else None
        return centre.zone if centre is not None else self.zone

    def now(self) -> dt.datetime:
        return as_utc(self.clock())

    def local_at(self, day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
        """`at` o'clock on `day` in `zone`, as UTC."""
        return as_utc(dt.datetime.combine(day, at, tzinfo=zone))

    # -- the customer's side (the booking flow) ----------------------------------------------------

    async def booked(self, session: AsyncSession, booking: Booking, *, actor: str = CUSTOMER) -> None:
        """A new booking: its first event, VIP mark, and the reminders and promises it is owed."""
        now = self.now()
        booking.vip = self.policies.vip.is_vip(
            model_id=booking.model_id, phone=booking.phone, channel=booking.channel, customer_id=booking.customer_id
        )
        booking.status_at = now
        callback = self.policies.callback
        if booking.channel in callback.channels and booking.service in callback.services and callback.working_hours > 0:
            booking.callback_due_at = as_utc(self.hours.add_staffed(now, callback.working_hours * 60))
        await events.record(session, booking, events.STATUS, actor, now=now, status=st.BOOKED)
        await self._schedule_appointment(session, booking, now)
        if booking.callback_due_at is not None:
            await self._job(session, booking, CALLBACK_DUE, booking.callback_due_at, key=f"{CALLBACK_DUE}:{booking.id}")
        await self._schedule_warranty(session, booking, now)

    async def moved(self, session: AsyncSession, booking: Booking, previous_start: dt.datetime, *,
                    actor: str = CUSTOMER, note: str | None = None) -> TicketEvent:
        """The appointment moved: the old reminder goes, the new one comes."""
        now = self.now()
        await jobs.cancel_pending(session, booking.id, (REMIND_APPOINTMENT,), now, "the appointment moved")
        event = await events.record(
            session, booking, events.MOVED, actor, now=now, note=note,
            data={"from": as_utc(previous_start).isoformat(), "to": as_utc(booking.slot_start).isoformat()},
        )
        await self._schedule_appointment(session, booking, now)
        if actor != CUSTOMER:  # the customer moved it themselves and was told in the chat
            await self._notice(session, booking, event)
        return event

    async def cancelled(self, session: AsyncSession, booking: Booking, *, actor: str = CUSTOMER) -> TicketEvent:
        """The customer cancelled in the chat (the flow freed the seat): the timeline says so, jobs stop."""
        return await self._apply(session, booking, st.CANCELLED, actor, note=None, tracking=None, check=False)

    # -- the staff's side --------------------------------------------------------------------------

    async def change_status(self, session: AsyncSession, booking: Booking, status: str, actor: str, *,
                            note: str | None = None, tracking: str | None = None) -> TicketEvent:
        """Move a ticket to `status` (checked), tell the customer, and schedule what follows."""
        status = st.normalise(status)
        allowed = ", ".join(st.next_statuses(booking.status)) or "none: the ticket is finished"
        if status not in st.STATUSES:  # named with what this ticket may become, not every status there is
            raise UnknownStatus(f"{booking.ticket}: unknown status {status!r}; from {booking.status} it may become: {allowed}")
        if not st.can_move(booking.status, status):
            raise BadTransition(f"{booking.ticket} is {booking.status}: it cannot become {status} (next: {allowed})")
        tracking = (tracking or "").strip() or None
        if status == st.SHIPPED and not (tracking or booking.tracking_number):
            raise MissingTracking(f"{booking.ticket}: shipped needs the courier's tracking number")
        return await self._apply(session, booking, status, actor, note=note, tracking=tracking, check=True)

    async def mark(self, session: AsyncSession, booking: Booking, kind: str, actor: str, *, note: str | None = None) -> TicketEvent:
        """Record what staff did besides a status change: the call made, the loaner back, a note."""
        now = self.now()
        if kind == events.CALLED:
            booking.called_at = now
            await jobs.cancel_pending(session, booking.id, (CALLBACK_DUE,), now, "the engineer called")
        elif kind == events.LOANER_OUT:
            booking.loaner_out_at, booking.loaner_returned_at = now, None
        elif kind == events.LOANER_RETURNED:
            booking.loaner_returned_at = now
            await jobs.cancel_pending(session, booking.id, (REMIND_LOANER,), now, "the loaner is back")
        elif kind != events.NOTE:
            raise TicketChangeError(f"cannot record {kind!r}: one of {', '.join(MARKS)}")
        return await events.record(session, booking, kind, actor, now=now, note=note)

    # -- what follows a status ---------------------------------------------------------------------

    async def _apply(self, session: AsyncSession, booking: Booking, status: str, actor: str, *,
                     note: str | None, tracking: str | None, check: bool) -> TicketEvent:
        now = self.now()
        previous = booking.status
        booking.status, booking.status_at = status, now
        data: dict[str, Any] = {}
        if tracking:
            booking.tracking_number = tracking
        if status == st.SHIPPED:
            data["tracking"] = booking.tracking_number
        if status == st.RECEIVED:
            booking.received_at = now
            if booking.loaner and booking.loaner_out_at is None:
                booking.loaner_out_at = now  # the loaner goes out when the device comes in (Huawei's practice)
        if status in st.FINAL:
            booking.closed_at = now
            await free_seat(session, booking)  # a cancelled or missed appointment's seat goes back to others
            if status == st.CANCELLED:
                booking.cancelled_at = booking.cancelled_at or now
        event = await events.record(session, booking, events.STATUS, actor, now=now, status=status, previous=previous,
                                    note=note, data=data)
        if actor != CUSTOMER:  # first: what follows (the survey after "closed") comes after the news
            await self._notice(session, booking, event)
        await self._follow_up(session, booking, status, now)
        return event

    async def _follow_up(self, session: AsyncSession, booking: Booking, status: str, now: dt.datetime) -> None:
        reminders = self.policies.reminders
        zone = self.zone_of(booking)
        if status != st.BOOKED:
            await jobs.cancel_pending(session, booking.id, (REMIND_APPOINTMENT,), now, f"ticket {status}")
        if status in st.IN_SERVICE | {st.READY, st.SHIPPED} or status in st.FINAL:
            # The customer is in touch with the service now: the call-back promise is kept or moot.
            await jobs.cancel_pending(session, booking.id, (CALLBACK_DUE,), now, f"ticket {status}")
        if status in st.IN_SERVICE and self.policies.repair_limit.days > 0:
            # From the day the device came in, also when it goes back into repair after "ready" (the fix
            # did not hold): the promise is about the repair's whole length. Pending once (keyed).
            due = as_utc(booking.received_at or now) + dt.timedelta(days=self.policies.repair_limit.days)
            await self._job(session, booking, REPAIR_OVERDUE, max(due, now), key=f"{REPAIR_OVERDUE}:{booking.id}")
        if status == st.READY and booking.service == "store" and reminders.uncollected_after_days > 0:
            for round_ in range(1, reminders.uncollected_repeat + 1):
                day = now.astimezone(zone).date() + dt.timedelta(days=reminders.uncollected_after_days * round_)
                await self._job(session, booking, REMIND_UNCOLLECTED, self.local_at(day, reminders.send_at, zone),
                                key=f"{REMIND_UNCOLLECTED}:{booking.id}:{round_}", payload={"round": round_})
        if status not in (st.READY,):
            await jobs.cancel_pending(session, booking.id, (REMIND_UNCOLLECTED,), now, f"ticket {status}")
        if status in (st.READY, st.SHIPPED) or status in st.FINAL:
            await jobs.cancel_pending(session, booking.id, (REPAIR_OVERDUE,), now, f"ticket {status}")
        if status == st.CLOSED:
            if self.policies.survey_after_close:
                await self._job(session, booking, SURVEY, now, key=f"{SURVEY}:{booking.id}")
            if booking.loaner_out_at is not None and booking.loaner_returned_at is None and reminders.loaner_return_after_days > 0:
                day = now.astimezone(zone).date() + dt.timedelta(days=reminders.loaner_return_after_days)
                await self._job(session, booking, REMIND_LOANER, self.local_at(day, reminders.send_at, zone), key=f"{REMIND_LOANER}:{booking.id}")

    async def _schedule_appointment(self, session: AsyncSession, booking: Booking, now: dt.datetime) -> None:
        reminders = self.policies.reminders
        if reminders.appointment_days_before <= 0 or booking.status != st.BOOKED:
            return
        zone = self.zone_of(booking)
        day = as_utc(booking.slot_start).astimezone(zone).date() - dt.timedelta(days=reminders.appointment_days_before)
        due = self.local_at(day, reminders.appointment_at, zone)
        if due <= now:  # booked after the reminder's moment: they remember, they just booked
            return
        slot = as_utc(booking.slot_start).isoformat()
        await self._job(session, booking, REMIND_APPOINTMENT, due, key=f"{REMIND_APPOINTMENT}:{booking.id}:{slot}", payload={"slot": slot})

    async def _schedule_warranty(self, session: AsyncSession, booking: Booking, now: dt.datetime) -> None:
        ahead = self.policies.reminders.warranty_days_ahead
        if booking.warranty_until is None or ahead <= 0:
            return
        day = booking.warranty_until - dt.timedelta(days=ahead)
        due = self.local_at(day, self.policies.reminders.send_at, self.zone_of(booking))
        if due <= now:
            return
        device = booking.serial or booking.model_id
        # One reminder per device and customer, however many times it was repaired.
        key = f"{REMIND_WARRANTY}:{booking.channel}:{booking.customer_id}:{device}:{booking.warranty_until.isoformat()}"
        await self._job(session, booking, REMIND_WARRANTY, due, key=key[:160])

    async def _notice(self, session: AsyncSession, booking: Booking, event: TicketEvent) -> None:
        await self._job(session, booking, NOTICE, self.now(), key=f"{NOTICE}:{event.id}", payload={"event": event.id})

    async def _job(self, session: AsyncSession, booking: Booking, kind: str, due: dt.datetime, *, key: str,
                   payload: dict[str, Any] | None = None) -> int | None:
        group = booking.ticket if kind in CUSTOMER_FACING else None  # a ticket's messages reach the customer in order
        return await jobs.schedule(session, kind, due, now=self.now(), booking_id=booking.id, group=group, key=key, payload=payload)
