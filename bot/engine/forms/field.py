"""What every form is made of: fields that each ask, read and show one answer.

The engine (engine.py) runs any ordered list of fields the same way, whether the list comes from an
operator's YAML (yaml_fields.py) or from code (the repair booking, bot/engine/booking/fields.py).
A field sees the form through a per-turn state `S` of its form's own choosing (the conversation turn,
the typed draft, the clock...), so the engine needs to know nothing about what is being filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bot.engine.types import Action, ActionKind, Option
from bot.settings import Language


@dataclass(frozen=True)
class Refusal:
    """Why an answer was not taken: a message key and its values, for the re-ask."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class Signal:
    """An outcome of asking or reading that is neither a value nor a refusal."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


# The field replied itself (a "did you mean", a hand-off): the turn is over.
HANDLED = Signal("handled")
# The answer changed what the current question offers (a part of the day narrows the slots): ask it again.
ASK_AGAIN = Signal("ask_again")
# The field stored the answer itself: one answer can fill several fields (a model names its type too).
TAKEN = Signal("taken")

Read = Any  # a value to store, a Refusal, or one of the signals above


@dataclass(frozen=True)
class Question:
    """What asking a field sends: the question and its options (buttons, numbered lines)."""

    text: str
    options: tuple[Option, ...] = ()


def button(action: Action | None, prefix: str) -> tuple[str, str] | None:
    """("model", "x20pro") for a form's button `Action(INTENT, "<prefix>model.x20pro")`, None for any other."""
    if action is None or action.kind is not ActionKind.INTENT or not action.value.startswith(prefix):
        return None
    field_id, _, value = action.value[len(prefix) :].partition(".")
    return field_id, value


S_contra = TypeVar("S_contra", contravariant=True)


class Field(Protocol[S_contra]):
    """One question of a form; `S` is the per-turn state its form hands every field."""

    @property
    def id(self) -> str:
        """Stable: stored in drafts and in button actions."""

    @property
    def free_text(self) -> bool:
        """Anything is an answer here, so a message is only an FAQ question when it reads as one."""

    @property
    def dependents(self) -> tuple[str, ...]:
        """Answers that no longer hold once this one changes (a new centre needs a new slot)."""

    def applies(self, state: S_contra) -> bool:
        """Whether the question is asked at all, given the answers so far."""

    async def ask(self, state: S_contra) -> Question | Signal:
        """The question; or HANDLED (the field ended the turn), or ASK_AGAIN (it answered itself)."""

    async def read(self, state: S_contra, text: str, choice: str | None) -> Read:
        """The answer typed (`text`) or pressed (`choice`, the button's value) as a value to keep."""

    def shown(self, state: S_contra, language: Language) -> str | None:
        """The answer as the summary shows it; None when the form's summary words it otherwise."""
