"""Where a customer's repair is and what comes next, for the ticket desk's look-up.

A chat message, so short: the status with the time it changed, the last few steps of the timeline
(status changes and moves only: staff notes are internal and never shown), one line saying what
happens next for that status (ready: where and when to collect and what to bring; shipped: the
tracking number...), and the engineer's call-back while it is still promised.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.clock import as_utc
from bot.engine.booking import render
from bot.engine.booking.moments import moment
from bot.i18n import CATALOG, text
from bot.knowledge.catalog import Catalog
from bot.knowledge.policies import RepairLimit
from bot.repairs import statuses as st
from bot.settings import Language
from bot.storage import repairs
from bot.storage.booking import Booking

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.repairs.lifecycle import RepairLifecycle

SHOWN_STEPS = 4  # the timeline's last steps shown; the whole of it is the staff's (`ticket show`)
_SHOWN_KINDS = (repairs.STATUS, repairs.MOVED)
# Statuses the customer reads as "your device is with us": the next line depends on what is done to it.
_WORKING = (st.DIAGNOSING, st.WAITING_PARTS, st.REPAIRING)


def status_word(status: str, language: Language) -> str:
    """A status in the customer's words; an unknown one (set by an older version) as it is."""
    key = f"customer.status.{status}"
    return text(key, language) if key in CATALOG else status


def status_since(booking: Booking, now: dt.datetime, zone: dt.tzinfo, language: Language) -> str:
    """"维修中（11月27日 14:05起）": the status and when it changed (a fresh booking: just "booked")."""
    word = status_word(booking.status, language)
    if booking.status == st.BOOKED or booking.status_at is None:
        return word
    return text("customer.status.since", language, status=word, at=moment(booking.status_at, now, zone, language))


async def progress(
    session: AsyncSession,
    catalog: Catalog,
    booking: Booking,
    language: Language,
    now: dt.datetime,
    zone: dt.tzinfo,
    lifecycle: RepairLifecycle | None = None,
) -> list[str]:
    """The lines after the ticket's details: timeline, what comes next, the call-back promised."""
    lines: list[str] = []
    steps = [e for e in await repairs.events(session, booking.id) if e.kind in _SHOWN_KINDS]
    if len(steps) > 1:  # one step ("booked") says nothing the status does not
        lines.append(text("customer.timeline", language))
        for event in steps[-SHOWN_STEPS:]:
            lines.append(f"· {moment(event.created_at, now, zone, language)} {_step(event, now, zone, language)}")
    what = next_step(catalog, booking, language, now, lifecycle)
    if what:
        lines.append(text("customer.next", language, what=what))
    due = booking.callback_due_at
    if booking.status == st.BOOKED and due is not None and booking.called_at is None and as_utc(due) > now:
        lines.append(text("customer.callback.pending", language, at=moment(due, now, zone, language)))
    return lines


def next_step(
    catalog: Catalog, booking: Booking, language: Language, now: dt.datetime, lifecycle: RepairLifecycle | None = None
) -> str | None:
    """What happens next for the ticket's status, in one line (None: nothing to say)."""
    status = booking.status
    if status == st.BOOKED:
        # A past appointment is said by the status line itself ("appointment time passed ...").
        if as_utc(booking.slot_end) <= now:
            return None
        return text(f"customer.next.booked.{booking.service}", language) if booking.service in ("store", "onsite", "courier") else None
    if status == st.RECEIVED:
        days = lifecycle.policies.repair_limit.days if lifecycle is not None else RepairLimit().days
        return text("customer.next.received", language, days=days)
    if status in _WORKING:
        return text(f"customer.next.{status}", language)
    if status == st.READY:
        centre = catalog.centre(booking.centre_id)
        if booking.service == "store" and centre is not None:
            return text(
                "customer.next.ready.store", language, centre=centre.name[language], address=centre.address[language],
                hours=render.hours_text(centre, language), ticket=booking.ticket,
            )
        return text("customer.next.ready.send", language)
    if status == st.SHIPPED:
        if booking.tracking_number:
            return text("customer.next.shipped", language, tracking=booking.tracking_number)
        return text("customer.next.shipped.untracked", language)
    if status == st.CLOSED:
        if booking.survey_score is not None:
            return text("customer.next.closed.rated", language, score=booking.survey_score)
        return text("customer.next.closed", language)
    if status in (st.CANCELLED, st.NO_SHOW):
        return text("customer.next.rebook", language)
    return None


def _step(event: repairs.TicketEvent, now: dt.datetime, zone: dt.tzinfo, language: Language) -> str:
    if event.kind == repairs.MOVED:
        target = (event.data or {}).get("to")
        try:
            moved_to = dt.datetime.fromisoformat(target) if isinstance(target, str) else None
        except ValueError:
            moved_to = None
        if moved_to is not None:
            return text("customer.timeline.moved", language, at=moment(moved_to, now, zone, language))
    return status_word(event.status or "", language) if event.status else event.kind
