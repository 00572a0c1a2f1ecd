"""The repair-booking flow: a form the customer fills one answer at a time, in any channel.

The booking being built lives in `ctx.state["booking"]` (so in the database with the conversation):
a restart, or a customer coming back hours later, continues at the same question. The current
question is always the first field still missing, in this order:

    type, model, serial, fault, purchase, service, city, centre, address*, day, slot, loaner*, name, phone

(*only when they apply: an address for on-site visits and courier pickups, a loaner for in-warranty
store repairs of products that have loaners), then the summary to confirm. "Back" removes the last
answer given; changing an answer clears the answers that depended on it (a new centre needs a new
slot), so the same "first missing field" rule walks the customer through what is left.

Every answer is validated; a bad one is re-asked with an example. A question asked instead of an
answer is answered from the FAQ and the question is asked again. Three bad answers in a row at the same
question hand the conversation to a person ("booking_stuck").

No dead ends: a city with one centre for the service gets that centre chosen (and said), not asked;
a day or time given before the day question ("下週三", then "上午") is kept for it, not refused. On SMS
the summary is four short lines, the centre's address on request, so its options fit the first page.

Choices are offered as options (Telegram buttons, numbered lines on the console and SMS); their
actions are `Action(INTENT, "bk.<question>.<value>")`, ids short enough for Telegram's 64-byte
callback data. Typed answers work too, matched fuzzily.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock
from bot.engine.booking import (
    centre_steps,
    contact_steps,
    day_time,
    form,
    product_steps,
)
from bot.engine.booking.day_time import day_options, slot_options
from bot.engine.booking.flow_language import keep_language
from bot.engine.booking.form import (
    ASK_AGAIN,
    CHANGE_GROUPS,
    CONFIRM,
    DEPENDENTS,
    FREE_TEXT_STEPS,
    HANDLED,
    NAME,
    PREFIX,
    STEPS,
    Outcome,
    Problem,
    booking_action,
    option,
)
from bot.engine.booking.interruptions import answer_interruption, free_text_interruption
from bot.engine.booking.manage import TicketDesk
from bot.engine.booking.matching import is_back, is_cancel, model_in_text, type_in_text
from bot.engine.booking.messages import say
from bot.engine.booking.prefill import apply_hints, read_request
from bot.engine.booking.product_steps import MAX_FAULT_CHARS
from bot.engine.booking.questions import PLAIN_STEPS, plain_question
from bot.engine.booking.summary import (
    BRIEF_CHANNELS,
    confirm_question,
    read_confirm_answer,
    store_booking,
)
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.handoff import hand_off
from bot.engine.messages import LANGUAGE_NAMES
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.knowledge import KnowledgeBase
from bot.knowledge.catalog import Catalog, ServiceCentre
from bot.nlu.matcher import IntentMatcher
from bot.settings import LANGUAGES
from bot.storage.store import Turn

# Re-exported: the form's vocabulary and the day / time options were defined here before the split.
__all__ = [
    "CHANGE_GROUPS", "CONFIRM", "DEPENDENTS", "HANDLED", "MAX_FAULT_CHARS", "NAME", "PREFIX", "STEPS",
    "BookingFlow", "Outcome", "Problem", "booking_action", "day_options", "option", "slot_options",
]

log = logging.getLogger(__name__)

MAX_FAILS = 3
MAX_PHOTOS = 10
# Entry points that open the customer's bookings (status, move, cancel) instead of starting a new one:
# the menu's "Repair status" and /status, and the FAQ entries about an existing repair.
STATUS_ENTRIES = frozenset({"menu.status", "repair.status", "repair.reschedule"})


class BookingFlow:
    """The `booking` flow (see `bot.engine.flows.Flow`): new bookings, and status / move / cancel."""

    name = NAME

    def __init__(
        self,
        catalog: Catalog,
        knowledge: KnowledgeBase,
        matcher: IntentMatcher,
        *,
        handoff_after: int = 2,
        timezone: str | None = None,
        now: Clock = system_clock,
        status_entries: frozenset[str] = STATUS_ENTRIES,
    ) -> None:
        self.catalog = catalog
        self.knowledge = knowledge
        self.matcher = matcher
        self.faq = FaqStep(knowledge, matcher, handoff_after)
        self.zone = ZoneInfo(timezone or catalog.timezone)
        self.now = now  # injectable clock (tests): returns an aware datetime
        self.status_entries = status_entries
        self.desk = TicketDesk(self)

    # -- the Flow protocol ------------------------------------------------------------------------

    async def start(self, ctx: TurnContext, turn: Turn, inbound: Inbound, entry_point: str) -> None:
        if entry_point in self.status_entries:
            await self.desk.start(ctx, turn, inbound, entry_point)
            return
        await self.start_new(ctx, turn, inbound)

    def hears_anger(self, ctx: TurnContext) -> bool:
        """Anger while booking is not an answer: the engine hands off to a person."""
        return False

    async def step(self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None) -> None:
        bk = ctx.state.get("booking")
        if not isinstance(bk, dict) or bk.get("mode") not in ("new", "manage"):
            self.leave(ctx)
            ctx.reply(say("stale_state", ctx.language), ReplyKind.INFO, ctx.menu_options())
            return
        # A fresh copy: the stored JSON is only written when it compares unequal to what was loaded,
        # and changing the loaded nested dicts in place would change "what was loaded" too.
        bk = copy.deepcopy(bk)
        ctx.state["booking"] = bk
        keep_language(self.catalog, ctx, bk, inbound)
        if action is not None and booking_action(action) is None:
            await self._other_action(ctx, turn, inbound, action, bk)
            return
        if bk["mode"] == "manage":
            await self.desk.step(ctx, turn, inbound, action, bk)
        else:
            await self._new_step(ctx, turn, inbound, action, bk)

    # -- shared helpers (also used by the ticket desk, manage.py) -----------------------------------

    def leave(self, ctx: TurnContext) -> None:
        form.leave(ctx)

    def local_now(self, zone: dt.tzinfo | None = None) -> dt.datetime:
        return self.now().astimezone(zone or self.zone)

    def today(self) -> dt.date:
        return self.local_now().date()

    def ask(self, ctx: TurnContext, bk: dict[str, Any], text: str, kind: ReplyKind, options: tuple[Option, ...]) -> None:
        form.ask(ctx, bk, text, kind, options)

    def typed_choice(self, bk: dict[str, Any], text: str, action: Action | None) -> Action | None:
        return form.typed_choice(bk, text, action)

    def no_slot(self, ctx: TurnContext, centre: ServiceCentre) -> None:
        day_time.no_slot(ctx, centre)

    def interrupt(self, ctx: TurnContext, text: str) -> bool:
        """A question asked instead of an answer: answer it from the FAQ (True), or say it is none (False)."""
        return answer_interruption(self.knowledge, self.matcher, self.faq, ctx, text)

    def fail(self, ctx: TurnContext, bk: dict[str, Any]) -> bool:
        """Count a bad answer; on the third in a row at the same question, hand off (True)."""
        bk["fails"] = int(bk.get("fails", 0)) + 1
        if bk["fails"] >= MAX_FAILS:
            self.leave(ctx)
            # A status / move / cancel look-up is no booking step: it gets its own words.
            hand_off(ctx, "booking_stuck", say("stuck.manage" if bk.get("mode") == "manage" else "stuck", ctx.language))
            return True
        return False

    async def _other_action(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action, bk: dict[str, Any]
    ) -> None:
        """A menu button, a language choice, an FAQ button or feedback while the flow is active."""
        if action.kind is ActionKind.MENU:
            if action.value == "human":
                self.leave(ctx)
                hand_off(ctx, "human")
                return
            if action.value == "faq":
                self.leave(ctx)
                self.faq.popular(ctx)
                return
            if action.value == "status":
                self.leave(ctx)
                await self.desk.start(ctx, turn, inbound, "menu.status")
                return
            if action.value == "book" and bk["mode"] == "manage":
                self.leave(ctx)
                await self.start_new(ctx, turn, inbound)
                return
            ctx.reply(say("already_booking", ctx.language), ReplyKind.INFO)
        elif action.kind is ActionKind.LANGUAGE:
            if action.value in LANGUAGES:
                ctx.language = action.value  # type: ignore[assignment]
                bk["language"] = action.value
                turn.conversation.language_locked = True
                ctx.reply(ctx.say("language.changed"), ReplyKind.INFO)
            else:
                options = tuple(Option(LANGUAGE_NAMES[lang], Action(ActionKind.LANGUAGE, lang)) for lang in LANGUAGES)
                ctx.reply(ctx.say("language.choose"), ReplyKind.INFO, options)
                return
        elif action.kind is ActionKind.HELP:
            ctx.reply(say("help", ctx.language), ReplyKind.INFO)
        elif action.kind is ActionKind.INTENT:
            entry = self.knowledge.entry(action.value)
            if entry is not None and entry.flow != NAME:
                self.faq.answer(ctx, entry, None)
                if ctx.handoff is not None:
                    self.leave(ctx)
                    return
        elif action.kind is ActionKind.FEEDBACK:
            target = await turn.outbound_message(action.message_id) if action.message_id is not None else None
            if target is not None and target.kind == ReplyKind.ANSWER.value and action.value in ("up", "down"):
                target.feedback = 1 if action.value == "up" else -1
                ctx.reply(ctx.say("feedback.thanks" if action.value == "up" else "feedback.sorry"), ReplyKind.INFO)
        await self.reprompt(ctx, turn, bk)

    async def reprompt(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], prefix: str | None = None) -> None:
        """Ask the current question again (after an interruption, an error...)."""
        if bk["mode"] == "manage":
            await self.desk.prompt(ctx, turn, bk, prefix)
        else:
            await self.prompt(ctx, turn, bk, prefix or say("resume", ctx.language))

    # -- a new booking ----------------------------------------------------------------------------

    async def start_new(self, ctx: TurnContext, turn: Turn, inbound: Inbound) -> None:
        bk: dict[str, Any] = {"mode": "new", "data": {}, "old": {}, "fails": 0, "language": ctx.language}
        ctx.state["flow"] = NAME
        ctx.state["booking"] = bk
        text = inbound.text or ""
        model = model_in_text(self.catalog, text) if text else None
        product_type = (
            self.catalog.product_type(model.type_id) if model else (type_in_text(self.catalog, text) if text else None)
        )
        if product_type is not None:
            bk["data"]["type"] = product_type.id
        if model is not None:
            bk["data"]["model"] = model.id
        # One-message booking ("报修 X20 Pro 屏幕碎了 北京朝阳 明天上午"): the rest, as hints for later questions.
        bk["hints"] = read_request(self.catalog, text, base=self.local_now().replace(tzinfo=None),
                                   phone=inbound.customer_id if inbound.channel == "sms" else None)
        ctx.reply(say("intro", ctx.language), ReplyKind.INFO)
        await self.prompt(ctx, turn, bk)

    def current(self, bk: dict[str, Any]) -> str:
        """The current question (prefill.py asks it too)."""
        return form.current_step(self.catalog, bk, self.today())

    async def _new_step(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, bk: dict[str, Any]
    ) -> None:
        text = (inbound.text or "").strip()
        form.sanitize(self.catalog, bk)
        action = self.typed_choice(bk, text, action)
        if inbound.kind is not InboundKind.TEXT:
            await self._media(ctx, turn, inbound, bk)
            return
        if action is None:
            if not text:
                await self.prompt(ctx, turn, bk, say("empty", ctx.language))
                return
            if is_cancel(text):
                self.leave(ctx)
                ctx.reply(say("left", ctx.language), ReplyKind.INFO, ctx.menu_options())
                return
            if is_back(text):
                moved = form.back(self.catalog, bk, self.today())
                await self.prompt(ctx, turn, bk, None if moved else say("back.first", ctx.language))
                return
        step = self.current(bk)
        chosen = booking_action(action)
        if chosen is not None and chosen[0] != step:
            await self.prompt(ctx, turn, bk, say("stale_button", ctx.language))
            return
        value = chosen[1] if chosen else None
        free_text = step in FREE_TEXT_STEPS
        if action is None and free_text and free_text_interruption(self.knowledge, self.matcher, self.faq, ctx, text, step):
            await self._after_interruption(ctx, turn, bk)
            return
        handler = getattr(self, f"_answer_{step}")
        outcome: Outcome = await handler(ctx, turn, bk, text, value)
        if outcome is None:
            bk["fails"] = 0
            if ctx.state.get("flow") == NAME:
                await self.prompt(ctx, turn, bk)
        elif isinstance(outcome, Problem):
            if action is None and (self._kept_time(ctx, bk, step, text) or self._names_chosen_centre(bk, step, text)):
                await self.prompt(ctx, turn, bk)
                return
            if action is None and not free_text and self.interrupt(ctx, text):
                await self._after_interruption(ctx, turn, bk)
                return
            if not self.fail(ctx, bk):
                await self.prompt(ctx, turn, bk, say(outcome.key, ctx.language, **outcome.values))

    def _kept_time(self, ctx: TurnContext, bk: dict[str, Any], step: str, text: str) -> bool:
        return day_time.keep_time(ctx, bk, step, text, self.local_now().replace(tzinfo=None))

    def _names_chosen_centre(self, bk: dict[str, Any], step: str, text: str) -> bool:
        return centre_steps.names_chosen_centre(self.catalog, bk, step, text)

    async def _after_interruption(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> None:
        if ctx.handoff is not None:  # "a person, please" / a complaint: the person takes it from here
            self.leave(ctx)
            return
        await self.reprompt(ctx, turn, bk)

    async def _media(self, ctx: TurnContext, turn: Turn, inbound: Inbound, bk: dict[str, Any]) -> None:
        """Photos are attached to the booking (a caption at the fault question is the description)."""
        if inbound.kind is not InboundKind.PHOTO:
            await self.prompt(ctx, turn, bk, say("media.text_only", ctx.language))
            return
        photos = bk["data"].setdefault("photos", [])
        if inbound.attachment and len(photos) < MAX_PHOTOS:
            photos.append(inbound.attachment)
        caption = (inbound.text or "").strip()
        if self.current(bk) == "fault":
            if caption and await self._answer_fault(ctx, turn, bk, caption, None) is None:
                ctx.reply(say("photo.received", ctx.language), ReplyKind.INFO)
                await self.prompt(ctx, turn, bk)
                return
            ctx.reply(say("photo.describe", ctx.language), ReplyKind.INFO)
            return
        await self.prompt(ctx, turn, bk, say("photo.received", ctx.language))

    # -- questions ----------------------------------------------------------------------------------

    async def prompt(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], prefix: str | None = None) -> None:
        """Ask the current question, with its options."""
        await apply_hints(self, ctx, turn, bk)  # answered already by the first message? (prefill.py)
        language = ctx.language
        step = self.current(bk)
        if step == "centre" and centre_steps.take_only_centre(self.catalog, ctx, bk):
            await apply_hints(self, ctx, turn, bk)
            step = self.current(bk)
        if step in PLAIN_STEPS:
            text, options = plain_question(self.catalog, step, bk["data"], language, self.today())
        elif step == "day":
            result = await day_time.day_question(self.catalog, ctx, turn, bk, self.now())
            if result is None:
                return
            text, options = result
        elif step == "slot":
            result = await day_time.slot_question(self.catalog, ctx, turn, bk, self.now())
            if result is None:
                await self.prompt(ctx, turn, bk, prefix)
                return
            text, options = result
        else:
            brief = turn.conversation.channel in BRIEF_CHANNELS
            text, options = confirm_question(self.catalog, bk, language, self.today(), brief=brief)
        kind = ReplyKind.CLARIFY if bk.get("suggest") else ReplyKind.INFO
        self.ask(ctx, bk, f"{prefix}\n{text}" if prefix else text, kind, options)

    async def _ask_again_if_needed(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], outcome: Outcome
    ) -> Outcome:
        """ASK_AGAIN from an answer: ask the current question again, and the answer is handled."""
        if outcome is ASK_AGAIN:
            await self.prompt(ctx, turn, bk)
            return HANDLED
        return outcome

    # -- answers (by name: `_answer_<step>`, also called by prefill.py) -----------------------------

    async def _answer_type(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        outcome = product_steps.answer_type(self.catalog, ctx, bk, text, value)
        return await self._ask_again_if_needed(ctx, turn, bk, outcome)

    async def _answer_model(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        outcome = product_steps.answer_model(self.catalog, ctx, bk, text, value)
        return await self._ask_again_if_needed(ctx, turn, bk, outcome)

    async def _answer_serial(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return product_steps.answer_serial(self.catalog, bk, text, value)

    async def _answer_fault(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return product_steps.answer_fault(self.catalog, bk, text, value)

    async def _answer_purchase(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return product_steps.answer_purchase(self.catalog, ctx, bk, text, value, self.today())

    async def _answer_service(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return centre_steps.answer_service(self.catalog, ctx, bk, text, value)

    async def _answer_city(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return centre_steps.answer_city(self.catalog, ctx, bk, text, value)

    async def _answer_centre(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return centre_steps.answer_centre(self.catalog, bk, text, value)

    async def _answer_address(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return centre_steps.answer_address(self.catalog, bk, text, value)

    async def _answer_day(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return await day_time.answer_day(self.catalog, ctx, turn, bk, text, value, self.now())

    async def _answer_slot(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        outcome = await day_time.answer_slot(self.catalog, turn, bk, text, value, self.now())
        return await self._ask_again_if_needed(ctx, turn, bk, outcome)

    async def _answer_loaner(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return contact_steps.answer_loaner(self.catalog, bk, text, value)

    async def _answer_name(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return contact_steps.answer_name(self.catalog, bk, text, value)

    async def _answer_phone(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        return contact_steps.answer_phone(self.catalog, bk, text, value)

    async def _answer_confirm(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        decision = read_confirm_answer(bk, text, value)
        if decision == "cancel":
            self.leave(ctx)
            ctx.reply(say("left", ctx.language), ReplyKind.INFO, ctx.menu_options())
            return HANDLED
        if decision == "book":
            await self._book(ctx, turn, bk)
            return HANDLED
        return decision

    async def _book(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> None:
        """Store the booking and say what happens next; a slot taken meanwhile: ask the time again."""
        stored = await store_booking(self.catalog, turn, bk["data"], ctx.language, self.now(), self.zone)
        if isinstance(stored, Problem):
            await self.prompt(ctx, turn, bk, say(stored.key, ctx.language))
            return
        self.leave(ctx)
        ctx.reply(stored, ReplyKind.INFO)
