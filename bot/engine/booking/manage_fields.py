"""The ticket desk's questions, in order: which ticket, what to do, and for a move the new day and time,
for a cancellation the confirmation. The form engine asks the first unanswered one that applies.

A field's options are `Action(INTENT, "bk.<button>.<value>")` with the short button prefixes the desk
has always used (t, m, mday, mslot, c), so buttons sent before an upgrade still work. Moving and
cancelling are free up to 2 hours before the appointment; later, the customer gets the centre's phone.
The last question of a move or a cancellation does the change and ends the desk (HANDLED).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.engine.answers.words import is_cancel, is_done, is_move, is_no, is_yes
from bot.engine.booking import render
from bot.engine.booking.day_time import day_options, no_slot, slot_options
from bot.engine.booking.form import option
from bot.engine.booking.manage_draft import MANAGE_DEPENDENTS, ManageTurn
from bot.engine.booking.messages import MESSAGES, say
from bot.engine.booking.schedule import (
    SeatRule,
    Slot,
    available_slots,
    booking_seat_rule,
)
from bot.engine.booking.ticket_status import progress, status_since, status_word
from bot.engine.forms.field import ASK_AGAIN, HANDLED, Question, Read, Refusal, Signal
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.i18n import text as catalog_text
from bot.knowledge.catalog import ServiceCentre
from bot.repairs import statuses as st
from bot.settings import Language
from bot.storage.booking import (
    BOOKED,
    Booking,
    SlotFull,
    as_utc,
    cancel_booking,
    customer_bookings,
    lock_booking,
    move_booking,
)

CHANGE_CUTOFF = dt.timedelta(hours=2)
# Statuses of a ticket the customer can no longer change online: the device is (or was) with the service.
IN_REPAIR = st.IN_SERVICE | {st.READY, st.SHIPPED}

AskFn = Callable[[ManageTurn], Awaitable[Question | Signal]]
# A read returns a value, a signal or a refusal; None when the answer was not understood (the field's `problem`).
ReadFn = Callable[[ManageTurn, str, str | None], Awaitable[Read]]


def _always(s: ManageTurn) -> bool:
    return True


@dataclass(frozen=True)
class ManageField:
    """One question of the ticket desk (a `bot.engine.forms.field.Field` over `ManageTurn`)."""

    id: str
    button: str  # the prefix of its options' values ("m" for "bk.m.move")
    question: AskFn
    answer: ReadFn
    problem: str  # the re-ask of an answer not understood
    when: Callable[[ManageTurn], bool] = _always
    cancel_is_answer: bool = False  # "取消" answers it (cancel the booking) instead of leaving the desk
    ticket_typed: bool = False  # a ticket number typed here opens that ticket
    free_text = False

    @property
    def dependents(self) -> tuple[str, ...]:
        return MANAGE_DEPENDENTS.get(self.id, ())

    def applies(self, state: ManageTurn) -> bool:
        return self.when(state)

    async def ask(self, state: ManageTurn) -> Question | Signal:
        return await self.question(state)

    async def read(self, state: ManageTurn, text: str, choice: str | None) -> Read:
        value = await self.answer(state, text, choice)
        return Refusal(self.problem) if value is None else value

    def shown(self, state: ManageTurn, language: Language) -> str | None:
        return None


# -- how a ticket is worded ------------------------------------------------------------------------------


def status_text(status: str, language: Any) -> str:
    """A ticket's status in words: the desk's own (booked / cancelled / done), else the repair's
    ("received", "ready", ... set by staff: bot/repairs/statuses.py)."""
    return say(f"status.{status}", language) if f"status.{status}" in MESSAGES else status_word(status, language)


async def _lock(s: ManageTurn, booking: Booking) -> None:
    """Read the booking again under a row lock before the customer changes it: staff may have moved the
    ticket on (received at the counter) since this turn read it, and must not be overwritten."""
    await lock_booking(s.turn.session, booking)


def changeable(s: ManageTurn, booking: Booking) -> bool:
    return booking.status == BOOKED and as_utc(booking.slot_start) - s.now > CHANGE_CUTOFF


def describe(s: ManageTurn, booking: Booking, language: Any) -> str:
    centre = s.catalog.centre(booking.centre_id)
    start, end = as_utc(booking.slot_start), as_utc(booking.slot_end)
    zone = centre.zone if centre else s.zone
    today = s.local_now(zone).date()
    when = render.when(start.astimezone(zone), end.astimezone(zone), today, language)
    if booking.status == BOOKED and end <= s.now:
        status = say("status.past", language)
    elif booking.status == BOOKED:
        status = status_text(booking.status, language)
    else:
        status = status_since(booking, s.now, zone, language)
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


def short(s: ManageTurn, booking: Booking, language: Any) -> str:
    centre = s.catalog.centre(booking.centre_id)
    zone = centre.zone if centre else s.zone
    start = as_utc(booking.slot_start).astimezone(zone)
    return f"{booking.ticket} · {booking.model_name} · {start:%m-%d %H:%M} · {status_text(booking.status, language)}"


def bye(s: ManageTurn, *, menu: bool) -> Signal:
    """Leave the desk, nothing changed."""
    s.desk.leave(s.ctx)
    s.ctx.reply(say("manage.bye", s.language), ReplyKind.INFO, s.ctx.menu_options() if menu else ())
    return HANDLED


async def _reask(s: ManageTurn, key: str, **values: Any) -> Signal:
    """Ask the current question again after saying why (not counted as a mistake)."""
    await s.desk.prompt_turn(s, say(key, s.language, **values))
    return HANDLED


async def _too_late(s: ManageTurn) -> Signal:
    """Changed too close to the appointment: back to what to do with the ticket."""
    s.draft.drop("action")
    return await _refuse_change(s, await _ticket(s))


async def _refuse_change(s: ManageTurn, booking: Booking) -> Signal:
    """Why this ticket cannot be moved or cancelled online: too late, or the repair already under way."""
    if booking.status in IN_REPAIR:
        s.desk.leave(s.ctx)  # nothing the desk can do with it: say who can, and let the customer go on
        centre = s.catalog.centre(booking.centre_id)
        s.ctx.reply(
            catalog_text("customer.locked", s.language, status=status_word(booking.status, s.language),
                         phone=centre.phone if centre else "400-000-0000"),
            ReplyKind.INFO, s.ctx.menu_options(),
        )
        return HANDLED
    return await _reask(s, "manage.cannot_change")


async def _ticket(s: ManageTurn) -> Booking:
    booking = await s.booking()
    assert booking is not None  # the desk goes back to choosing a ticket when it is gone
    return booking


# -- which ticket --------------------------------------------------------------------------------------


async def ask_ticket(s: ManageTurn) -> Question:
    conversation = s.turn.conversation
    tickets = await customer_bookings(s.turn.session, conversation.channel, conversation.customer_id, s.now)
    if tickets:
        return Question(say("manage.pick", s.language), tuple(option(short(s, b, s.language), f"t.{b.ticket}") for b in tickets))
    return Question(
        say("manage.none", s.language),
        (
            Option(say("option.book", s.language), Action(ActionKind.MENU, "book")),
            Option(s.ctx.say("menu.human"), Action(ActionKind.MENU, "human")),
        ),
    )


async def read_ticket(s: ManageTurn, text: str, choice: str | None) -> Read:
    """A ticket number (the desk hands over one typed or pressed at any question); not theirs = not found."""
    if choice is None:
        return None
    booking = await s.own(choice)
    if booking is None:
        s.draft.clear()
        return Refusal("manage.not_found", {"ticket": choice})
    return booking.ticket


# -- what to do ----------------------------------------------------------------------------------------


async def ask_action(s: ManageTurn) -> Question:
    """The ticket, where the repair is and what comes next; while it can change, "move or cancel?"."""
    booking, language = await _ticket(s), s.language
    centre = s.catalog.centre(booking.centre_id)
    lines = [describe(s, booking, language)]
    lines += await progress(s.turn.session, s.catalog, booking, language, s.now, centre.zone if centre else s.zone, s.lifecycle)
    options: tuple[Option, ...] = ()
    if changeable(s, booking):
        lines.append(say("manage.what", language))
        options = (
            option(say("option.move", language), "m.move"),
            option(say("option.cancel_booking", language), "m.cancel"),
            option(say("option.done", language), "m.done"),
        )
    elif booking.status == BOOKED and as_utc(booking.slot_end) > s.now:
        lines.append(say("manage.too_late", language, phone=centre.phone if centre else "400-000-0000"))
    return Question("\n".join(lines), options)


async def read_action(s: ManageTurn, text: str, choice: str | None) -> Read:
    typed = choice is None
    if choice == "done" or (typed and (is_done(text) or is_no(text))):
        return bye(s, menu=False)
    wants_move = choice == "move" or (typed and is_move(text))
    wants_cancel = choice == "cancel" or (typed and is_cancel(text))
    if not (wants_move or wants_cancel):
        return None
    booking = await _ticket(s)
    if not changeable(s, booking):
        return await _refuse_change(s, booking)
    return "move" if wants_move else "cancel"


def _moving(s: ManageTurn) -> bool:
    return s.data.get("action") == "move"


def _cancelling(s: ManageTurn) -> bool:
    return s.data.get("action") == "cancel"


# -- a move: the new day and time ----------------------------------------------------------------------


def _centre(s: ManageTurn, booking: Booking) -> ServiceCentre | None:
    centre = s.catalog.centre(booking.centre_id)
    return centre if centre is not None and booking.service in centre.modes else None


async def _centre_gone(s: ManageTurn, booking: Booking) -> Signal:
    from bot.engine.handoff import hand_off

    s.desk.leave(s.ctx)
    hand_off(s.ctx, "booking_centre_gone", say("manage.centre_gone", s.language, ticket=booking.ticket))
    return HANDLED


def _seat_rule(s: ManageTurn, booking: Booking) -> SeatRule:
    """Seats kept for VIP customers are offered to a VIP's booking only."""
    return booking_seat_rule(s.lifecycle.policies.vip if s.lifecycle is not None else None, booking)


