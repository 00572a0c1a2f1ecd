"""What staff do to repair tickets, whichever door they come in by: the CLI (`supportbot ticket`), the
service centre's HTTP API (`POST /api/tickets/{number}/status`) and the agents' Telegram chat
(`/ticket`). All three call `RepairDesk`, so a change is checked, recorded and followed up the same way.

A change commits with its timeline event and the jobs it sets off (the customer's notice first); then
the scheduler is woken, on every instance, so the customer hears within seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.clock import as_utc
from bot.repairs import statuses as st
from bot.repairs.lifecycle import RepairLifecycle, TicketChangeError
from bot.storage import Database, jobs
from bot.storage import repairs as repo
from bot.storage.booking import Booking, find_ticket
from bot.storage.jobs import Job
from bot.storage.repairs import TicketEvent


class UnknownTicket(TicketChangeError):
    """No ticket has that number (the API's 404)."""

    code = "unknown_ticket"


@dataclass(frozen=True)
class EventView:
    """One line of a ticket's timeline."""

    at: dt.datetime
    kind: str
    actor: str
    status: str | None = None
    previous: str | None = None
    note: str | None = None
    data: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, "actor": self.actor, "status": self.status,
                "previous": self.previous, "note": self.note, "data": self.data or {}}


@dataclass(frozen=True)
class JobView:
    """A reminder or promise of the ticket: coming up, or what became of it."""

    kind: str
    due_at: dt.datetime
    status: str
    result: str | None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "due_at": self.due_at.isoformat(), "status": self.status, "result": self.result}


@dataclass(frozen=True)
class TicketView:
    """A ticket as staff see it, detached from the session."""

    number: str
    status: str
    channel: str
    customer_id: str
    language: str
    contact_name: str
    phone: str
    model_name: str
    fault: str
    service: str
    centre_id: str
    slot_start: dt.datetime
    slot_end: dt.datetime
    warranty: str
    loaner: bool
    vip: bool
    tracking_number: str | None
    callback_due_at: dt.datetime | None
    called_at: dt.datetime | None
    received_at: dt.datetime | None
    survey_score: int | None
    created_at: dt.datetime
    events: tuple[EventView, ...] = ()
    jobs: tuple[JobView, ...] = ()

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return st.next_statuses(self.status)

    def as_json(self) -> dict[str, Any]:
        """The API's answer: the ticket, its timeline and what is scheduled (no internal ids)."""
        def when(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "number": self.number, "status": self.status, "next_statuses": list(self.next_statuses),
            "channel": self.channel, "language": self.language, "contact_name": self.contact_name, "phone": self.phone,
            "model": self.model_name, "fault": self.fault, "service": self.service, "centre": self.centre_id,
            "slot_start": when(self.slot_start), "slot_end": when(self.slot_end), "warranty": self.warranty,
            "loaner": self.loaner, "vip": self.vip, "tracking_number": self.tracking_number,
            "callback_due_at": when(self.callback_due_at), "called_at": when(self.called_at),
            "received_at": when(self.received_at), "survey_score": self.survey_score, "created_at": when(self.created_at),
            "events": [event.as_json() for event in self.events], "jobs": [job.as_json() for job in self.jobs],
        }


def _optional(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def ticket_view(booking: Booking, timeline: Sequence[TicketEvent] = (), scheduled: Sequence[Job] = ()) -> TicketView:
    """A booking row (and its events and jobs) as a `TicketView`."""
    return TicketView(
        number=booking.ticket, status=booking.status, channel=booking.channel, customer_id=booking.customer_id,
        language=booking.language, contact_name=booking.contact_name, phone=booking.phone, model_name=booking.model_name,
        fault=booking.fault, service=booking.service, centre_id=booking.centre_id, slot_start=as_utc(booking.slot_start),
        slot_end=as_utc(booking.slot_end), warranty=booking.warranty, loaner=bool(booking.loaner), vip=bool(booking.vip),
        tracking_number=booking.tracking_number, callback_due_at=_optional(booking.callback_due_at),
        called_at=_optional(booking.called_at), received_at=_optional(booking.received_at),
        survey_score=booking.survey_score, created_at=as_utc(booking.created_at),
        events=tuple(
            EventView(at=as_utc(e.created_at), kind=e.kind, actor=e.actor, status=e.status, previous=e.previous,
                      note=e.note, data=dict(e.data or {}))
            for e in timeline
        ),
        jobs=tuple(JobView(kind=j.kind, due_at=as_utc(j.due_at), status=j.status, result=j.result) for j in scheduled),
    )


def canonical_number(number: str) -> str:
    """A ticket number as staff typed it ("r7k4q2", "R7K 4Q2") in its canonical form, or as given."""
    return find_ticket(number) or number.strip().upper()


class RepairDesk:
    """Staff operations on repair tickets: show, list, change the status, record what was done."""

    def __init__(self, database: Database, lifecycle: RepairLifecycle, *, wake: Callable[[], None] | None = None) -> None:
        self.database = database
        self.lifecycle = lifecycle
        self.wake = wake

    async def show(self, number: str) -> TicketView:
        """A ticket with its whole timeline; UnknownTicket if there is none by that number."""
        async with self.database.sessions() as session:
            booking = await repo.ticket(session, canonical_number(number))
            if booking is None:
                raise UnknownTicket(f"no ticket {number}")
            return ticket_view(booking, await repo.events(session, booking.id), await jobs.jobs_of(session, booking.id))

    async def list(self, *, status: str | None = None, centre_id: str | None = None) -> list[TicketView]:
        """Tickets, optionally of one status (or "open") and one centre, soonest appointment first."""
        statuses: tuple[str, ...] = ()
        if status:
            wanted = st.normalise(status)
            if wanted == "open":
                statuses = tuple(s for s in st.STATUSES if s in st.OPEN)
            elif wanted in st.STATUSES:
                statuses = (wanted,)
            else:
                raise TicketChangeError(f"unknown status {status!r}; statuses: open, {', '.join(st.STATUSES)}")
        async with self.database.sessions() as session:
            return [ticket_view(b) for b in await repo.tickets(session, statuses=statuses, centre_id=centre_id)]

    async def set_status(self, number: str, status: str, actor: str, *, note: str | None = None,
                         tracking: str | None = None) -> TicketView:
        """Change a ticket's status (checked: TicketChangeError says why not) and tell the customer."""
        async def change(lifecycle: RepairLifecycle, session: Any, booking: Booking) -> None:
            await lifecycle.change_status(session, booking, status, actor, note=note, tracking=tracking)

        return await self._change(number, change)

    async def mark(self, number: str, kind: str, actor: str, *, note: str | None = None) -> TicketView:
        """Record the engineer's call, a loaner handed out or back, or a note."""
        async def change(lifecycle: RepairLifecycle, session: Any, booking: Booking) -> None:
            await lifecycle.mark(session, booking, kind, actor, note=note)

        return await self._change(number, change)

    async def _change(self, number: str, change: Callable[[RepairLifecycle, Any, Booking], Any]) -> TicketView:
        async with self.database.sessions() as session:
            async with session.begin():
                booking = await repo.ticket(session, canonical_number(number), for_update=True)
                if booking is None:
                    raise UnknownTicket(f"no ticket {number}")
                await change(self.lifecycle, session, booking)
            view = ticket_view(booking, await repo.events(session, booking.id), await jobs.jobs_of(session, booking.id))
        if self.wake is not None:
            self.wake()
        return view
