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
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, system_clock
from bot.engine.booking import render
from bot.engine.booking.dates import DateSpan, parse_purchase_date, parse_when
from bot.engine.booking.identifiers import DeviceId, parse_device_id
from bot.engine.booking.matching import (
    centre_in_text,
    could_be_question,
    is_back,
    is_cancel,
    is_change,
    is_no,
    is_skip,
    is_yes,
    key,
    looks_like_question,
    match_centre,
    match_city,
    match_model,
    match_type,
    model_in_text,
    type_in_text,
)
from bot.engine.booking.messages import say
from bot.engine.booking.phones import parse_phone, phone_problem
from bot.engine.booking.prefill import apply_hints, has_day, read_request, time_only
from bot.engine.booking.schedule import (
    Slot,
    available_slots,
    callback_promise,
    find_slot,
)
from bot.engine.booking.warranty import (
    EXCHANGE_DAYS,
    RETURN_DAYS,
    WarrantyStatus,
    warranty_status,
)
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.handoff import hand_off
from bot.engine.language import without_names
from bot.engine.messages import LANGUAGE_NAMES
from bot.engine.types import Action, ActionKind, Inbound, InboundKind, Option, ReplyKind
from bot.knowledge import KnowledgeBase
from bot.knowledge.catalog import MODES, Catalog, ProductModel, ServiceCentre
from bot.nlu.matcher import IntentMatcher
from bot.settings import LANGUAGES, Language
from bot.storage.booking import NewBooking, SlotFull, create_booking
from bot.storage.store import Turn

log = logging.getLogger(__name__)

