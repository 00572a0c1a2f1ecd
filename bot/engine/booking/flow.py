"""The repair-booking flow: a form the customer fills one answer at a time, in any channel.

The booking being built lives in `ctx.state["booking"]` (so in the database with the conversation):
a restart, or a customer coming back hours later, continues at the same question. The questions are
the fields of fields.py, run by the form engine (bot.engine.forms.engine): the current question is
always the first unanswered field that applies (an address only for on-site visits and courier
pickups, a loaner only for in-warranty store repairs of products that have loaners), then the summary
to confirm. "Back" removes the last answer given; changing an answer clears the answers that depended
on it (a new centre needs a new slot), so the same rule walks the customer through what is left.

Every answer is validated; a bad one is re-asked with the reason. A question asked instead of an
answer is answered from the FAQ and the question is asked again. Three bad answers in a row at the same
question hand the conversation to a person ("booking_stuck").

No dead ends: a city with one centre for the service gets that centre chosen (and said), not asked;
a day or time given before the day question ("下週三", then "上午") is kept for it, not refused. On SMS
the summary is four short lines, the centre's address on request, so its options fit the first page.

Choices are offered as options (Telegram buttons, numbered lines on the console and SMS); their
actions are `Action(INTENT, "bk.<question>.<value>")`, ids short enough for Telegram's 64-byte
callback data. Typed answers work too, matched fuzzily. Status / move / cancel of an existing booking
is the ticket desk (manage.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock
from bot.engine.answers.interruptions import answer_interruption, free_text_interruption
from bot.engine.answers.words import is_back, is_cancel
from bot.engine.booking import centre_steps, day_time, form
from bot.engine.booking import fields as booking_fields
from bot.engine.booking.confirm import SummaryField
from bot.engine.booking.day_time import day_options, slot_options
from bot.engine.booking.draft import BookingDraft, BookingTurn, stored_booking
from bot.engine.booking.fields import CHANGE_GROUPS, STEPS, BookingField, change_groups
from bot.engine.booking.flow_language import keep_language
from bot.engine.booking.form import (
    CONFIRM,
    DEPENDENTS,
    HANDLED,
    NAME,
    PREFIX,
    Outcome,
    Problem,
    booking_action,
    option,
)
from bot.engine.booking.manage import TicketDesk
from bot.engine.booking.matching import model_in_text, type_in_text
from bot.engine.booking.messages import say
from bot.engine.booking.prefill import apply_hints, read_request
from bot.engine.booking.product_steps import MAX_FAULT_CHARS
from bot.engine.booking.summary import store_booking
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.forms.engine import MAX_FAILS, FormEngine
from bot.engine.forms.field import ASK_AGAIN, TAKEN, Field, Question, Read, Refusal
from bot.engine.handoff import hand_off
from bot.engine.messages import LANGUAGE_NAMES
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.knowledge import KnowledgeBase
from bot.knowledge.catalog import Catalog
from bot.nlu.matcher import IntentMatcher
from bot.repairs.lifecycle import RepairLifecycle
from bot.settings import LANGUAGES
from bot.storage.store import Turn

# Re-exported: the form's vocabulary and the day / time options were defined here before the split.
__all__ = [
    "CHANGE_GROUPS", "CONFIRM", "DEPENDENTS", "HANDLED", "MAX_FAULT_CHARS", "NAME", "PREFIX", "STEPS",
    "BookingFlow", "Outcome", "Problem", "booking_action", "day_options", "option", "slot_options",
]

log = logging.getLogger(__name__)

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
        fields: Sequence[BookingField] | None = None,
        lifecycle: RepairLifecycle | None = None,
    ) -> None:
        self.catalog = catalog
        # What follows a booking, a move or a cancellation (timeline, reminders, promises): bot/repairs/.
        self.lifecycle = lifecycle
        self.knowledge = knowledge
        self.matcher = matcher
        self.faq = FaqStep(knowledge, matcher, handoff_after)
        self.zone = ZoneInfo(timezone or catalog.timezone)
        self.now = now  # injectable clock (tests): returns an aware datetime
        self.status_entries = status_entries
        self.desk = TicketDesk(self)
        # Read when the flow is built, so a list changed meanwhile (a test adding a question) is the one used.
        self.fields = tuple(fields if fields is not None else booking_fields.FIELDS)
        self.groups = change_groups(self.fields)
        self.engine: FormEngine[BookingTurn] = FormEngine(self.fields, self, MAX_FAILS)
        self.summary = SummaryField(self)

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
        bk = stored_booking(ctx.state)
        if bk is None:
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

    def interrupt(self, ctx: TurnContext, text: str) -> bool:
        """A question asked instead of an answer: answer it from the FAQ (True), or say it is none (False)."""
        return answer_interruption(self.knowledge, self.matcher, self.faq, ctx, text)

    def _stuck(self, ctx: TurnContext, bk: dict[str, Any]) -> None:
        self.leave(ctx)
        hand_off(ctx, "booking_stuck", say("stuck", ctx.language))  # the ticket desk words its own (manage.py)

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

    def current(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> str:
        """The current question's id, CONFIRM at the summary (prefill.py asks it too)."""
        field = self.engine.current(self._turn(ctx, turn, bk))
        return field.id if field is not None else CONFIRM

    async def read_hint(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str) -> Read:
        """A hint of the first message, read by the current question's field (prefill.py)."""
        state = self._turn(ctx, turn, bk)
        field = self.engine.current(state)
        return await field.read(state, text, None) if field is not None else None

    async def _new_step(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, bk: dict[str, Any]
    ) -> None:
        text = (inbound.text or "").strip()
        form.sanitize(self.catalog, bk)
        action = self.typed_choice(bk, text, action)
        if inbound.kind is not InboundKind.TEXT:
            await self._media(ctx, turn, inbound, bk)
            return
        state = self._turn(ctx, turn, bk)
        if action is None:
            if not text:
                await self.prompt(ctx, turn, bk, say("empty", ctx.language))
                return
            if is_cancel(text):
                self.leave(ctx)
                ctx.reply(say("left", ctx.language), ReplyKind.INFO, ctx.menu_options())
                return
            if is_back(text):
                moved = self.engine.back(state)
                await self.prompt(ctx, turn, bk, None if moved else say("back.first", ctx.language))
                return
        field: Field[BookingTurn] = self.engine.current(state) or self.summary
        chosen = booking_action(action)
        if chosen is not None and chosen[0] != field.id:
            await self.prompt(ctx, turn, bk, say("stale_button", ctx.language))
            return
        await self.engine.answer(state, field, text, chosen[1] if chosen else None)

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
        state = self._turn(ctx, turn, bk)
        field = self.engine.current(state)
        if field is not None and field.id == "fault":
            if caption and await field.read(state, caption, None) is TAKEN:
                ctx.reply(say("photo.received", ctx.language), ReplyKind.INFO)
                await self.prompt(ctx, turn, bk)
                return
            ctx.reply(say("photo.describe", ctx.language), ReplyKind.INFO)
            return
        await self.prompt(ctx, turn, bk, say("photo.received", ctx.language))

    async def prompt(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], prefix: str | None = None) -> None:
        """Ask the current question (answered already by the first message? prefill.py), with its options."""
        await apply_hints(self, ctx, turn, bk)
        state = self._turn(ctx, turn, bk)
        field = self.engine.current(state)
        question = await (field or self.summary).ask(state)
        if question is ASK_AGAIN:  # the field answered itself (the only centre): the next question
            await self.prompt(ctx, turn, bk, prefix)
            return
        if not isinstance(question, Question):  # the field ended the turn (no free slot: a person)
            return
        kind = ReplyKind.CLARIFY if bk.get("suggest") else ReplyKind.INFO
        text = f"{prefix}\n{question.text}" if prefix else question.text
        self.ask(ctx, bk, text, kind, question.options)

    async def book(self, state: BookingTurn) -> None:
        """Store the booking and say what happens next; a slot taken meanwhile: ask the time again."""
        ctx, turn, bk = state.ctx, state.turn, state.bk
        stored = await store_booking(
            self.catalog, turn, bk["data"], ctx.language, self.now(), self.zone, self.lifecycle
        )
        if isinstance(stored, Refusal):
            await self.prompt(ctx, turn, bk, say(stored.key, ctx.language))
            return
        self.leave(ctx)
        ctx.reply(stored, ReplyKind.INFO)

    def _turn(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> BookingTurn:
        vip_rules = self.lifecycle.policies.vip if self.lifecycle is not None else None
        return BookingTurn(self.catalog, ctx, turn, bk, self.now(), self.zone, vip_rules)

    # -- the form engine's hooks (bot.engine.forms.engine.FormHooks) ---------------------------------

    def draft(self, state: BookingTurn) -> BookingDraft:
        return state.draft

    async def ask_current(self, state: BookingTurn, prefix: str | None = None) -> None:
        await self.prompt(state.ctx, state.turn, state.bk, prefix)

    def free_text_interruption(self, state: BookingTurn, field: Field[BookingTurn], text: str) -> bool:
        return free_text_interruption(
            self.knowledge, self.matcher, self.faq, state.ctx, text, questions_are_answers=field.id == "fault"
        )

    def interruption(self, state: BookingTurn, field: Field[BookingTurn], text: str) -> bool:
        return self.interrupt(state.ctx, text)

    def excused(self, state: BookingTurn, field: Field[BookingTurn], text: str) -> bool:
        """A day said before the day question is kept for it; the centre the bot chose, named, is no mistake."""
        ids = [f.id for f in self.fields]
        early = field.id in ids and "day" in ids and ids.index(field.id) < ids.index("day") and not field.free_text
        base = state.local_now.replace(tzinfo=None)
        if early and day_time.keep_time(state.ctx, state.bk, text, base):
            return True
        return centre_steps.names_chosen_centre(self.catalog, state.bk, field.id, text)

    async def after_interruption(self, state: BookingTurn) -> None:
        await self._after_interruption(state.ctx, state.turn, state.bk)

    async def retry(self, state: BookingTurn, field: Field[BookingTurn], refusal: Refusal) -> None:
        await self.prompt(state.ctx, state.turn, state.bk, say(refusal.key, state.language, **refusal.values))

    def give_up(self, state: BookingTurn) -> None:
        self._stuck(state.ctx, state.bk)

    def running(self, state: BookingTurn) -> bool:
        return state.ctx.state.get("flow") == NAME

    def forget(self, state: BookingTurn, field_ids: Sequence[str]) -> None:
        """The summary's "change ...": those answers are forgotten, and asked again (confirm.py)."""
        self.engine.change(state, field_ids)