async def _free(s: ManageTurn, centre: ServiceCentre, booking: Booking) -> dict[dt.date, list[Slot]]:
    return await available_slots(s.turn.session, centre, booking.service, s.now, rule=_seat_rule(s, booking))


async def ask_day(s: ManageTurn) -> Question | Signal:
    booking = await _ticket(s)
    centre = _centre(s, booking)
    if centre is None:
        return await _centre_gone(s, booking)
    days = await _free(s, centre, booking)
    if not days:
        no_slot(s.ctx, centre)
        return HANDLED
    text, options = day_options(days, centre, s.local_now(centre.zone).date(), s.language, "mday")
    return Question(say("manage.move_intro", s.language, ticket=booking.ticket) + "\n" + text, options)


async def read_day(s: ManageTurn, text: str, choice: str | None) -> Read:
    booking = await _ticket(s)
    centre = _centre(s, booking)
    if centre is None:
        return await _centre_gone(s, booking)
    days = await _free(s, centre, booking)
    day: dt.date | None = None
    if choice is not None:
        try:
            day = dt.datetime.strptime(choice, "%Y%m%d").date()
        except ValueError:
            day = None
    else:
        from bot.engine.answers.dates import parse_when

        wish = parse_when(text, s.local_now(centre.zone).replace(tzinfo=None))
        day = wish.start.date() if wish else None
    if day is None:
        return None
    if day not in days:
        today = s.local_now(centre.zone).date()
        return await _reask(s, "bad.day_full", day=render.day_label(day, today, s.language))
    return day.isoformat()


