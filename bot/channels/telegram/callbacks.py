"""Typed callback data for the inline buttons, and the mapping to and from the engine's `Action`.

Telegram gives a button at most 64 bytes of callback data and hands back whatever a client sends,
so every payload is parsed by a typed `CallbackData` class: anything that does not parse (a forged or
outdated payload) falls through to the "button no longer valid" alert instead of reaching the engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from typing import Literal

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from pydantic import Field

from bot.coordination import REDIS_ERRORS, SharedValues
from bot.engine.types import Action, ActionKind

log = logging.getLogger(__name__)

MenuItem = Literal["faq", "book", "status", "human"]
Vote = Literal["up", "down"]
LanguageCode = Literal["zh-Hans", "zh-Hant", "en"]
CommandName = Literal["reset", "help"]
HandoffOp = Literal["cancel"]
SurveyValue = Literal["1", "2", "3", "4", "5", "skip"]
RemindersValue = Literal["off", "on"]

# An FAQ entry id longer than fits in a button is sent as "~" + a short hash of it; one with a ":" in
# it as "!" + the id with ":" (and "%") percent-escaped.
_HASH_MARK = "~"
_ESCAPE_MARK = "!"
REF_TTL = 30 * 24 * 3600  # how long a run-time hash resolves on other instances (buttons get old)
_HASH_CHARS = 20


class IntentChoice(CallbackData, prefix="q"):
    """A "did you mean" choice or a popular question: the FAQ entry id (or its hash)."""

    ref: str = Field(min_length=1, max_length=MAX_CALLBACK_LENGTH - 2)


class Feedback(CallbackData, prefix="fb"):
    """👍 / 👎 under an answer; `message_id` is the engine's stored outbound message id."""

    message_id: int = Field(gt=0)
    vote: Vote


class Menu(CallbackData, prefix="m"):
    """A main-menu button."""

    item: MenuItem


class LanguageChoice(CallbackData, prefix="lang"):
    """One of the three language buttons."""

    language: LanguageCode


class CommandButton(CallbackData, prefix="cmd"):
    """A button standing for /start or /help."""

    name: CommandName


class HandoffButton(CallbackData, prefix="ho"):
    """"Back to the assistant" under a hand-off reply: leave the human queue."""

    op: HandoffOp


class SurveyButton(CallbackData, prefix="sv"):
    """A satisfaction score (or Skip) for the escalation an agent closed."""

    escalation: int = Field(gt=0)
    value: SurveyValue


class TicketSurveyButton(CallbackData, prefix="tsv"):
    """A satisfaction score (or Skip) for a closed repair ticket; `booking` is the ticket's booking id
    (the engine checks it is the customer's own, closed, not yet scored)."""

    booking: int = Field(gt=0)
    value: SurveyValue


class RemindersButton(CallbackData, prefix="rem"):
    """Reminders the customer did not ask for (warranty expiry): switch them off, or on again."""

    value: RemindersValue


def _intent_hash(entry_id: str) -> str:
    return _HASH_MARK + hashlib.blake2b(entry_id.encode(), digest_size=16).hexdigest()[:_HASH_CHARS]


def _escape(entry_id: str) -> str:
    return _ESCAPE_MARK + entry_id.replace("%", "%25").replace(":", "%3A")


def _unescape(ref: str) -> str:
    return ref[len(_ESCAPE_MARK):].replace("%3A", ":").replace("%25", "%")


def _fits(ref: str) -> bool:
    return len(IntentChoice.__prefix__) + 1 + len(ref.encode()) <= MAX_CALLBACK_LENGTH