NAME = "booking"
PREFIX = "bk."
STEPS = (
    "type",
    "model",
    "serial",
    "fault",
    "purchase",
    "service",
    "city",
    "centre",
    "address",
    "day",
    "slot",
    "loaner",
    "name",
    "phone",
)
CONFIRM = "confirm"
# Answers that depend on another one: changing it clears them.
DEPENDENTS: dict[str, tuple[str, ...]] = {
    "type": ("model", "serial", "service", "centre", "day", "slot", "loaner"),
    "model": ("loaner",),
    "purchase": ("loaner",),
    "service": ("centre", "day", "slot", "loaner"),
    "city": ("centre", "day", "slot"),
    "centre": ("day", "slot"),
    "day": ("slot",),
}
# What "change ..." on the summary clears, per group.
CHANGE_GROUPS: dict[str, tuple[str, ...]] = {
    "product": ("type", "model"),
    "serial": ("serial",),
    "fault": ("fault",),
    "purchase": ("purchase",),
    "service": ("service",),
    "centre": ("city", "centre"),
    "time": ("day", "slot"),
    "address": ("address",),
    "loaner": ("loaner",),
    "contact": ("name", "phone"),
}
MAX_FAILS = 3
MAX_FAULT_CHARS = 500
MAX_PHOTOS = 10
# Entry points that open the customer's bookings (status, move, cancel) instead of starting a new one:
# the menu's "Repair status" and /status, and the FAQ entries about an existing repair.
STATUS_ENTRIES = frozenset({"menu.status", "repair.status", "repair.reschedule"})
_MODE_WORDS: dict[str, tuple[str, ...]] = {
    "store": (
        "到店",
        "门店",
        "送修",
        "自己送",
        "服务中心",
        "店里",
        "到服务中心",
        "store",
        "shop",
        "walk in",
        "in store",
        "centre",
        "center",
        "myself",
        "drop off",
    ),
    "onsite": (
        "上门",
        "到府",
        "到家",
        "家里",
        "上门维修",
        "on site",
        "onsite",
        "home visit",
        "visit",
        "come to me",
        "at home",
        "engineer",
    ),
    "courier": ("寄修", "快递", "邮寄", "取件", "收件", "寄送", "courier", "pickup", "pick up", "mail", "post", "ship"),
}
# Channels whose summary is written short (SMS: the options must fit on the first page).
BRIEF_CHANNELS = frozenset({"sms"})
# Typed at the short summary: show the full one (the address on request).
_DETAILS = frozenset({"地址", "详情", "詳情", "详细", "詳細", "详细信息", "詳細資料", "查看详情", "查看詳情", "address", "details"})
_PHONE_EXAMPLES = {"CN": "13800138000", "HK": "9123 4567", "TW": "0912 345 678", "MO": "6612 3456"}
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass
class Problem:
    """A bad answer: the message key explaining it, and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class _Handled:
    """The handler replied itself (a "did you mean", a photo acknowledgement): nothing more to do."""


HANDLED = _Handled()
Outcome = Problem | _Handled | None  # None: the answer was taken


def option(label: str, value: str) -> Option:
    """A booking choice: a button on Telegram, a numbered line elsewhere."""
    return Option(label, Action(ActionKind.INTENT, PREFIX + value))


def booking_action(action: Action | None) -> tuple[str, str] | None:
    """("model", "x20pro") for a booking button, None for anything else."""
    if action is None or action.kind is not ActionKind.INTENT or not action.value.startswith(PREFIX):
        return None
    step, _, value = action.value[len(PREFIX) :].partition(".")
    return step, value


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
        from bot.engine.booking.manage import TicketDesk

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
        self.keep_language(ctx, bk, inbound)
        if action is not None and booking_action(action) is None:
            await self._other_action(ctx, turn, inbound, action, bk)
            return
        if bk["mode"] == "manage":
            await self.desk.step(ctx, turn, inbound, action, bk)
        else:
            await self._new_step(ctx, turn, inbound, action, bk)

    # -- shared helpers ---------------------------------------------------------------------------

    def keep_language(self, ctx: TurnContext, bk: dict[str, Any], inbound: Inbound) -> None:
        """Answers in a flow are often model names, IMEIs, names or a city: they don't change the language.

        The flow keeps the language it runs in unless the message is a real sentence in another one
        (three English words, or four Chinese characters; between the two Chinese scripts, two).
        """
        flow_language = bk.get("language")
        if flow_language not in LANGUAGES or inbound.action is not None:
            bk["language"] = ctx.language
            return
        text = self._without_product_names(inbound.text or "")
        if ctx.language != flow_language:
            cjk = len(_CJK.findall(text))
            latin_words = len(_LATIN_WORD.findall(text))
            switch = (
                (ctx.language == "en" and latin_words >= 3 and cjk == 0)
                or (ctx.language != "en" and flow_language == "en" and cjk >= 4)
                or (ctx.language != "en" and flow_language != "en" and cjk >= 2)
            )
            if not switch:
                ctx.language = flow_language
        bk["language"] = ctx.language

    def _without_product_names(self, text: str) -> str:
        """The answer without the catalogue's model and type names, numbers and codes: none is a sentence."""
        names = sorted(
            {n for m in self.catalog.models for n in (m.name, *m.aliases)}
            | {n for t in self.catalog.types for n in (*t.name.values(), *t.aliases) if n.isascii()},
            key=len,
            reverse=True,
        )
        for name in names:
            if len(name) >= 2:
                text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", text, flags=re.IGNORECASE)
        return without_names(text)

    def leave(self, ctx: TurnContext) -> None:
        ctx.state.pop("flow", None)
        ctx.state.pop("booking", None)

    def local_now(self, zone: dt.tzinfo | None = None) -> dt.datetime:
        return self.now().astimezone(zone or self.zone)

    def today(self) -> dt.date:
        return self.local_now().date()

    def interrupt(self, ctx: TurnContext, text: str) -> bool:
        """A question asked instead of an answer: answer it from the FAQ (True), or say it is none (False).

        Short answers that are no sentence ("3点") are only taken as asking for a person ("转人工"):
        the FAQ would otherwise read "3点" as a question on the 3+3 warranty.
        """
        if not text or len(text) > 500:
            return False
        sentence = could_be_question(text)
        result = self.matcher.match(text)
        best = result.best
        if result.decision != "answer" or best is None:
            return False
        entry = self.knowledge.entry(best.intent_id)
        if entry is None or (not sentence and entry.handoff is None):
            return False
        if entry.flow == NAME or entry.plays("smalltalk.greeting"):
            return True  # "I want to book a repair" / "hello" while booking: just ask again
        self.faq.answer(ctx, entry, best.confidence)
        return True

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
        data = bk["data"]
        for step in STEPS:
            if step not in data and self.applies(step, data):
                return step
        return CONFIRM

    def applies(self, step: str, data: dict[str, Any]) -> bool:
        if step == "address":
            return data.get("service") in ("onsite", "courier")
        if step == "loaner":
            return self.loaner_offered(data)
        return True

    def model_of(self, data: dict[str, Any]) -> ProductModel | None:
        return self.catalog.model(data["model"]) if "model" in data else None

    def warranty(self, data: dict[str, Any]) -> WarrantyStatus:
        model = self.model_of(data)
        purchase = data.get("purchase")
        if model is None or not purchase:
            return WarrantyStatus("unknown")
        return warranty_status(
            model, dt.date.fromisoformat(purchase["first"]), dt.date.fromisoformat(purchase["last"]), self.today()
        )

    def loaner_offered(self, data: dict[str, Any]) -> bool:
        """A loaner is offered for in-warranty store repairs of products that have loaners."""
        model = self.model_of(data)
        return bool(
            model
            and model.loaner
            and data.get("service") == "store"
            and "purchase" in data
            and self.warranty(data).state == "in"
        )

    def modes_for(self, data: dict[str, Any]) -> list[str]:
        """Service modes for this product (and city, once known) that some centre offers."""
        model = self.model_of(data)
        offered = self.catalog.modes_offered(data.get("city"))
        return [m for m in (model.modes if model else MODES) if m in offered]

    def assign(self, bk: dict[str, Any], name: str, value: Any) -> None:
        """Take an answer; a changed answer clears the answers that depended on it."""
        data, old = bk["data"], bk["old"]
        previous = data[name] if name in data else old.pop(name, None)
        data[name] = value
        if previous is not None and previous != value:
            for dependent in DEPENDENTS.get(name, ()):
                data.pop(dependent, None)
                old.pop(dependent, None)
        # Answers that no longer fit (the new model is not serviced on-site, the centre is in another city).
        if "service" in data and "model" in data and data["service"] not in self.modes_for(data):
            data.pop("service")
            for dependent in DEPENDENTS["service"]:
                data.pop(dependent, None)
        bk.pop("suggest", None)
        bk.pop("filter", None)

    def sanitize(self, bk: dict[str, Any]) -> None:
        """Forget answers the knowledge no longer has (the operator removed a model or a centre meanwhile)."""
        data = bk["data"]
        checks = (
            ("type", lambda v: self.catalog.product_type(v) is not None),
            ("model", lambda v: self.catalog.model(v) is not None and self.catalog.model(v).type_id == data.get("type")),
            ("city", lambda v: bool(self.catalog.centres_in(v))),
            ("centre", lambda v: self.catalog.centre(v) is not None and self.catalog.centre(v).city_key == data.get("city")),
        )
        for name, valid in checks:
            if name in data and not valid(data[name]):
                data.pop(name)
                for dependent in DEPENDENTS.get(name, ()):
                    data.pop(dependent, None)
        if "service" in data and (
            data["service"] not in MODES or ("model" in data and data["service"] not in self.modes_for(data))
        ):
            data.pop("service")
            for dependent in DEPENDENTS["service"]:
                data.pop(dependent, None)
        centre = self.catalog.centre(data.get("centre", ""))
        if centre is not None and data.get("service") not in centre.modes:
            for name in ("centre", "day", "slot"):
                data.pop(name, None)

    def back(self, bk: dict[str, Any]) -> bool:
        """Remove the last answer given before the current question; False at the first question."""
        data = bk["data"]
        bk.pop("suggest", None)
        bk.pop("filter", None)
        bk.pop("editing", None)
        current = self.current(bk)
        index = STEPS.index(current) if current in STEPS else len(STEPS)
        auto = bk.get("auto") or []
        for step in reversed(STEPS[:index]):
            if step in data and self.applies(step, data):
                bk["old"][step] = data.pop(step)
                bk["fails"] = 0
                if step in auto:  # chosen by the bot (the only centre): go back to the customer's own answer
                    auto.remove(step)
                    continue
                return True
        return False

    async def _new_step(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, bk: dict[str, Any]
    ) -> None:
        text = (inbound.text or "").strip()
        self.sanitize(bk)
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
                moved = self.back(bk)
                await self.prompt(ctx, turn, bk, None if moved else say("back.first", ctx.language))
                return
        step = self.current(bk)
        chosen = booking_action(action)
        if chosen is not None and chosen[0] != step:
            await self.prompt(ctx, turn, bk, say("stale_button", ctx.language))
            return
        value = chosen[1] if chosen else None
        if action is None and step in ("fault", "name", "address") and self._free_text_interrupt(ctx, text, step):
            await self._after_interruption(ctx, turn, bk)
            return
        handler = getattr(self, f"_answer_{step}")
        outcome: Outcome = await handler(ctx, turn, bk, text, value)
        if outcome is None:
            bk["fails"] = 0
            if ctx.state.get("flow") == NAME:
                await self.prompt(ctx, turn, bk)
        elif isinstance(outcome, Problem):
            if action is None and (self.keep_time(ctx, bk, step, text) or self._names_chosen_centre(bk, step, text)):
                await self.prompt(ctx, turn, bk)
                return
            if action is None and step not in ("fault", "name", "address") and self.interrupt(ctx, text):
                await self._after_interruption(ctx, turn, bk)
                return
            if not self.fail(ctx, bk):
                await self.prompt(ctx, turn, bk, say(outcome.key, ctx.language, **outcome.values))

    def _free_text_interrupt(self, ctx: TurnContext, text: str, step: str) -> bool:
        """At the free-text questions anything is an answer, unless it reads as a question (or asks for a person).

        The fault description is taken as it is even when it reads as a question ("开不了机怎么办？"):
        that is exactly what the engineer needs to read.
        """
        if step != "fault" and looks_like_question(text) and self.interrupt(ctx, text):
            return True
        result = self.matcher.match(text)
        entry = self.knowledge.entry(result.best.intent_id) if result.decision == "answer" and result.best else None
        if entry is not None and entry.handoff is not None and len(text) <= 20:
            self.faq.answer(ctx, entry, result.best.confidence if result.best else None)
            return True
        return False

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
        data = bk["data"]
        step = self.current(bk)
        if step == "centre" and self._only_centre(ctx, bk):
            await apply_hints(self, ctx, turn, bk)
            step = self.current(bk)
        kind = ReplyKind.INFO
        options: tuple[Option, ...] = ()
        if step == "type":
            text = say("ask.type", language)
            options = tuple(option(t.name[language], f"type.{t.id}") for t in self.catalog.types)
        elif step == "model":
            product_type = self.catalog.product_type(data["type"])
            assert product_type is not None
            models = product_type.models
            text = say("ask.model", language, type=product_type.name[language], example=models[0].name)
            options = tuple(option(m.name, f"model.{m.id}") for m in models[:8])
        elif step == "serial":
            model = self.model_of(data)
            text = say("ask.imei" if model and model.identifier == "imei" else "ask.serial", language)
            options = (option(say("option.skip", language), "serial.skip"),)
        elif step == "fault":
            text = say("ask.fault", language)
        elif step == "purchase":
            text = say("ask.purchase", language)
            options = (option(say("option.dont_know", language), "purchase.skip"),)
        elif step == "service":
            text, options = self._service_question(data, language)
        elif step == "city":
            cities = self.catalog.cities(data.get("service"))
            names = say("list.separator", language).join(c.city[language] for c in cities)
            text = say("ask.city", language, cities=names)
            options = tuple(option(c.city[language], f"city.{c.city_key}") for c in cities[:10])
        elif step == "centre":
            centres = self.catalog.centres_in(data["city"], data.get("service"))
            lines = "\n".join(f"• {render.centre_line(c, language)}\n  {render.hours_text(c, language)}" for c in centres)
            text = say(f"ask.centre.{data['service']}", language, city=centres[0].city[language], centres=lines)
            options = tuple(option(c.name[language], f"centre.{c.id}") for c in centres)
        elif step == "address":
            text = say(f"ask.address.{data['service']}", language)
        elif step == "day":
            result = await self._day_question(ctx, turn, bk)
            if result is None:
                return
            text, options = result
        elif step == "slot":
            result = await self._slot_question(ctx, turn, bk)
            if result is None:
                await self.prompt(ctx, turn, bk, prefix)
                return
            text, options = result
        elif step == "loaner":
            text = say("ask.loaner", language)
            options = (
                option(say("option.loaner_yes", language), "loaner.yes"),
                option(say("option.loaner_no", language), "loaner.no"),
            )
        elif step == "name":
            text = say("ask.name", language)
        elif step == "phone":
            text = say("ask.phone", language, example=_PHONE_EXAMPLES.get(self._region(data), "13800138000"))
        else:
            text, options = self._confirm_question(bk, language, brief=turn.conversation.channel in BRIEF_CHANNELS)
        if bk.get("suggest"):
            kind = ReplyKind.CLARIFY
        self.ask(ctx, bk, f"{prefix}\n{text}" if prefix else text, kind, options)

    def _only_centre(self, ctx: TurnContext, bk: dict[str, Any]) -> bool:
        """A city with one centre for the service: take it and say so, instead of asking to choose it."""
        data = bk["data"]
        centres = self.catalog.centres_in(data["city"], data.get("service"))
        if len(centres) != 1:
            return False
        self.assign(bk, "centre", centres[0].id)
        bk["auto"] = ["centre"]  # "back" from the next question goes past it, to the city
        line = render.centre_line(centres[0], ctx.language)
        ctx.reply(say("centre.only", ctx.language, city=centres[0].city[ctx.language], centre=line), ReplyKind.INFO)
        return True

    def _names_chosen_centre(self, bk: dict[str, Any], step: str, text: str) -> bool:
        """The centre the bot chose, named at the next question ("天河"): no mistake, just ask that question again."""
        centre = self.catalog.centre(bk["data"].get("centre", ""))
        if centre is None or step not in ("address", "day") or not text:
            return False
        return match_centre([centre], text) is centre

    def keep_time(self, ctx: TurnContext, bk: dict[str, Any], step: str, text: str) -> bool:
        """A day or time given before the day question ("下週三", "tomorrow 3pm", then "上午"): kept for it (True).

        Said at an earlier question it is no answer to that question, but no mistake either: it is noted
        (a part of the day said after a day joins it) and answers the day and time questions when they come.
        """
        if step not in STEPS or STEPS.index(step) >= STEPS.index("day") or step in ("fault", "name", "address"):
            return False
        base = self.local_now().replace(tzinfo=None)
        if not time_only(text, base):
            return False
        hints = bk.setdefault("hints", {})
        bk["kept"] = ["day"]  # a kept day that turns out full is said, not silently dropped (prefill.py)
        earlier = hints.get("day")
        if earlier and not has_day(text):
            joiner = "" if re.search(r"[\u3400-\u9fff]", earlier + text) else " "
            combined = f"{earlier}{joiner}{text.strip()}"
            hints["day"] = combined if parse_when(combined, base) is not None else text.strip()
        else:
            hints["day"] = text.strip()
        ctx.reply(say("time.kept", ctx.language, when=hints["day"]), ReplyKind.INFO)
        return True

    def ask(self, ctx: TurnContext, bk: dict[str, Any], text: str, kind: ReplyKind, options: tuple[Option, ...]) -> None:
        """Reply with options, remembering their labels so typing a label works like pressing it."""
        bk["choices"] = {key(o.label): o.action.value for o in options if booking_action(o.action) is not None}
        ctx.reply(text, kind, options)

    def typed_choice(self, bk: dict[str, Any], text: str, action: Action | None) -> Action | None:
        """An option label typed in words ("不记得了", "Confirm booking") stands for the option."""
        if action is not None or not text:
            return action
        value = (bk.get("choices") or {}).get(key(text))
        return Action(ActionKind.INTENT, value) if value else None

    def _region(self, data: dict[str, Any]) -> str:
        centre = self.catalog.centre(data.get("centre", ""))
        return centre.region if centre else "CN"

    def _service_question(self, data: dict[str, Any], language: Language) -> tuple[str, tuple[Option, ...]]:
        product_type = self.catalog.product_type(data["type"])
        assert product_type is not None
        in_warranty = self.warranty(data).state == "in"
        options = []
        for mode in self.modes_for(data):
            if mode == "onsite":
                free = in_warranty and product_type.onsite_free_in_warranty
                label = say("mode.onsite.free" if free else "mode.onsite.fee", language, fee=product_type.onsite_fee)
            else:
                label = say(f"mode.{mode}.label", language)
            options.append(option(label, f"service.{mode}"))
        return say("ask.service", language), tuple(options)

    async def _day_question(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> tuple[str, tuple[Option, ...]] | None:
        data = bk["data"]
        centre = self.catalog.centre(data["centre"])
        assert centre is not None
        days = await available_slots(turn.session, centre, data["service"], self.now())
        if not days:
            self.no_slot(ctx, centre)
            return None
        return day_options(days, centre, self.local_now(centre.zone).date(), ctx.language, "day")

    def no_slot(self, ctx: TurnContext, centre: ServiceCentre) -> None:
        self.leave(ctx)
        hand_off(ctx, "no_slot", say("no_slot", ctx.language, centre=centre.name[ctx.language], phone=centre.phone))

    async def _slot_question(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]
    ) -> tuple[str, tuple[Option, ...]] | None:
        """The free slots of the chosen day (None, and the day cleared, when it has none left)."""
        data = bk["data"]
        centre = self.catalog.centre(data["centre"])
        assert centre is not None
        day = dt.date.fromisoformat(data["day"])
        days = await available_slots(turn.session, centre, data["service"], self.now())
        slots = days.get(day, [])
        if not slots:
            data.pop("day", None)
            return None
        window = bk.get("filter")
        if window:
            narrowed = [s for s in slots if window[0] <= s.start.strftime("%H:%M") <= window[1]]
            slots = narrowed or slots
        today = self.local_now(centre.zone).date()
        return slot_options(slots, render.day_label(day, today, ctx.language), ctx.language, "slot")

    def _confirm_question(
        self, bk: dict[str, Any], language: Language, *, brief: bool = False
    ) -> tuple[str, tuple[Option, ...]]:
        """The summary and its options; `brief` (SMS): four short lines, the rest on request (a fourth option)."""
        data = bk["data"]
        if bk.get("editing"):
            groups = [g for g in CHANGE_GROUPS if g not in ("address", "loaner") or self.applies(g, data)]
            options = tuple(option(say(f"change.{g}", language), f"confirm.edit-{g}") for g in groups)
            return say("ask.change", language), options + (option(say("option.nothing", language), "confirm.edit-none"),)
        options = (
            option(say("option.confirm", language), "confirm.yes"),
            option(say("option.change", language), "confirm.change"),
            option(say("option.cancel", language), "confirm.cancel"),
        )
        if brief and not bk.pop("details", False):
            summary = render.brief_summary(self.catalog, data, language, self.today())
            return say("ask.confirm", language, summary=summary), (
                *options,
                option(say("option.details", language), "confirm.details"),
            )
        return say("ask.confirm", language, summary=self.summary(data, language)), options

    def summary(self, data: dict[str, Any], language: Language) -> str:
        purchase = data.get("purchase")
        status = self.warranty(data)
        extra = {
            "purchase": render.purchase(
                dt.date.fromisoformat(purchase["first"]), dt.date.fromisoformat(purchase["last"]), language
            )
            if purchase
            else say("summary.purchase_unknown", language),
            "warranty": self.warranty_word(status, language),
        }
        return render.summary(self.catalog, data, language, self.today(), extra)

    def warranty_word(self, status: WarrantyStatus, language: Language) -> str:
        if status.state == "unknown" or status.until is None:
            return say("warranty.word.unknown", language)
        return say(f"warranty.word.{status.state}", language, until=render.full_date(status.until, language))

    # -- answers --------------------------------------------------------------------------------

    def _suggest(self, ctx: TurnContext, bk: dict[str, Any], step: str, models: list[ProductModel]) -> _Handled:
        bk["suggest"] = [m.id for m in models]
        language = ctx.language
        options = tuple(option(m.name, f"{step}.m-{m.id}") for m in models)
        options += (option(say("option.none_of_these", language), f"{step}.none"),)
        question = (
            say("did_you_mean", language, name=models[0].name) if len(models) == 1 else say("did_you_mean_many", language)
        )
        self.ask(ctx, bk, question, ReplyKind.CLARIFY, options)
        return HANDLED

    def _take_suggestion(self, bk: dict[str, Any], text: str, value: str | None) -> ProductModel | None | bool:
        """A pending "did you mean": the model chosen, False for "none of these", None when not an answer to it."""
        suggested = bk.get("suggest") or []
        if not suggested:
            return None
        if value == "none" or (value is None and is_no(text)):
            bk.pop("suggest", None)
            return False
        if value is not None and value.startswith("m-"):
            return self.catalog.model(value[2:]) if value[2:] in suggested else None
        if value is None and is_yes(text):
            return self.catalog.model(suggested[0])
        return None

    def _set_model(self, bk: dict[str, Any], model: ProductModel) -> None:
        self.assign(bk, "type", model.type_id)
        self.assign(bk, "model", model.id)

    async def _answer_type(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        chosen = self._take_suggestion(bk, text, value)
        if isinstance(chosen, ProductModel):
            self._set_model(bk, chosen)
            return None
        if chosen is False:
            await self.prompt(ctx, turn, bk)
            return HANDLED
        if value is not None:
            if self.catalog.product_type(value) is None:
                return Problem("bad.type")
            self.assign(bk, "type", value)
            return None
        product_type = match_type(self.catalog, text)
        if product_type is not None:
            self.assign(bk, "type", product_type.id)
            model = model_in_text(self.catalog, text)
            if model is not None and model.type_id == product_type.id:
                self.assign(bk, "model", model.id)
            return None
        found = match_model(self.catalog, text)
        if found.sure is not None:
            self._set_model(bk, found.sure)
            return None
        if found.suggestions:
            return self._suggest(ctx, bk, "type", list(found.suggestions))
        return Problem("bad.type")

    async def _answer_model(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        chosen = self._take_suggestion(bk, text, value)
        if isinstance(chosen, ProductModel):
            self._set_model(bk, chosen)
            return None
        if chosen is False:
            await self.prompt(ctx, turn, bk)
            return HANDLED
        if value is not None:
            model = self.catalog.model(value)
            if model is None:
                return Problem("bad.model", {"text": value})
            self._set_model(bk, model)
            return None
        found = match_model(self.catalog, text, bk["data"]["type"])
        if found.sure is not None:
            self._set_model(bk, found.sure)
            return None
        if found.suggestions:
            return self._suggest(ctx, bk, "model", list(found.suggestions))
        product_type = match_type(self.catalog, text)
        if product_type is not None and product_type.id != bk["data"]["type"]:
            self.assign(bk, "type", product_type.id)  # "oh, it's the laptop actually"
            return None
        return Problem("bad.model", {"text": text[:40]})

    async def _answer_serial(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        if value == "skip" or (value is None and is_skip(text)):
            self.assign(bk, "serial", None)
            return None
        if value is not None:
            return Problem("bad.serial")
        model = self.model_of(bk["data"])
        parsed = parse_device_id(text, model.identifier if model else "serial")
        if isinstance(parsed, DeviceId):
            self.assign(bk, "serial", {"kind": parsed.kind, "value": parsed.value})
            return None
        return Problem({"bad_imei": "bad.imei", "imei_letters": "bad.imei_letters"}.get(parsed, "bad.serial"))

    async def _answer_fault(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        if value is not None or len(_LETTERS.findall(text)) < 2:
            return Problem("bad.fault")
        self.assign(bk, "fault", text[:MAX_FAULT_CHARS])
        return None

    async def _answer_purchase(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        if value == "skip" or (value is None and is_skip(text)):
            self.assign(bk, "purchase", None)
            ctx.reply(say("warranty.unknown", ctx.language), ReplyKind.INFO)
            return None
        if value is not None:
            return Problem("bad.purchase")
        parsed = parse_purchase_date(text, self.today())
        if not isinstance(parsed, DateSpan):
            return Problem(
                {"unparsed": "bad.purchase", "future": "bad.purchase_future", "too_old": "bad.purchase_old"}[parsed]
            )
        self.assign(bk, "purchase", {"first": parsed.first.isoformat(), "last": parsed.last.isoformat()})
        ctx.reply(self.warranty_message(bk["data"], parsed, ctx.language), ReplyKind.INFO)
        return None

    def warranty_message(self, data: dict[str, Any], span: DateSpan, language: Language) -> str:
        """What the purchase date means: in or out of warranty, until when, and the promises that apply."""
        model = self.model_of(data)
        product_type = self.catalog.product_type(data["type"])
        assert model is not None and product_type is not None
        status = self.warranty(data)
        assert status.until is not None
        values = {
            "model": model.name,
            "date": render.purchase(span.first, span.last, language),
            "policy": model.warranty.summary[language],
            "until": render.full_date(status.until, language),
        }
        if status.state == "in":
            lines = [say("warranty.in", language, **values)]
            if product_type.replacement_promise:
                lines.append(say("warranty.promise", language))
            if status.days_owned is not None and status.days_owned <= RETURN_DAYS:
                lines.append(say("warranty.return", language, days=RETURN_DAYS))
            elif status.days_owned is not None and status.days_owned <= EXCHANGE_DAYS:
                lines.append(say("warranty.exchange", language, days=EXCHANGE_DAYS))
        else:
            lines = [say("warranty.out", language, **values)]
        if not span.exact:
            lines.append(say("warranty.approx", language))
        return "\n".join(lines)

    async def _answer_service(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        allowed = self.modes_for(bk["data"])
        mode = value
        if mode is None:
            compact = key(text)
            hits = [m for m, words in _MODE_WORDS.items() if any(key(w) in compact for w in words)]
            if len(hits) != 1:
                hits = [m for m in MODES if key(say(f"mode.{m}", ctx.language)) in compact] or hits
            mode = hits[0] if len(hits) == 1 else None
        if mode in allowed:
            self.assign(bk, "service", mode)
            return None
        if mode in MODES:
            return Problem("bad.service_unavailable", {"mode": say(f"mode.{mode}", ctx.language)})
        return Problem("bad.service")

    async def _answer_city(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        data = bk["data"]
        language = ctx.language
        if value is not None:
            city = value if self.catalog.centres_in(value) else None
        else:
            found = match_city(self.catalog, text)
            city = found.sure or (found.suggestions[0] if len(found.suggestions) == 1 else None)
        if city is None:
            names = say("list.separator", language).join(c.city[language] for c in self.catalog.cities(data.get("service")))
            return Problem("bad.city", {"cities": names})
        centres = self.catalog.centres_in(city, data.get("service"))
        if not centres:
            # The city has centres, but none offers the chosen service: keep the city, ask the service again.
            name = self.catalog.centres_in(city)[0].city[language]
            mode = say(f"mode.{data['service']}", language)
            self.assign(bk, "city", city)
            bk["old"].pop("service", None)
            data.pop("service", None)
            ctx.reply(say("city.mode_unavailable", language, city=name, mode=mode), ReplyKind.INFO)
            return None
        self.assign(bk, "city", city)
        if value is None:
            centre = centre_in_text(centres, text)
            if centre is not None:
                self.assign(bk, "centre", centre.id)
        return None

    async def _answer_centre(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        data = bk["data"]
        centres = self.catalog.centres_in(data["city"], data.get("service"))
        if value is not None:
            centre = next((c for c in centres if c.id == value), None)
        else:
            centre = match_centre(centres, text)
            if centre is None and len(centres) == 1 and is_yes(text):
                centre = centres[0]
        if centre is None:
            return Problem("bad.centre")
        self.assign(bk, "centre", centre.id)
        bk.pop("auto", None)  # the customer's own choice
        return None

    async def _answer_address(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        if value is not None or len(re.findall(r"[^\W_]", text)) < 5:
            return Problem("bad.address")
        self.assign(bk, "address", text[:200])
        return None

    async def _answer_day(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        data = bk["data"]
        centre = self.catalog.centre(data["centre"])
        assert centre is not None
        days = await available_slots(turn.session, centre, data["service"], self.now())
        today = self.local_now(centre.zone).date()
        if value is not None:
            try:
                day = dt.datetime.strptime(value, "%Y%m%d").date()
            except ValueError:
                return Problem("bad.day")
            if day not in days:
                return Problem("bad.day_full", {"day": render.day_label(day, today, ctx.language)})
            self.assign(bk, "day", day.isoformat())
            return None
        wish = parse_when(text, self.local_now(centre.zone).replace(tzinfo=None))
        if wish is None:
            return Problem("bad.day")
        day = wish.start.date()
        if day not in days:
            return Problem("bad.day_full", {"day": render.day_label(day, today, ctx.language)})
        self.assign(bk, "day", day.isoformat())
        if wish.has_time:
            self._narrow(bk, days[day], wish.start.time(), wish.end.time())
        return None

    def _narrow(self, bk: dict[str, Any], slots: list[Slot], start: dt.time, end: dt.time) -> None:
        """A time of day said with the day: take the one slot it names, or offer only the slots in that part of the day."""
        exact = [s for s in slots if s.start.time() <= start < s.end.time()]
        if end.hour - start.hour < 1 and len(exact) == 1:
            self.assign(bk, "slot", {"start": exact[0].start.isoformat(), "end": exact[0].end.isoformat()})
            return
        bk["filter"] = [start.strftime("%H:%M"), end.strftime("%H:%M")]

    async def _answer_slot(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        data = bk["data"]
        centre = self.catalog.centre(data["centre"])
        assert centre is not None
        day = dt.date.fromisoformat(data["day"])
        days = await available_slots(turn.session, centre, data["service"], self.now())
        slots = days.get(day, [])
        if value is not None:
            slot = next((s for s in slots if s.key == value), None)
            if slot is None:
                return Problem("bad.slot_full")
            self.assign(bk, "slot", {"start": slot.start.isoformat(), "end": slot.end.isoformat()})
            return None
        wish = parse_when(text, dt.datetime.combine(day, dt.time(0)))
        if wish is None or not wish.has_time:
            return Problem("bad.slot")
        start, end = wish.start.time(), wish.end.time()
        exact = [s for s in slots if s.start.time() <= start < s.end.time()]
        if not exact and start.hour < 12 and end.hour - start.hour < 1:  # "3点" at a centre open 9-21 means 15:00
            start, end = start.replace(hour=start.hour + 12), end.replace(hour=end.hour + 12)
            exact = [s for s in slots if s.start.time() <= start < s.end.time()]
        if end.hour - start.hour < 1:
            if len(exact) == 1:
                self.assign(bk, "slot", {"start": exact[0].start.isoformat(), "end": exact[0].end.isoformat()})
                return None
            return Problem("bad.slot_none", {"time": start.strftime("%H:%M")})
        within = [s for s in slots if start <= s.start.time() <= end]
        if not within:
            return Problem("bad.slot_none", {"time": f"{start:%H:%M}-{end:%H:%M}"})
        bk["filter"] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
        await self.prompt(ctx, turn, bk)
        return HANDLED

    async def _answer_loaner(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        if value in ("yes", "no"):
            self.assign(bk, "loaner", value == "yes")
            return None
        if value is None and is_yes(text):
            self.assign(bk, "loaner", True)
            return None
        if value is None and is_no(text):
            self.assign(bk, "loaner", False)
            return None
        return Problem("bad.yes_no")

    async def _answer_name(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        name = " ".join(text.split())
        if value is not None or not _LETTERS.search(name) or len(name) > 40 or sum(c.isdigit() for c in name) > 3:
            return Problem("bad.name")
        self.assign(bk, "name", name)
        return None

    async def _answer_phone(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
        region = self._region(bk["data"])
        example = {"example": _PHONE_EXAMPLES.get(region, "13800138000")}
        if value is None and phone_problem(text, region) == "letters":
            return Problem("bad.phone_letters", example)  # "138OO138OOO": never read letters as keypad digits
        phone = parse_phone(text, region) if value is None else None
        if phone is None:
            return Problem("bad.phone", example)
        self.assign(bk, "phone", phone)
        return None

    async def _answer_confirm(
        self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None
    ) -> Outcome:
        data = bk["data"]
        if bk.get("editing"):
            group = value[len("edit-") :] if value and value.startswith("edit-") else None
            if value is None:
                group = self._change_group(text, ctx.language)
                if group is None and is_no(text):
                    group = "none"
            if group == "none":
                bk.pop("editing", None)
                return None
            if group not in CHANGE_GROUPS:
                return Problem("bad.change")
            bk.pop("editing", None)
            for name in CHANGE_GROUPS[group]:
                if name in data:
                    bk["old"][name] = data.pop(name)
            return None
        if value == "cancel":
            self.leave(ctx)
            ctx.reply(say("left", ctx.language), ReplyKind.INFO, ctx.menu_options())
            return HANDLED
        if value == "details" or (value is None and key(text) in _DETAILS):
            bk["details"] = True  # the full summary once, with the centre's address and phone
            return None
        if value == "change" or (value is None and is_change(text)):
            bk["editing"] = True
            return None
        if value == "yes" or (value is None and is_yes(text)):
            await self._book(ctx, turn, bk)
            return HANDLED
        if value is None:
            group = self._change_group(text, ctx.language)
            if group is not None:  # "改一下电话" straight from the summary
                for name in CHANGE_GROUPS[group]:
                    if name in data:
                        bk["old"][name] = data.pop(name)
                return None
        return Problem("bad.confirm")

    def _change_group(self, text: str, language: Language) -> str | None:
        compact = key(text)
        for group in CHANGE_GROUPS:
            for lang in LANGUAGES:
                label = key(say(f"change.{group}", lang))
                if label and (label in compact or compact in label) and len(compact) >= 2:
                    return group
        return None

    # -- storing ----------------------------------------------------------------------------------

    async def _book(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> None:
        data = bk["data"]
        language = ctx.language
        model = self.model_of(data)
        centre = self.catalog.centre(data["centre"])
        assert model is not None and centre is not None
        start = dt.datetime.fromisoformat(data["slot"]["start"])
        real = find_slot(centre, data["service"], start.strftime("%Y%m%d%H%M"))
        if real is None or start <= self.now() or data["service"] not in centre.modes:
            data.pop("slot", None)
            await self.prompt(ctx, turn, bk, say("slot_gone", language))
            return
        purchase = data.get("purchase")
        status = self.warranty(data)
        serial = data.get("serial")
        new = NewBooking(
            channel=turn.conversation.channel,
            customer_id=turn.conversation.customer_id,
            conversation_id=turn.conversation.id,
            language=language,
            product_type=data["type"],
            model_id=model.id,
            model_name=model.name,
            serial=serial["value"] if serial else None,
            serial_kind=serial["kind"] if serial else None,
            fault=data["fault"],
            photos=list(data.get("photos") or []),
            purchase_date=dt.date.fromisoformat(purchase["last"]) if purchase else None,
            purchase_approx=bool(purchase and purchase["first"] != purchase["last"]),
            warranty=status.state,
            warranty_until=status.until,
            service=data["service"],
            city=data["city"],
            centre_id=centre.id,
            address=data.get("address"),
            slot_start=real[0],
            slot_end=real[1],
            loaner=bool(data.get("loaner")),
            contact_name=data["name"],
            phone=data["phone"],
        )
        try:
            booking = await create_booking(turn.session, new, centre.modes[data["service"]].capacity)
        except SlotFull:
            data.pop("slot", None)
            await self.prompt(ctx, turn, bk, say("slot_taken", language))
            return
        self.leave(ctx)
        when = render.when(real[0], real[1], self.local_now(centre.zone).date(), language)
        lines = [say("booked", language, ticket=booking.ticket, when=when)]
        lines.append(
            say(
                f"next.{data['service']}",
                language,
                centre=render.centre_line(centre, language),
                address=data.get("address") or "",
            )
        )
        if data.get("loaner"):
            lines.append(say("next.loaner", language))
        callback = callback_promise(self.now(), self.zone, self.catalog.calendar)
        if callback is None:
            lines.append(say("next.call_soon", language))
        else:
            lines.append(say("next.call_later", language, day=render.day_label(callback, self.today(), language)))
        lines.append(say("next.manage", language, ticket=booking.ticket))
        ctx.reply("\n".join(lines), ReplyKind.INFO)
        log.info(
            "booking %s stored for %s/%s at %s %s",
            booking.ticket,
            new.channel,
            new.customer_id,
            centre.id,
            real[0].isoformat(),
        )


def day_options(
    days: dict[dt.date, list[Slot]], centre: ServiceCentre, today: dt.date, language: Language, step: str
) -> tuple[str, tuple[Option, ...]]:
    """The day question: days with free slots, as options."""
    text = say("ask.day", language, centre=centre.name[language], hours=render.hours_text(centre, language))
    options = tuple(
        option(
            say("option.day", language, day=render.day_label(day, today, language), count=len(slots)), f"{step}.{day:%Y%m%d}"
        )
        for day, slots in days.items()
    )
    return text, options


def slot_options(slots: list[Slot], day_label: str, language: Language, step: str) -> tuple[str, tuple[Option, ...]]:
    """The time question: the free slots of a day, with seats left."""
    text = say("ask.slot", language, day=day_label)
    options = tuple(
        option(say("option.slot", language, time=render.time_range(s.start, s.end), free=s.free), f"{step}.{s.key}")
        for s in slots
    )
    return text, options