async def ask_slot(s: ManageTurn) -> Question | Signal:
    """The free times of the day, but the booking's own; none left: the day is asked again."""
    booking = await _ticket(s)
    centre = _centre(s, booking)
    if centre is None or not s.data.get("day"):
        s.draft.drop("day")
        return ASK_AGAIN
    day = dt.date.fromisoformat(s.data["day"])
    days = await _free(s, centre, booking)
    slots = [slot for slot in days.get(day, []) if slot.start != as_utc(booking.slot_start).astimezone(centre.zone)]
    if not slots:
        s.draft.drop("day")
        return ASK_AGAIN
    today = s.local_now(centre.zone).date()
    return Question(*slot_options(slots, render.day_label(day, today, s.language), s.language, "mslot"))


async def read_slot(s: ManageTurn, text: str, choice: str | None) -> Read:
    """The new time: the booking is moved there (a seat taken meanwhile: the times again)."""
    booking = await _ticket(s)
    centre = _centre(s, booking)
    if centre is None:
        return await _centre_gone(s, booking)
    day = dt.date.fromisoformat(s.data["day"])
    slots = (await _free(s, centre, booking)).get(day, [])
    slot = None
    if choice is not None:
        slot = next((found for found in slots if found.key == choice), None)
        if slot is None:
            return await _reask(s, "bad.slot_full")
    else:
        from bot.engine.answers.dates import parse_when

        wish = parse_when(text, dt.datetime.combine(day, dt.time(0)))
        if wish is not None and wish.has_time:
            exact = [found for found in slots if found.start.time() <= wish.start.time() < found.end.time()]
            slot = exact[0] if len(exact) == 1 else None
    if slot is None:
        return None
    await _lock(s, booking)
    if not changeable(s, booking):
        return await _too_late(s)
    previous_start = as_utc(booking.slot_start)
    try:
        await move_booking(s.turn.session, booking, slot.start, slot.end, _seat_rule(s, booking).seats(centre.modes[booking.service].capacity))
    except SlotFull:
        return await _reask(s, "slot_taken")
    if s.lifecycle is not None:  # the timeline's "moved", the old reminder cancelled and the new one set
        await s.lifecycle.moved(s.turn.session, booking, previous_start)
    s.desk.leave(s.ctx)
    when = render.when(slot.start, slot.end, s.local_now(centre.zone).date(), s.language)
    s.ctx.reply(
        say("manage.moved", s.language, ticket=booking.ticket, when=when, centre=centre.name[s.language]),
        ReplyKind.INFO,
    )
    return HANDLED


