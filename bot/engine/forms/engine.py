"""The form engine: the loop every form shares, over any ordered list of fields (field.py).

The current question is the one being changed from the summary, else the first unanswered field that
applies; once there is none the form shows its summary. An answer is read by its field; a refused one
is excused (it was no mistake), or answered from the FAQ when it was a question, or re-asked with the
reason, and too many refusals in a row hand the customer to a person. "Back" forgets the answer before
the current question. What differs between forms (the draft kept in the conversation state, the
wording, what the FAQ takes as a question, who is told at the end) comes from the form's `FormHooks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from bot.engine.forms.field import ASK_AGAIN, HANDLED, TAKEN, Field, Refusal

MAX_FAILS = 3

S = TypeVar("S")


class Draft(Protocol):
    """The answers so far, as the engine needs them; each form keeps its own typed draft."""

    fails: int  # refused answers in a row at the current question

    def has(self, field_id: str) -> bool:
        """The field has an answer (None for a skipped optional one counts)."""

    def changing(self) -> str | None:
        """The field chosen on the summary to answer again, if any."""

    def take(self, field_id: str, value: Any, dependents: tuple[str, ...]) -> None:
        """Keep an answer; a changed one clears `dependents`."""

    def forget(self, field_id: str) -> bool:
        """Drop an answer for "back"; False when the bot gave it (then "back" goes one further)."""

    def leave_change(self) -> bool:
        """Called at every "back": True when it only ended changing an answer from the summary."""


class FormHooks(Protocol[S]):
    """What a form does its own way."""

    def draft(self, state: S) -> Draft:
        """The draft the engine reads and changes."""

    async def ask_current(self, state: S, prefix: str | None = None) -> None:
        """Ask the current question (or show the summary), after `prefix` when given."""

    def free_text_interruption(self, state: S, field: Field[S], text: str) -> bool:
        """At a free-text field: the message was a question, answered instead (True)."""

    def interruption(self, state: S, field: Field[S], text: str) -> bool:
        """A refused answer that was a question: answered instead (True)."""

    def excused(self, state: S, field: Field[S], text: str) -> bool:
        """A refused answer that is no mistake (a day said early, the centre the bot chose): kept, re-ask."""

    async def after_interruption(self, state: S) -> None:
        """Carry on after an FAQ answer: the question again, unless it handed off."""

    async def retry(self, state: S, field: Field[S], refusal: Refusal) -> None:
        """Re-ask after a refused answer, saying why."""

    def give_up(self, state: S) -> None:
        """Too many refused answers: leave the form and hand over to a person."""

    def running(self, state: S) -> bool:
        """The form is still in progress (a field may end it: a hand-off when no slot is free)."""


class FormEngine(Generic[S]):
    """Runs one ordered list of fields with one form's hooks."""

    def __init__(self, fields: Sequence[Field[S]], hooks: FormHooks[S], max_fails: int = MAX_FAILS) -> None:
        self.fields = tuple(fields)
        self.hooks = hooks
        self.max_fails = max_fails

    def field(self, field_id: str) -> Field[S] | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def current(self, state: S) -> Field[S] | None:
        """The question to ask now; None once every field that applies is answered (the summary)."""
        draft = self.hooks.draft(state)
        changing = draft.changing()
        if changing is not None and (chosen := self.field(changing)) is not None:
            return chosen
        return next((f for f in self.fields if not draft.has(f.id) and f.applies(state)), None)

    def back(self, state: S) -> bool:
        """Forget the answer before the current question; False when there is none (the first question)."""
        draft = self.hooks.draft(state)
        if draft.leave_change():
            return True
        current = self.current(state)
        before = self.fields[: self.fields.index(current)] if current is not None else self.fields
        for previous in reversed(before):
            if draft.has(previous.id) and previous.applies(state) and draft.forget(previous.id):
                return True
        return False

    def change(self, state: S, field_ids: Sequence[str]) -> None:
        """Forget answers chosen on the summary: the first-unanswered rule asks them again."""
        draft = self.hooks.draft(state)
        for field_id in field_ids:
            if draft.has(field_id):
                draft.forget(field_id)

    async def answer(self, state: S, field: Field[S], text: str, choice: str | None) -> None:
        """Read the answer to `field` (typed `text`, or the pressed `choice`) and carry on from there."""
        hooks = self.hooks
        typed = choice is None
        if typed and field.free_text and hooks.free_text_interruption(state, field, text):
            await hooks.after_interruption(state)
            return
        value = await field.read(state, text, choice)
        if value is HANDLED:
            return
        if value is ASK_AGAIN:
            await hooks.ask_current(state)
            return
        if isinstance(value, Refusal):
            await self._refused(state, field, text, typed, value)
            return
        draft = hooks.draft(state)
        if value is not TAKEN:
            draft.take(field.id, value, field.dependents)
        draft.fails = 0
        if hooks.running(state):
            await hooks.ask_current(state)

    async def refuse(self, state: S, field: Field[S], refusal: Refusal) -> None:
        """Count an answer that is none for `field` (a button of another question) and re-ask it."""
        await self._refused(state, field, "", False, refusal)

    async def _refused(self, state: S, field: Field[S], text: str, typed: bool, refusal: Refusal) -> None:
        hooks = self.hooks
        if typed and hooks.excused(state, field, text):
            await hooks.ask_current(state)
            return
        if typed and not field.free_text and hooks.interruption(state, field, text):
            await hooks.after_interruption(state)
            return
        draft = hooks.draft(state)
        draft.fails += 1
        if draft.fails >= self.max_fails:
            hooks.give_up(state)
            return
        await hooks.retry(state, field, refusal)
