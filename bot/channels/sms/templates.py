"""Which replies a template-only gateway can carry, and their parameters.

A booking confirmation and a booking's status are recognised by the ticket the replies carry (a
catalog line made with a `ticket` value, `Reply.values`): the channel never reads it back out of the
rendered text. The ticket must belong to this customer's booking (ownership checked in the database,
as the booking desk does). Anything else gets no template: it is free text.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.sms.providers import Template
from bot.clock import as_utc
from bot.engine.types import Reply
from bot.storage.booking import BOOKED, BOOKING_TICKETS, booking_for
from bot.storage.sms import CONVERSATION_CHANNEL as CHANNEL

log = logging.getLogger(__name__)


CONFIRMATION_KEY = "booking.booked"  # the catalog line that confirms a new booking


def replied_ticket(replies: tuple[Reply, ...]) -> tuple[str, str | None] | None:
    """The repair ticket the replies were made with (a confirmation, a status, a move) and that line's key."""
    for reply in replies:
        ticket = (reply.values or {}).get("ticket")
        if isinstance(ticket, str) and BOOKING_TICKETS.find(ticket) == ticket:
            return ticket, reply.key
    return None


async def booking_template(runtime: Any, number: str, replies: tuple[Reply, ...],
                           session: AsyncSession | None = None) -> Template | None:
    """booking.confirmed for the reply that confirms a new booking, booking.status for any other about one.

    `session`: the caller's, when the reply is queued in it (a booking made in a turn not committed yet
    is seen only there); the lookup runs in a savepoint, so a failure undoes nothing of the caller's."""
    found = replied_ticket(replies)
    if found is None:
        return None
    ticket, key = found
    try:
        if session is not None:
            async with session.begin_nested():
                booking = await booking_for(session, ticket, CHANNEL, number)
        else:
            async with runtime.database.sessions() as own:
                booking = await booking_for(own, ticket, CHANNEL, number)
        if booking is None:
            return None
        zone = _centre_zone(runtime, booking.centre_id)
        start, end = as_utc(booking.slot_start).astimezone(zone), as_utc(booking.slot_end).astimezone(zone)
        when = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
        if booking.status == BOOKED and key == CONFIRMATION_KEY:
            return Template("booking.confirmed", {"ticket": booking.ticket, "when": when, "centre": _centre_name(runtime, booking)})
        return Template("booking.status", {"ticket": booking.ticket, "status": booking.status, "when": when})
    except Exception:  # noqa: BLE001 - the template is an extra: never lose the reply (or its turn) over it
        log.warning("sms: could not make a template for ticket %s", ticket, exc_info=True)
        return None


def _catalog(runtime: Any) -> Any:
    flow = getattr(runtime.engine, "flows", {}).get("booking")
    return getattr(flow, "catalog", None)


def _centre_zone(runtime: Any, centre_id: str) -> dt.tzinfo:
    catalog = _catalog(runtime)
    centre = catalog.centre(centre_id) if catalog is not None else None
    return getattr(centre, "zone", None) or dt.UTC


def _centre_name(runtime: Any, booking: Any) -> str:
    catalog = _catalog(runtime)
    centre = catalog.centre(booking.centre_id) if catalog is not None else None
    if centre is None:
        return booking.centre_id
    return centre.name.get(booking.language) or booking.centre_id
