"""The words of the customer's notices and reminders, in their language (catalog namespace "notices.").

Pure functions of the ticket, its event and the catalog: no database, no clock of their own (the
caller passes "today"), so every line can be checked without sending anything. Each notice says
where the repair is and what comes next; a staff note is never part of it (see `status_text`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.engine.booking.render import hours_text, when
from bot.i18n import formats, text
from bot.knowledge.catalog import Catalog, ServiceCentre
from bot.repairs import statuses as st
from bot.settings import Language
from bot.storage.booking import Booking
from bot.storage.repairs import MOVED, TicketEvent


def say(key: str, language: Language, **values: object) -> str:
    return text(f"notices.{key}", language, **values)


def centre_of(catalog: Catalog | None, booking: Booking) -> ServiceCentre | None:
    return catalog.centre(booking.centre_id) if catalog is not None else None


def zone_of(centre: ServiceCentre | None, fallback: ZoneInfo) -> ZoneInfo:
    """Times read in the centre's own time zone (where the customer goes), else the operator's."""
    return centre.zone if centre is not None else fallback


def slot_when(booking: Booking, zone: ZoneInfo, today: dt.date, language: Language,
              start: dt.datetime | None = None) -> str:
    """"Tomorrow, Thu 26 Nov 10:00-11:00" for the booking's slot (or another start of the same length)."""
    begin = as_utc(start or booking.slot_start)
    end = begin + (as_utc(booking.slot_end) - as_utc(booking.slot_start))
    return when(begin.astimezone(zone), end.astimezone(zone), today, language)


def _values(booking: Booking, centre: ServiceCentre | None, language: Language) -> dict[str, object]:
    """What most lines name: the ticket, the device, the centre, its address and opening hours."""
    return {
        "ticket": booking.ticket,
        "model": booking.model_name,
        "centre": centre.name[language] if centre is not None else booking.centre_id,
        "address": centre.address[language] if centre is not None else "",
        "hours": hours_text(centre, language) if centre is not None else "",
    }


def _bring(language: Language, booking: Booking, *items: str) -> str:
    """"Please bring: the repair number R7K-4Q2, your ID, the loaner device."."""
    names = [say(f"bring.{item}", language, ticket=booking.ticket) for item in items]
    return say("bring", language, bring=say("list.separator", language).join(names))


def _loaner_out(booking: Booking) -> bool:
    return booking.loaner_out_at is not None and booking.loaner_returned_at is None


def _change(booking: Booking, language: Language) -> str:
    return say("change", language, ticket=booking.ticket, menu=text("menu.status", language))


def status_text(catalog: Catalog | None, booking: Booking, event: TicketEvent, language: Language, *,
                zone: ZoneInfo, today: dt.date) -> str:
    """What the customer reads about a timeline event staff made: a status change or a moved appointment.

    The event's `note` is deliberately left out: staff write notes for each other ("customer rude",
    "quoted 300 but try 250") and the same field is the only place they can; a customer-facing word
    from staff goes through the hand-off chat instead.
    """
    centre = centre_of(catalog, booking)
    zone = zone_of(centre, zone)
    values = _values(booking, centre, language)
    if event.kind == MOVED:
        start = dt.datetime.fromisoformat(event.data["to"]) if event.data.get("to") else booking.slot_start
        moved = say("moved", language, **{**values, "when": slot_when(booking, zone, today, language, start)})
        return "\n".join([moved, _change(booking, language)])
    status = event.status or booking.status
    lines: list[str] = []
    if status == st.RECEIVED:
        lines.append(say("status.received", language, **values))
        if _loaner_out(booking):
            lines.append(say("loaner.out", language))
        lines.append(say("next.received", language))
    elif status == st.DIAGNOSING:
        lines += [say("status.diagnosing", language, **values), say("next.diagnosing", language)]
        if booking.warranty != "in":
            lines.append(say("next.quote", language))
    elif status in (st.WAITING_PARTS, st.REPAIRING):
        lines += [say(f"status.{status}", language, **values), say(f"next.{status}", language)]
    elif status == st.READY:
        lines += _ready(booking, centre, language, values)
    elif status == st.SHIPPED:
        tracking = event.data.get("tracking") or booking.tracking_number or ""
        lines += [say("status.shipped", language, **values, tracking=tracking), say("next.shipped", language)]
        if _loaner_out(booking):
            lines.append(say("loaner.return", language))
    elif status == st.CLOSED:
        lines.append(say("status.closed", language, **values))
        if _loaner_out(booking):
            lines.append(say("loaner.return", language))
    elif status == st.CANCELLED:
        lines.append(say("status.cancelled", language, **values))
    elif status == st.NO_SHOW:
        lines.append(say("status.no_show", language, **values, when=slot_when(booking, zone, today, language)))
    else:
        lines.append(say("status.other", language, **values, status=status))
    return "\n".join(lines)


def _ready(booking: Booking, centre: ServiceCentre | None, language: Language, values: dict[str, object]) -> list[str]:
    loaner = _loaner_out(booking)
    if booking.service == "onsite":
        lines = [say("status.ready.onsite", language, **values)]
        return [*lines, say("loaner.return", language)] if loaner else lines
    if booking.service == "courier":
        lines = [say("status.ready.courier", language, **values)]
        return [*lines, say("loaner.return", language)] if loaner else lines
    items = ("ticket", "id", "loaner") if loaner else ("ticket", "id")
    return [say("status.ready.store", language, **values), _bring(language, booking, *items)]


def appointment_text(catalog: Catalog | None, booking: Booking, language: Language, *, zone: ZoneInfo,
                     today: dt.date) -> str:
    """The day-before reminder: when, where (or who comes), what to bring, how to move or cancel."""
    centre = centre_of(catalog, booking)
    zone = zone_of(centre, zone)
    values = {**_values(booking, centre, language), "when": slot_when(booking, zone, today, language)}
    service = booking.service if booking.service in ("onsite", "courier") else "store"
    if service != "store":
        values["address"] = booking.address or values["address"]
    lines = [say(f"remind.appointment.{service}", language, **values)]
    if service == "store":
        items = ("device", "receipt", "id") if booking.warranty == "in" else ("device", "id")
        lines.append(_bring(language, booking, *items))
    lines.append(_change(booking, language))
    return "\n".join(lines)


def uncollected_text(catalog: Catalog | None, booking: Booking, language: Language, *, days: int, last: bool) -> str:
    """A repaired device still waiting at the centre: where, when it opens, what to bring."""
    centre = centre_of(catalog, booking)
    values = _values(booking, centre, language)
    items = ("ticket", "id", "loaner") if _loaner_out(booking) else ("ticket", "id")
    lines = [say("remind.uncollected", language, **values, days=days), _bring(language, booking, *items)]
    if last:
        lines.append(say("remind.uncollected.help", language))
    return "\n".join(lines)


def loaner_text(catalog: Catalog | None, booking: Booking, language: Language) -> str:
    return say("remind.loaner", language, **_values(booking, centre_of(catalog, booking), language))


def warranty_text(booking: Booking, language: Language) -> str:
    assert booking.warranty_until is not None
    return say("remind.warranty", language, model=booking.model_name,
               date=formats.full_date(booking.warranty_until, language))


def stop_label(language: Language) -> str:
    return say("remind.stop", language)
