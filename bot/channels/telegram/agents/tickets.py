"""`/ticket` in the agents' chat: show a repair ticket, change its status, record a call or a loaner.

    /ticket R7K-4Q2                       the ticket (status, customer, device, slot, VIP, call-back, last events)
    /ticket R7K-4Q2 ready [note]          change the status (the customer is told)
    /ticket R7K-4Q2 shipped SF123 [note]  shipped needs the courier's tracking number
    /ticket R7K-4Q2 called [note]         also loaner_out, loaner_returned, note TEXT

Changes go through `RepairDesk`, as the CLI's and the HTTP API's do; the actor on the timeline is
"agent:<telegram id> <first name>". Answers are one HTML message in AGENTS_LANGUAGE; everything that
came from people (names, faults, notes) is escaped.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.channels.telegram.render import escape
from bot.i18n import CATALOG, text
from bot.repairs import statuses as st
from bot.repairs.desk import EventView, RepairDesk, TicketView, UnknownTicket
from bot.repairs.lifecycle import (
    MARKS,
    BadTransition,
    MissingTracking,
    TicketChangeError,
    UnknownStatus,
)
from bot.safetext import storable
from bot.settings import Language

if TYPE_CHECKING:
    from bot.handoff.operations import Agent
    from bot.knowledge.catalog import Catalog

log = logging.getLogger(__name__)

LAST_EVENTS = 6
MAX_NOTE = 2000


def status_name(status: str | None, language: Language) -> str:
    """A status in words ("ready" -> "Ready for collection"); an unknown one as it is."""
    key = f"repairs_staff.status.{status}"
    return text(key, language) if key in CATALOG else str(status)


class TicketCommands:
    """Answers `/ticket ...` from an agent with one message (HTML)."""

    def __init__(self, desk: RepairDesk, language: Language, *, catalog: Catalog | None = None) -> None:
        self.desk = desk
        self.language = language
        self.catalog = catalog

    def t(self, key: str, **values: object) -> str:
        return text(f"repairs_staff.{key}", self.language, **values)

    @property
    def zone(self) -> ZoneInfo:
        return self.desk.lifecycle.zone

    async def answer(self, arguments: str, agent: Agent) -> str:
        """The reply to "/ticket <arguments>"."""
        words = arguments.split(None, 2)
        if not words:
            return escape(self.t("error.usage"))
        number = words[0]
        if len(words) == 1:
            try:
                return self.render(await self.desk.show(number))
            except UnknownTicket:
                return escape(self.t("error.unknown_ticket", number=number[:32]))
        action = st.normalise(words[1])
        rest = storable(words[2].strip())[:MAX_NOTE] if len(words) > 2 else ""
        actor = f"agent:{agent.id} {agent.name}"
        try:
            if action in MARKS:
                return await self._mark(number, action, rest, actor)
            tracking = None
            if action == st.SHIPPED and rest:
                tracking, _, rest = rest.partition(" ")
            view = await self.desk.set_status(number, action, actor, note=rest.strip() or None, tracking=tracking)
        except UnknownTicket:
            return escape(self.t("error.unknown_ticket", number=number[:32]))
        except (UnknownStatus, BadTransition) as exc:
            return await self._refusal(number, action, exc)
        except MissingTracking:
            return escape(self.t("error.missing_tracking", number=number[:32]))
        except TicketChangeError as exc:
            log.info("/ticket %s %s refused: %s", number, action, exc)
            return escape(self.t("error.invalid", number=number[:32]))
        previous = next((e.previous for e in reversed(view.events) if e.kind == "status"), None)
        return escape(self.t(
            "reply.changed", number=view.number, previous=status_name(previous, self.language),
            status=status_name(view.status, self.language),
        )) + "\n" + escape(self._next(view))

    async def _mark(self, number: str, kind: str, note: str, actor: str) -> str:
        if kind == "note" and not note:
            return escape(self.t("error.note_empty", number=number[:32]))
        view = await self.desk.mark(number, kind, actor, note=note or None)
        return escape(self.t("reply.marked", number=view.number, what=self.t(f"event.{kind}")))

    async def _refusal(self, number: str, wanted: str, exc: TicketChangeError) -> str:
        """Why not, and what the ticket may become instead."""
        view = await self.desk.show(number)
        allowed = ", ".join(view.next_statuses) or self.t("none")
        if isinstance(exc, UnknownStatus):
            line = self.t("error.unknown_status", number=view.number, word=wanted[:40], allowed=allowed)
        else:
            line = self.t("error.bad_transition", number=view.number, status=status_name(view.status, self.language),
                          wanted=status_name(wanted, self.language), allowed=allowed)
        return escape(line)

    def _next(self, view: TicketView) -> str:
        # The words agents type, not the names: they are what /ticket accepts.
        return self.t("ticket.next", statuses=", ".join(view.next_statuses)) if view.next_statuses else self.t("ticket.final")

    def _when(self, value: dt.datetime) -> str:
        return f"{value.astimezone(self.zone):%Y-%m-%d %H:%M}"

    def _centre(self, centre_id: str) -> str:
        centre = self.catalog.centre(centre_id) if self.catalog is not None else None
        return centre.name.get(self.language) or centre.name.get("en") or centre_id if centre is not None else centre_id

    def _service(self, service: str) -> str:
        key = f"booking.mode.{service}"
        return text(key, self.language) if key in CATALOG else service

    def render(self, view: TicketView) -> str:
        """The ticket for agents: facts, call-back promise, last events, the statuses allowed next."""
        lines = [f"<b>{escape(self.t('ticket.title', number=view.number, status=status_name(view.status, self.language)))}</b>"]
        if view.vip:
            lines.append(escape(self.t("ticket.vip")))
        lines.append(escape(self.t("ticket.customer", name=view.contact_name, phone=view.phone, channel=view.channel,
                                   customer_id=view.customer_id)))
        lines.append(escape(self.t("ticket.device", model=view.model_name, fault=view.fault)))
        slot = f"{self._when(view.slot_start)}–{view.slot_end.astimezone(self.zone):%H:%M}"
        lines.append(escape(self.t("ticket.service", service=self._service(view.service), centre=self._centre(view.centre_id), slot=slot)))
        if view.loaner:
            lines.append(escape(self.t("ticket.loaner")))
        if view.called_at is not None:
            lines.append(escape(self.t("ticket.called", at=self._when(view.called_at))))
        elif view.callback_due_at is not None and view.status in st.OPEN:
            late = self.t("ticket.callback_late") if view.callback_due_at < self.desk.lifecycle.now() else ""
            lines.append(escape(self.t("ticket.callback_due", due=self._when(view.callback_due_at)) + late))
        if view.tracking_number:
            lines.append(escape(self.t("ticket.tracking", tracking=view.tracking_number)))
        if view.events:
            lines += ["", escape(self.t("ticket.events"))]
            lines += [self._event(event) for event in view.events[-LAST_EVENTS:]]
        lines += ["", escape(self._next(view))]
        return "\n".join(lines)

    def _event(self, event: EventView) -> str:
        if event.kind == "status":
            what = status_name(event.status, self.language)
            if event.previous:
                what = f"{status_name(event.previous, self.language)} → {what}"
        else:
            key = f"repairs_staff.event.{event.kind}"
            what = text(key, self.language) if key in CATALOG else event.kind
        note = f" — {event.note}" if event.note else ""
        return f"• {self._when(event.at)} {escape(what)} · <i>{escape(event.actor)}</i>{escape(note)}"