# -- a cancellation: sure? -----------------------------------------------------------------------------


async def ask_cancel(s: ManageTurn) -> Question:
    booking, language = await _ticket(s), s.language
    return Question(
        say("manage.cancel_confirm", language, ticket=booking.ticket),
        (option(say("option.cancel_yes", language), "c.yes"), option(say("option.cancel_no", language), "c.no")),
    )


async def read_cancel(s: ManageTurn, text: str, choice: str | None) -> Read:
    typed = choice is None
    booking = await _ticket(s)
    if choice == "yes" or (typed and (is_yes(text) or is_cancel(text))):
        await _lock(s, booking)
        if not changeable(s, booking):
            return await _too_late(s)
        if s.lifecycle is not None:
            # Before `cancel_booking`, which sets the status: the event records what it was cancelled from.
            await s.lifecycle.cancelled(s.turn.session, booking)
        await cancel_booking(s.turn.session, booking)
        s.desk.leave(s.ctx)
        s.ctx.reply(say("manage.cancelled", s.language, ticket=booking.ticket), ReplyKind.INFO, s.ctx.menu_options())
        return HANDLED
    if choice == "no" or (typed and is_no(text)):
        s.draft.drop("action")
        return await _reask(s, "manage.kept")
    return None


# -- the ticket desk -----------------------------------------------------------------------------------

MANAGE_FIELDS: tuple[ManageField, ...] = (
    ManageField("ticket", "t", ask_ticket, read_ticket, "manage.ask_ticket", ticket_typed=True),
    ManageField("action", "m", ask_action, read_action, "manage.bad_action", cancel_is_answer=True, ticket_typed=True),
    ManageField("day", "mday", ask_day, read_day, "bad.day", when=_moving),
    ManageField("slot", "mslot", ask_slot, read_slot, "bad.slot", when=_moving),
    ManageField("cancel", "c", ask_cancel, read_cancel, "bad.yes_no", when=_cancelling, cancel_is_answer=True),
)
TICKET = MANAGE_FIELDS[0]
