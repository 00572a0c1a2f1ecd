"""The state one turn works on: the conversation's language and flow state, and the replies so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.messages import say
from bot.engine.types import Action, ActionKind, Handoff, Option, ReplyKind
from bot.settings import Language


@dataclass
class Draft:
    """A reply before it is stored (and so before it has a message id)."""

    text: str
    kind: ReplyKind
    options: tuple[Option, ...] = ()
    intent_id: str | None = None
    confidence: float | None = None
    handoff: Handoff | None = None


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

    def say(self, key: str, **values: object) -> str:
        """The bot's own line in this turn's language."""
        return say(key, self.language, **values)

    def reply(self, text: str, kind: ReplyKind, options: tuple[Option, ...] = (), **extra: Any) -> None:
        """Queue one reply."""
        self.drafts.append(Draft(text=text, kind=kind, options=options, **extra))

    def menu_options(self) -> tuple[Option, ...]:
        """The main menu: common questions, book a repair, repair status, talk to a person."""
        return tuple(
            Option(self.say(f"menu.{item}"), Action(ActionKind.MENU, item)) for item in ("faq", "book", "status", "human")
        )
