"""The customer's side of the repair lifecycle: notices of what staff did, and the reminders.

One handler per job kind (`bot.repairs.lifecycle`): NOTICE (a status change or a moved appointment,
told in the ticket's language with what comes next), and the reminders of an appointment tomorrow,
a repaired device not collected, a loaner not returned and a warranty about to end. Each handler
reads the ticket afresh and skips a reminder that no longer applies (the device was collected, the
appointment moved, the customer turned such reminders off), then sends through
`bot.repairs.outreach.deliver` (one copy per job on the customer's channel, SMS quiet hours kept).
A reminder that went out leaves a REMINDED event on the ticket's timeline, so staff see it.

The satisfaction survey and the promises (call-back, 14 days) are other modules' handlers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.engine.types import Action, ActionKind, Option, Reply, ReplyKind
from bot.repairs import lifecycle as lc
from bot.repairs import notice_texts as words
from bot.repairs import statuses as st
from bot.repairs.context import RepairContext
from bot.repairs.outreach import customer_language, deliver
from bot.scheduler import Done, Handler, Outcome, Skip
from bot.settings import Language
from bot.storage import conversations
from bot.storage import repairs as events
from bot.storage.booking import Booking, booking_by_id
from bot.storage.jobs import ClaimedJob
from bot.storage.models import Conversation
from bot.storage.repairs import TicketEvent


@dataclass
class Ticket:
    """What a handler reads in one short transaction: the ticket, its customer's conversation, the
    event a notice is about, and the language to write in."""

    booking: Booking
    conversation: Conversation | None
    event: TicketEvent | None
    language: Language


class CustomerNotices:
    """The handlers, sharing the context and the ticket loading."""

    def __init__(self, context: RepairContext) -> None:
        self.context = context

    def handlers(self) -> dict[str, Handler]:
        return {
            lc.NOTICE: self.notice,
            lc.REMIND_APPOINTMENT: self.appointment,
            lc.REMIND_UNCOLLECTED: self.uncollected,
            lc.REMIND_LOANER: self.loaner,
            lc.REMIND_WARRANTY: self.warranty,
        }

    # -- the handlers ---------------------------------------------------------------------------

    async def notice(self, job: ClaimedJob) -> Outcome:
        """Tell the customer about an event staff made (status change, appointment moved)."""
        ticket = await self._load(job, event_id=job.payload.get("event"))
        if ticket is None:
            return Skip("the ticket is gone")
        event = ticket.event
        if event is None:
            return Skip("the event is gone")
        if event.kind not in (events.STATUS, events.MOVED):
            # Notes, calls and loaner marks are for staff: the lifecycle never schedules a notice for
            # them, and should one appear (an old job, a hand-made row) it stays unsent.
            return Skip(f"{event.kind} events are not told to customers")
        body = words.status_text(self.context.catalog, ticket.booking, event, ticket.language, **self._when(ticket))
        key = "notices.moved" if event.kind == events.MOVED else f"notices.status.{event.status}"
        return await self._send(job, ticket, body, key, remind=False)

    async def appointment(self, job: ClaimedJob) -> Outcome:
        """The day-before reminder, if the appointment is still the one it was set for."""
        ticket = await self._load(job)
        if ticket is None:
            return Skip("the ticket is gone")
        booking = ticket.booking
        if booking.status != st.BOOKED:
            return Skip(f"the ticket is {booking.status}")
        slot = job.payload.get("slot")
        if not slot or as_utc(dt.datetime.fromisoformat(slot)) != as_utc(booking.slot_start):
            return Skip("the appointment moved")
        if as_utc(booking.slot_start) <= as_utc(self.context.clock()):  # no instance ran for a day
            return Skip("the appointment has begun")
        body = words.appointment_text(self.context.catalog, booking, ticket.language, **self._when(ticket))
        return await self._send(job, ticket, body, f"notices.remind.appointment.{booking.service}")

    async def uncollected(self, job: ClaimedJob) -> Outcome:
        """A repaired device still waiting at the centre."""
        ticket = await self._load(job)
        if ticket is None:
            return Skip("the ticket is gone")
        if ticket.booking.status != st.READY:
            return Skip(f"the ticket is {ticket.booking.status}: nothing to collect")
        reminders = self.context.policies.reminders
        round_ = max(1, int(job.payload.get("round") or 1))
        body = words.uncollected_text(
            self.context.catalog, ticket.booking, ticket.language,
            days=reminders.uncollected_after_days * round_, last=round_ >= reminders.uncollected_repeat,
        )
        return await self._send(job, ticket, body, "notices.remind.uncollected")

    async def loaner(self, job: ClaimedJob) -> Outcome:
        """A loaner still out after the repair closed."""
        ticket = await self._load(job)
        if ticket is None:
            return Skip("the ticket is gone")
        booking = ticket.booking
        if booking.loaner_out_at is None or booking.loaner_returned_at is not None:
            return Skip("no loaner out")
        body = words.loaner_text(self.context.catalog, booking, ticket.language)
        return await self._send(job, ticket, body, "notices.remind.loaner")

    async def warranty(self, job: ClaimedJob) -> Outcome:
        """The warranty ends soon: say when, offer to stop such reminders."""
        ticket = await self._load(job)
        if ticket is None:
            return Skip("the ticket is gone")
        booking = ticket.booking
        if ticket.conversation is not None and ticket.conversation.reminders_off:
            return Skip("the customer turned reminders off")
        if booking.warranty_until is None or booking.warranty_until < self._today(ticket):
            return Skip("no warranty left to remind of")
        language = ticket.language
        stop = Option(words.stop_label(language), Action(ActionKind.REMINDERS, "off"))
        body = words.warranty_text(booking, language)
        return await self._send(job, ticket, body, "notices.remind.warranty", options=(stop,))

    # -- shared ---------------------------------------------------------------------------------

    async def _send(self, job: ClaimedJob, ticket: Ticket, body: str, key: str, *, remind: bool = True,
                    options: tuple[Option, ...] = ()) -> Outcome:
        reply = Reply(text=body, kind=ReplyKind.INFO, language=ticket.language, options=options, key=key)
        outcome = await deliver(self.context, job, ticket.booking, [reply], kind="reminder" if remind else "notice")
        if isinstance(outcome, Done) and options:
            await self._remember_options(ticket, options)
        if remind and isinstance(outcome, Done):
            await self._record_reminded(job, ticket.booking)
        return outcome

    async def _remember_options(self, ticket: Ticket, options: tuple[Option, ...]) -> None:
        """The reminder's options as the last the customer saw, so a bare "1" by SMS picks the first
        (Telegram has the button). After delivery: a reminder held back must not give "1" a meaning.
        Under the row lock a turn takes, like every write of the state outside a turn."""
        booking = ticket.booking
        async with self.context.database.sessions() as session, session.begin():
            conversation = await conversations.for_turn(session, booking.channel, booking.customer_id, ticket.language, None)
            state = dict(conversation.state or {})
            state["options"] = [
                {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id} for o in options
            ]
            conversations.set_state_outside_turn(conversation, state)

    async def _record_reminded(self, job: ClaimedJob, booking: Booking) -> None:
        """The timeline's line for a reminder sent; once per job even if the job ran twice (a crash
        after sending: the outbox sent nothing new, and no second line is written either)."""
        async with self.context.database.sessions() as session, session.begin():
            row = await booking_by_id(session, booking.id)
            if row is None:
                return
            if any(e.kind == events.REMINDED and e.data.get("job") == job.id for e in await events.events(session, row.id)):
                return
            await events.record(session, row, events.REMINDED, lc.SYSTEM, now=as_utc(self.context.clock()),
                                data={"kind": job.kind, "job": job.id})

    async def _load(self, job: ClaimedJob, *, event_id: object = None) -> Ticket | None:
        async with self.context.database.sessions() as session:
            booking = await booking_by_id(session, job.booking_id)
            if booking is None:
                return None
            conversation = None
            if booking.conversation_id is not None:
                conversation = await conversations.get(session, booking.conversation_id)
            if conversation is None:
                conversation = await conversations.by_key(session, booking.channel, booking.customer_id)
            event = None
            if isinstance(event_id, int):
                event = await events.event(session, event_id)
                if event is not None and event.booking_id != booking.id:
                    event = None
        return Ticket(booking, conversation, event, customer_language(booking, conversation))

    def _zone(self, ticket: Ticket) -> ZoneInfo:
        return words.zone_of(words.centre_of(self.context.catalog, ticket.booking), self.context.lifecycle.zone)

    def _today(self, ticket: Ticket) -> dt.date:
        return as_utc(self.context.clock()).astimezone(self._zone(ticket)).date()

    def _when(self, ticket: Ticket) -> dict[str, object]:
        return {"zone": self.context.lifecycle.zone, "today": self._today(ticket)}


def customer_handlers(context: RepairContext) -> dict[str, Handler]:
    """The handlers of the customer-facing job kinds but the survey (its own module's)."""
    return CustomerNotices(context).handlers()
