"""A customer's bookings: status, moving to another slot, cancelling.

Only tickets of the same channel and customer id are ever shown or changed. A ticket number that is
someone else's gets exactly the same answer as one that does not exist, so nothing leaks. Moving and
cancelling are free up to 2 hours before the appointment (the FAQ's policy); later, the customer is
given the centre's phone number.

State (`ctx.state["booking"]`): {"mode": "manage", "stage": pick | action | mday | mslot | cancel,
"ticket": "R7K-4Q2" | None, "day": "2026-11-26" | None, "fails": n}. The ticket is looked up again
(with the ownership check) at every message; nothing about it is cached in the state.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from bot.engine.booking import render
from bot.engine.booking.day_time import day_options, slot_options
from bot.engine.booking.form import NAME, booking_action, option
from bot.engine.booking.matching import (
    is_back,
    is_cancel,
    is_done,
    is_move,
    is_no,
    is_yes,
)
from bot.engine.booking.messages import MESSAGES, say
from bot.engine.booking.schedule import available_slots
from bot.engine.context import TurnContext
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.storage.booking import (
    BOOKED,
    Booking,
    SlotFull,
    as_utc,
    booking_for,
    customer_bookings,
    find_ticket,
    move_booking,
)
from bot.storage.booking import cancel_booking as cancel_in_db
from bot.storage.store import Turn

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.clock import Clock
    from bot.engine.faq import FaqStep
    from bot.knowledge import KnowledgeBase
    from bot.knowledge.catalog import Catalog, ServiceCentre

CHANGE_CUTOFF = dt.timedelta(hours=2)


def status_text(status: str, language: Any) -> str:
    """booked / cancelled / done in words; a status set by people later ("received", ...) as it is."""
    return say(f"status.{status}", language) if f"status.{status}" in MESSAGES else status


class DeskFlow(Protocol):
    """What the ticket desk uses of the booking flow that owns it (`BookingFlow` satisfies it).

    A protocol so this module does not import the flow that imports it (no import cycle).
    """

    catalog: Catalog
    knowledge: KnowledgeBase
    faq: FaqStep
    zone: ZoneInfo
    now: Clock

    def local_now(self, zone: dt.tzinfo | None = None) -> dt.datetime: ...

    def leave(self, ctx: TurnContext) -> None: ...

    def ask(self, ctx: TurnContext, bk: dict[str, Any], text: str, kind: ReplyKind, options: tuple[Option, ...]) -> None: ...

    def typed_choice(self, bk: dict[str, Any], text: str, action: Action | None) -> Action | None: ...

    def no_slot(self, ctx: TurnContext, centre: ServiceCentre) -> None: ...

    def interrupt(self, ctx: TurnContext, text: str) -> bool: ...

    def fail(self, ctx: TurnContext, bk: dict[str, Any]) -> bool: ...


class TicketDesk:
    """Status, move and cancel, for the customer's own tickets."""

    def __init__(self, flow: DeskFlow) -> None:
        self.flow = flow
        self.catalog = flow.catalog

    # -- entry ------------------------------------------------------------------------------------

    async def start(self, ctx: TurnContext, turn: Turn, inbound: Inbound, entry_point: str) -> None:
        channel, customer = turn.conversation.channel, turn.conversation.customer_id
        tickets = await customer_bookings(turn.session, channel, customer, self.flow.now())
        code = find_ticket(inbound.text)
        if not tickets and code is None and entry_point != "menu.status":
            # An FAQ question about repair status with nothing booked here: the FAQ answer says where to look.
            entry = self.flow.knowledge.entry(entry_point)
            if entry is not None:
                self.flow.faq.answer(ctx, entry, ctx.confidence)
                return
        bk: dict[str, Any] = {"mode": "manage", "stage": "pick", "ticket": None, "fails": 0, "language": ctx.language}
        ctx.state["flow"] = NAME
        ctx.state["booking"] = bk
        if code is not None:
            await self._open(ctx, turn, bk, code)
        elif len(tickets) == 1:
            bk["ticket"] = tickets[0].ticket
            bk["stage"] = "action"
            await self.prompt(ctx, turn, bk)
        else:
            await self.prompt(ctx, turn, bk)

    async def _own(self, turn: Turn, code: str | None) -> Booking | None:
        if not code:
            return None
        return await booking_for(turn.session, code, turn.conversation.channel, turn.conversation.customer_id)

    async def _open(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], code: str) -> bool:
        """Show one of the customer's tickets; a ticket that is not theirs reads exactly like a missing one."""
        booking = await self._own(turn, code)
        if booking is None:
            bk["stage"], bk["ticket"] = "pick", None
            if self.flow.fail(ctx, bk):
                return False
            await self.prompt(ctx, turn, bk, say("manage.not_found", ctx.language, ticket=code))
            return False
        bk["ticket"], bk["stage"], bk["fails"] = booking.ticket, "action", 0
        await self.prompt(ctx, turn, bk)
        return True

    # -- questions --------------------------------------------------------------------------------

    def _changeable(self, booking: Booking) -> bool:
        return booking.status == BOOKED and as_utc(booking.slot_start) - self.flow.now() > CHANGE_CUTOFF

    def describe(self, booking: Booking, language: Any) -> str:
        centre = self.catalog.centre(booking.centre_id)
        start, end = as_utc(booking.slot_start), as_utc(booking.slot_end)
        zone = centre.zone if centre else self.flow.zone
        today = self.flow.local_now(zone).date()
        when = render.when(start.astimezone(zone), end.astimezone(zone), today, language)
        if booking.status == BOOKED and end <= self.flow.now():
            status = say("status.past", language)
        else:
            status = status_text(booking.status, language)
        return say(
            "manage.detail",
            language,
            ticket=booking.ticket,
            status=status,
            model=booking.model_name,
            service=say(f"mode.{booking.service}", language),
            centre=centre.name[language] if centre else booking.centre_id,
            when=when,
        )

    async def prompt(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], prefix: str | None = None) -> None:
        language = ctx.language
        stage = bk.get("stage")
        booking = await self._own(turn, bk.get("ticket"))
        options: tuple[Option, ...] = ()
        if stage != "pick" and booking is None:
            bk["stage"], bk["ticket"] = "pick", None
            stage = "pick"
        if stage == "pick":
            tickets = await customer_bookings(turn.session, turn.conversation.channel, turn.conversation.customer_id, self.flow.now())
            if tickets:
                text = say("manage.pick", language)
                options = tuple(option(self._short(b, language), f"t.{b.ticket}") for b in tickets)
            else:
                text = say("manage.none", language)
                options = (
                    Option(say("option.book", language), Action(ActionKind.MENU, "book")),
                    Option(ctx.say("menu.human"), Action(ActionKind.MENU, "human")),
                )
        elif stage == "action":
            assert booking is not None
            text = self.describe(booking, language)
            if self._changeable(booking):
                text += "\n" + say("manage.what", language)
                options = (
                    option(say("option.move", language), "m.move"),
                    option(say("option.cancel_booking", language), "m.cancel"),
                    option(say("option.done", language), "m.done"),
                )
            elif booking.status == BOOKED and as_utc(booking.slot_end) > self.flow.now():
                centre = self.catalog.centre(booking.centre_id)
                text += "\n" + say("manage.too_late", language, phone=centre.phone if centre else "400-000-0000")
        elif stage == "cancel":
            assert booking is not None
            text = say("manage.cancel_confirm", language, ticket=booking.ticket)
            options = (
                option(say("option.cancel_yes", language), "c.yes"),
                option(say("option.cancel_no", language), "c.no"),
            )
        elif stage == "mday":
            assert booking is not None
            result = await self._days(ctx, turn, booking)
            if result is None:
                return
            text, options = result
        else:  # mslot
            assert booking is not None
            result = await self._slots(ctx, turn, bk, booking)
            if result is None:
                bk["stage"] = "mday"
                await self.prompt(ctx, turn, bk, prefix)
                return
            text, options = result
        self.flow.ask(ctx, bk, f"{prefix}\n{text}" if prefix else text, ReplyKind.INFO, options)

    def _short(self, booking: Booking, language: Any) -> str:
        centre = self.catalog.centre(booking.centre_id)
        zone = centre.zone if centre else self.flow.zone
        start = as_utc(booking.slot_start).astimezone(zone)
        status = status_text(booking.status, language)
        return f"{booking.ticket} · {booking.model_name} · {start:%m-%d %H:%M} · {status}"

    def _centre(self, booking: Booking) -> ServiceCentre | None:
        centre = self.catalog.centre(booking.centre_id)
        return centre if centre is not None and booking.service in centre.modes else None

    async def _days(self, ctx: TurnContext, turn: Turn, booking: Booking) -> tuple[str, tuple[Option, ...]] | None:
        centre = self._centre(booking)
        if centre is None:
            await self._closed_centre(ctx, booking)
            return None
        days = await available_slots(turn.session, centre, booking.service, self.flow.now())
        if not days:
            self.flow.no_slot(ctx, centre)
            return None
        text, options = day_options(days, centre, self.flow.local_now(centre.zone).date(), ctx.language, "mday")
        return say("manage.move_intro", ctx.language, ticket=booking.ticket) + "\n" + text, options

    async def _slots(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], booking: Booking
    ) -> tuple[str, tuple[Option, ...]] | None:
        centre = self._centre(booking)
        if centre is None or not bk.get("day"):
            return None
        day = dt.date.fromisoformat(bk["day"])
        days = await available_slots(turn.session, centre, booking.service, self.flow.now())
        slots = [s for s in days.get(day, []) if s.start != as_utc(booking.slot_start).astimezone(centre.zone)]
        if not slots:
            return None
        today = self.flow.local_now(centre.zone).date()
        return slot_options(slots, render.day_label(day, today, ctx.language), ctx.language, "mslot")

    async def _closed_centre(self, ctx: TurnContext, booking: Booking) -> None:
        from bot.engine.handoff import hand_off

        self.flow.leave(ctx)
        hand_off(ctx, "booking_centre_gone", say("manage.centre_gone", ctx.language, ticket=booking.ticket))

    # -- answers ----------------------------------------------------------------------------------

    async def step(self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, bk: dict[str, Any]) -> None:
        language = ctx.language
        text = (inbound.text or "").strip()
        stage = bk.get("stage", "pick")
        action = self.flow.typed_choice(bk, text, action)
        chosen = booking_action(action)
        if inbound.kind is not InboundKind.TEXT:
            await self.prompt(ctx, turn, bk, say("media.text_only", language))
            return
        if action is None and is_back(text):
            previous = {"mslot": "mday", "mday": "action", "cancel": "action", "action": "pick"}.get(stage)
            if previous is None:
                self.flow.leave(ctx)
                ctx.reply(say("manage.bye", language), ReplyKind.INFO, ctx.menu_options())
                return
            bk["stage"] = previous
            await self.prompt(ctx, turn, bk)
            return
        if action is None and stage not in ("action", "cancel") and is_cancel(text):
            self.flow.leave(ctx)
            ctx.reply(say("manage.bye", language), ReplyKind.INFO, ctx.menu_options())
            return
        code = chosen[1] if chosen and chosen[0] == "t" else (find_ticket(text) if action is None else None)
        if code is not None and (stage in ("pick", "action") or chosen):
            await self._open(ctx, turn, bk, code)
            return
        booking = await self._own(turn, bk.get("ticket"))
        if stage != "pick" and booking is None:
            bk["stage"] = "pick"
            await self.prompt(ctx, turn, bk)
            return
        handled = False
        if stage == "action" and booking is not None:
            handled = await self._action(ctx, turn, bk, booking, text, chosen)
        elif stage == "cancel" and booking is not None:
            handled = await self._cancel(ctx, turn, bk, booking, text, chosen)
        elif stage == "mday" and booking is not None:
            handled = await self._move_day(ctx, turn, bk, booking, text, chosen)
        elif stage == "mslot" and booking is not None:
            handled = await self._move_slot(ctx, turn, bk, booking, text, chosen)
        if handled:
            return
        if action is None and text and self.flow.interrupt(ctx, text):
            if ctx.handoff is not None:
                self.flow.leave(ctx)
                return
            await self.prompt(ctx, turn, bk, say("resume", language))
            return
        if self.flow.fail(ctx, bk):
            return
        problem = {"pick": "manage.ask_ticket", "action": "manage.bad_action", "cancel": "bad.yes_no"}.get(
            stage, "bad.day" if stage == "mday" else "bad.slot"
        )
        await self.prompt(ctx, turn, bk, say(problem, language))

    async def _action(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], booking: Booking, text: str, chosen: tuple[str, str] | None
    ) -> bool:
        value = chosen[1] if chosen and chosen[0] == "m" else None
        if value == "done" or (chosen is None and (is_done(text) or is_no(text))):
            self.flow.leave(ctx)
            ctx.reply(say("manage.bye", ctx.language), ReplyKind.INFO)
            return True
        wants_move = value == "move" or (chosen is None and is_move(text))
        wants_cancel = value == "cancel" or (chosen is None and is_cancel(text))
        if not (wants_move or wants_cancel):
            return False
        if not self._changeable(booking):
            await self.prompt(ctx, turn, bk, say("manage.cannot_change", ctx.language))
            return True
        bk["stage"] = "mday" if wants_move else "cancel"
        bk["fails"] = 0
        await self.prompt(ctx, turn, bk)
        return True

    async def _cancel(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], booking: Booking, text: str, chosen: tuple[str, str] | None
    ) -> bool:
        value = chosen[1] if chosen and chosen[0] == "c" else None
        if value == "yes" or (chosen is None and (is_yes(text) or is_cancel(text))):
            if not self._changeable(booking):
                bk["stage"] = "action"
                await self.prompt(ctx, turn, bk, say("manage.cannot_change", ctx.language))
                return True
            await cancel_in_db(turn.session, booking)
            self.flow.leave(ctx)
            ctx.reply(say("manage.cancelled", ctx.language, ticket=booking.ticket), ReplyKind.INFO, ctx.menu_options())
            return True
        if value == "no" or (chosen is None and is_no(text)):
            bk["stage"] = "action"
            await self.prompt(ctx, turn, bk, say("manage.kept", ctx.language))
            return True
        return False

    async def _move_day(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], booking: Booking, text: str, chosen: tuple[str, str] | None
    ) -> bool:
        centre = self._centre(booking)
        if centre is None:
            await self._closed_centre(ctx, booking)
            return True
        days = await available_slots(turn.session, centre, booking.service, self.flow.now())
        day: dt.date | None = None
        if chosen and chosen[0] == "mday":
            try:
                day = dt.datetime.strptime(chosen[1], "%Y%m%d").date()
            except ValueError:
                day = None
        elif chosen is None:
            from bot.engine.booking.dates import parse_when

            wish = parse_when(text, self.flow.local_now(centre.zone).replace(tzinfo=None))
            day = wish.start.date() if wish else None
        if day is None:
            return False
        if day not in days:
            today = self.flow.local_now(centre.zone).date()
            await self.prompt(
                ctx, turn, bk, say("bad.day_full", ctx.language, day=render.day_label(day, today, ctx.language))
            )
            return True
        bk["day"], bk["stage"], bk["fails"] = day.isoformat(), "mslot", 0
        await self.prompt(ctx, turn, bk)
        return True

    async def _move_slot(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], booking: Booking, text: str, chosen: tuple[str, str] | None
    ) -> bool:
        centre = self._centre(booking)
        if centre is None:
            await self._closed_centre(ctx, booking)
            return True
        day = dt.date.fromisoformat(bk["day"])
        days = await available_slots(turn.session, centre, booking.service, self.flow.now())
        slots = days.get(day, [])
        slot = None
        if chosen and chosen[0] == "mslot":
            slot = next((s for s in slots if s.key == chosen[1]), None)
            if slot is None:
                await self.prompt(ctx, turn, bk, say("bad.slot_full", ctx.language))
                return True
        elif chosen is None:
            from bot.engine.booking.dates import parse_when

            wish = parse_when(text, dt.datetime.combine(day, dt.time(0)))
            if wish is not None and wish.has_time:
                exact = [s for s in slots if s.start.time() <= wish.start.time() < s.end.time()]
                slot = exact[0] if len(exact) == 1 else None
        if slot is None:
            return False
        if not self._changeable(booking):
            bk["stage"] = "action"
            await self.prompt(ctx, turn, bk, say("manage.cannot_change", ctx.language))
            return True
        try:
            await move_booking(turn.session, booking, slot.start, slot.end, centre.modes[booking.service].capacity)
        except SlotFull:
            await self.prompt(ctx, turn, bk, say("slot_taken", ctx.language))
            return True
        self.flow.leave(ctx)
        today = self.flow.local_now(centre.zone).date()
        when = render.when(slot.start, slot.end, today, ctx.language)
        ctx.reply(
            say("manage.moved", ctx.language, ticket=booking.ticket, when=when, centre=centre.name[ctx.language]),
            ReplyKind.INFO,
        )
        return True
