"""A form being filled in: a typed draft, kept in the conversation state between messages.

The draft is what survives a restart or a customer coming back hours later: the form's id, the
answers so far (field id -> stored value; None for a skipped optional field), the field being changed
from the summary, and how many refused answers in a row the current question got.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.forms import FormSpec

STATE_KEY = "form"


@dataclass
class FormDraft:
    """The answers collected so far for one form."""

    form_id: str
    answers: dict[str, Any] = field(default_factory=dict)
    editing: str | None = None  # a field chosen on the summary to change
    choosing: bool = False  # the summary's "change which answer?" list is showing
    fails: int = 0  # refused answers in a row at the current question
    language: str | None = None  # the language the form runs in (an account number switches nothing)
    urgent: bool = False  # the customer was angry on the way: the hand-off at the end comes with priority

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FormDraft | None:
        """The draft stored in a conversation's state, or None when there is none (or it is unreadable)."""
        raw = state.get(STATE_KEY)
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("answers"), dict):
            return None
        editing = raw.get("editing")
        return cls(
            form_id=raw["id"],
            answers=dict(raw["answers"]),
            editing=editing if isinstance(editing, str) else None,
            choosing=bool(raw.get("choosing")),
            fails=int(raw.get("fails") or 0),
            language=raw.get("language") if isinstance(raw.get("language"), str) else None,
            urgent=bool(raw.get("urgent")),
        )

    def save(self, state: dict[str, Any]) -> None:
        """Write the draft back into the conversation's state (stored with the turn)."""
        state[STATE_KEY] = {
            "id": self.form_id,
            "answers": self.answers,
            "editing": self.editing,
            "choosing": self.choosing,
            "fails": self.fails,
            "language": self.language,
            "urgent": self.urgent,
        }

    # -- what the engine needs (bot.engine.forms.engine.Draft) ------------------------------------

    def has(self, field_id: str) -> bool:
        return field_id in self.answers

    def changing(self) -> str | None:
        return self.editing

    def take(self, field_id: str, value: Any, dependents: tuple[str, ...] = ()) -> None:
        """Keep an answer (and stop changing it, if it was being changed)."""
        changed = self.answers.get(field_id, value) != value
        self.answers[field_id] = value
        if changed:
            for dependent in dependents:
                self.answers.pop(dependent, None)
        self.editing = None
        self.choosing = False
        self.fails = 0

    def forget(self, field_id: str) -> bool:
        self.answers.pop(field_id, None)
        return True  # every answer of an operator's form is the customer's own

    def leave_change(self) -> bool:
        """While an answer is being changed from the summary, "back" returns to the summary unchanged."""
        self.fails = 0
        if self.editing is not None or self.choosing:
            self.editing, self.choosing = None, False
            return True
        return False

    def forget_unknown(self, spec: FormSpec) -> None:
        """Drop answers to fields the operator removed from the form meanwhile."""
        known = {f.id for f in spec.fields}
        self.answers = {k: v for k, v in self.answers.items() if k in known}
        if self.editing not in known:
            self.editing = None


def leave(state: dict[str, Any]) -> None:
    """End the form: the conversation no longer has one in progress."""
    state.pop("flow", None)
    state.pop(STATE_KEY, None)
