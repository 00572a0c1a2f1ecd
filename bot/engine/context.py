"""The state one turn works on: the conversation's language and flow state, and the replies so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.types import Action, ActionKind, Handoff, Option, ReplyKind
from bot.i18n import Message, collect, made_from
from bot.i18n import text as catalog_text
from bot.settings import Language


@dataclass
class Draft:
    """A reply before it is stored (and so before it has a message id).

    `key` and `values` name the catalog message the reply was made from (None for a knowledge-base
    answer). Setting `text` to another catalog message later (the engine swaps "not understood" for
    "unreadable") updates them; appending plain text to it (the hand-off adds the queue position)
    keeps them, since the reply is still that message.
    """

    text: str
    kind: ReplyKind
    options: tuple[Option, ...] = ()
    intent_id: str | None = None
    confidence: float | None = None
    handoff: Handoff | None = None
    key: str | None = None
    values: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key is None and isinstance(self.text, Message):
            self.text = self.text  # sets key and values, as below

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "text" and isinstance(value, Message):
            super().__setattr__("key", value.key)
            super().__setattr__("values", dict(value.values))


@dataclass
class TurnContext:
    """What the steps of the engine read and change while handling one message."""

    language: Language
    brand: str
    state: dict[str, Any]
    low_confidence_streak: int
    drafts: list[Draft] = field(default_factory=list)
    handoff: Handoff | None = None
    intent_id: str | None = None
    confidence: float | None = None
    # Every catalog message made while this turn runs, to name the message of an assembled reply.
    made: list[Message] = field(default_factory=collect, repr=False)

    def say(self, key: str, **values: object) -> Message:
        """The bot's own line in this turn's language: a `str` that carries its catalog key and values."""
        return catalog_text(key, self.language, **values)

    def reply(self, text: str, kind: ReplyKind, options: tuple[Option, ...] = (), **extra: Any) -> None:
        """Queue one reply, noting the catalog message it is made from (none for a knowledge answer)."""
        draft = Draft(text=text, kind=kind, options=options, **extra)
        origin = None if draft.intent_id is not None else made_from(text, self.made)
        if origin is not None and draft.key is None:
            draft.key, draft.values = origin.key, dict(origin.values)
        self.drafts.append(draft)

    def menu_options(self) -> tuple[Option, ...]:
        """The main menu: common questions, book a repair, repair status, talk to a person."""
        return tuple(
            Option(self.say(f"menu.{item}"), Action(ActionKind.MENU, item)) for item in ("faq", "book", "status", "human")
        )
