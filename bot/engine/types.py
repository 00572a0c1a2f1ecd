"""What flows in and out of the conversation engine, independent of any channel.

A channel turns what it received into an `Inbound`, hands it to `Engine.handle`, and renders the
`Reply` objects it gets back: Telegram as messages with inline keyboards, the console and SMS as text
with numbered options. The engine never knows which channel it talks to beyond its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.safetext import storable_or_none
from bot.settings import Language

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class InboundKind(StrEnum):
    """What the customer sent. Anything but TEXT gets a polite "I can only read text" reply."""

    TEXT = "text"
    PHOTO = "photo"
    STICKER = "sticker"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACT = "contact"
    OTHER = "other"


class ActionKind(StrEnum):
    """A structured choice (a button press, or a digit answering a numbered list)."""

    INTENT = "intent"  # value: an FAQ entry id, chosen from a "did you mean" list
    MENU = "menu"  # value: faq | book | status | human
    FEEDBACK = "feedback"  # value: up | down; message_id: the answer it rates
    LANGUAGE = "language"  # value: zh-Hans | zh-Hant | en
    RESET = "reset"  # /start: forget the current flow, greet again
    HELP = "help"  # /help
    HANDOFF = "handoff"  # value: cancel (leave the human queue, back to the bot)
    SURVEY = "survey"  # value: 1..5 | skip; message_id: the escalation rated
    TICKET_SURVEY = "ticket_survey"  # value: 1..5 | skip; message_id: the repair ticket's booking id
    REMINDERS = "reminders"  # value: off | on (reminders the customer did not ask for: warranty expiry)


@dataclass(frozen=True)
class Action:
    """A choice the customer made by pressing a button (or typing its number)."""

    kind: ActionKind
    value: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Inbound:
    """One customer message, as any channel delivers it."""

    channel: str  # "console", "telegram", "sms"
    customer_id: str  # the channel's stable id for the customer: chat id, phone number
    text: str | None = None
    kind: InboundKind = InboundKind.TEXT
    action: Action | None = None
    language_hint: Language | None = None  # e.g. Telegram's language_code, used until text says otherwise
    display_name: str | None = None
    external_id: str | None = None  # the channel's id for this message, for de-duplication
    attachment: str | None = None  # the channel's reference to a photo / file / voice note, kept in the transcript

    def __post_init__(self) -> None:
        # Whatever the channel got (lone surrogates from a JSON body, NUL), the engine, the matcher and
        # the database only ever see text they can encode: such a message is stored and answered.
        object.__setattr__(self, "text", storable_or_none(self.text))
        object.__setattr__(self, "display_name", storable_or_none(self.display_name))


class ReplyKind(StrEnum):
    """Why the engine said what it said; channels use it for rendering choices, tests for assertions."""

    ANSWER = "answer"  # an FAQ answer: Telegram adds 👍 / 👎
    CLARIFY = "clarify"  # "did you mean A or B?", with options
    HANDOFF = "handoff"  # the conversation goes to a person
    NOT_UNDERSTOOD = "not_understood"  # low confidence, asked to rephrase
    MENU = "menu"  # greeting with the main menu
    INFO = "info"  # help, acknowledgements, language changed, ...
    UNSUPPORTED = "unsupported"  # a photo, sticker, too long or binary message
    STALE = "stale"  # a button that is no longer valid (forged, or from an old message): shown as an alert


@dataclass(frozen=True)
class Option:
    """One choice offered to the customer: a button on Telegram, a numbered line elsewhere."""

    label: str
    action: Action


@dataclass(frozen=True)
class Handoff:
    """The engine's decision to pass the conversation to a person."""

    reason: str  # "human" | "complaint" | "low_confidence" | "unsupported" | ...
    priority: int = 0  # higher is more urgent


@dataclass(frozen=True)
class Reply:
    """One message the bot sends back."""

    text: str
    kind: ReplyKind
    language: Language
    options: tuple[Option, ...] = ()
    intent_id: str | None = None
    confidence: float | None = None
    handoff: Handoff | None = None
    message_id: int | None = None  # id of the stored outbound message (feedback refers to it)
    # The catalog message the reply was made from (`bot.i18n`), None for a knowledge-base answer:
    # tests and channels can tell replies apart without reading sentences.
    key: str | None = None
    values: Mapping[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Outcome:
    """Everything the engine produced for one inbound message."""

    replies: tuple[Reply, ...]
    conversation_id: int
    language: Language
    duplicate: bool = False  # the channel already delivered this message once: send nothing
    handoff: Handoff | None = field(default=None)
    # A person handles the conversation: the message went to them and the bot may have nothing to say.
    relayed: bool = False
    # Agent messages this customer has not received yet (held while unreachable, or still failing). The
    # engine only reports them; `Runtime.handle` delivers them after the turn committed (SMS's `keep`
    # queues them in the turn's own transaction instead, before its answer).
    undelivered: bool = False


# What a channel keeps in the turn's own transaction, given the turn's session and what the engine
# answered: Telegram and SMS queue the replies they will send (SMS also the agent messages the customer
# missed, before them), so that the message, the conversation's new state and the replies to send are
# committed together (or not at all), in one commit instead of two.
KeepWithTurn = Callable[["AsyncSession", Outcome], Awaitable[None]]