class IntentRefs:
    """Turns FAQ entry ids (and the flows' choice values) into callback references and back.

    With several instances, the button one instance sent may be pressed on another, so a reference
    is resolved from what every instance has rather than from what this one made: an id that fits is
    the reference itself (escaped when it holds the ":" callback data uses as separator, e.g. a booking
    slot's time); an id too long to fit is hashed, and the hash is found among the knowledge base's
    entry ids (every instance loads the same) or, for a value made up at run time, in the shared store
    when there is one (`share`: Redis, kept `REF_TTL`). An unknown hash stays itself (the engine calls
    the button stale).
    """

    def __init__(self, entry_ids: Iterable[str] = ()) -> None:
        self._by_hash: dict[str, str] = {}
        for entry_id in entry_ids:
            self._by_hash[_intent_hash(entry_id)] = entry_id
        self._known = frozenset(self._by_hash)  # from the knowledge base: every instance has these
        self.shared: SharedValues | None = None
        self._writes: set[asyncio.Task[None]] = set()

    def share(self, values: SharedValues | None) -> None:
        """Keep run-time hashes in `values` too, so other instances can resolve them (`load`)."""
        self.shared = values

    def ref(self, entry_id: str) -> str:
        """The reference to put in a button for this entry id."""
        if _fits(entry_id) and not entry_id.startswith((_HASH_MARK, _ESCAPE_MARK)) and ":" not in entry_id:
            return entry_id
        escaped = _escape(entry_id)
        if _fits(escaped):
            return escaped
        hashed = _intent_hash(entry_id)
        if hashed not in self._by_hash:
            self._by_hash[hashed] = entry_id
            self._publish(hashed, entry_id)
        return hashed

    def _publish(self, hashed: str, entry_id: str) -> None:
        """Store a run-time hash for the other instances; it is written long before anyone can press
        the button (the message carrying it is still to be sent)."""
        if self.shared is None or hashed in self._known:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._put(hashed, entry_id), name="button-ref")
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _put(self, hashed: str, entry_id: str) -> None:
        if self.shared is None:
            return
        try:
            await self.shared.put(hashed, entry_id)
        except REDIS_ERRORS as exc:
            log.warning("could not share button reference %s (%s): it works on this instance only", hashed, exc)

    async def load(self, ref: str) -> None:
        """Before a press is handled: fetch a run-time hash another instance made (nothing otherwise)."""
        if self.shared is None or not ref.startswith(_HASH_MARK) or ref in self._by_hash:
            return
        try:
            entry_id = await self.shared.get(ref)
        except REDIS_ERRORS as exc:
            log.warning("could not look up button reference %s (%s)", ref, exc)
            return
        if entry_id is not None:
            self._by_hash[ref] = entry_id

    def entry_id(self, ref: str) -> str:
        """The entry id a reference stands for; an unknown hash maps to itself (the engine calls it stale)."""
        if ref.startswith(_HASH_MARK):
            return self._by_hash.get(ref, ref)
        if ref.startswith(_ESCAPE_MARK):
            return _unescape(ref)
        return ref


def pack_action(action: Action, refs: IntentRefs) -> str | None:
    """Callback data for an engine action, or None when the action cannot be a button."""
    try:
        if action.kind is ActionKind.INTENT:
            return IntentChoice(ref=refs.ref(action.value)).pack()
        if action.kind is ActionKind.MENU:
            return Menu(item=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.LANGUAGE:
            return LanguageChoice(language=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.FEEDBACK and action.message_id is not None:
            return Feedback(message_id=action.message_id, vote=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.RESET:
            return CommandButton(name="reset").pack()
        if action.kind is ActionKind.HELP:
            return CommandButton(name="help").pack()
        if action.kind is ActionKind.HANDOFF:
            return HandoffButton(op=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.SURVEY and action.message_id is not None:
            return SurveyButton(escalation=action.message_id, value=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.TICKET_SURVEY and action.message_id is not None:
            return TicketSurveyButton(booking=action.message_id, value=action.value).pack()  # type: ignore[arg-type]
        if action.kind is ActionKind.REMINDERS:
            return RemindersButton(value=action.value).pack()  # type: ignore[arg-type]
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        log.warning("cannot make a button for %r: %s", action, exc)
        return None
    log.warning("no button for action %r", action)
    return None


def unpack_action(data: CallbackData, refs: IntentRefs) -> Action:
    """The engine action a parsed callback stands for."""
    if isinstance(data, IntentChoice):
        return Action(ActionKind.INTENT, refs.entry_id(data.ref))
    if isinstance(data, Menu):
        return Action(ActionKind.MENU, data.item)
    if isinstance(data, LanguageChoice):
        return Action(ActionKind.LANGUAGE, data.language)
    if isinstance(data, Feedback):
        return Action(ActionKind.FEEDBACK, data.vote, message_id=data.message_id)
    if isinstance(data, CommandButton):
        return Action(ActionKind.RESET if data.name == "reset" else ActionKind.HELP)
    if isinstance(data, HandoffButton):
        return Action(ActionKind.HANDOFF, data.op)
    if isinstance(data, SurveyButton):
        return Action(ActionKind.SURVEY, data.value, message_id=data.escalation)
    if isinstance(data, TicketSurveyButton):
        return Action(ActionKind.TICKET_SURVEY, data.value, message_id=data.booking)
    if isinstance(data, RemindersButton):
        return Action(ActionKind.REMINDERS, data.value)
    raise TypeError(f"unknown callback data {data!r}")


CALLBACK_TYPES: tuple[type[CallbackData], ...] = (
    IntentChoice, Feedback, Menu, LanguageChoice, CommandButton, HandoffButton, SurveyButton, TicketSurveyButton,
    RemindersButton,
)


def parse_callback(raw: str | None) -> CallbackData | None:
    """Parse raw callback data into one of our types; None when it is not one of ours (forged, outdated)."""
    if not raw:
        return None
    prefix = raw.split(":", 1)[0]
    for kind in CALLBACK_TYPES:
        if kind.__prefix__ == prefix:
            try:
                return kind.unpack(raw)
            except (TypeError, ValueError):
                return None
    return None
