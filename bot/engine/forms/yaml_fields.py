"""The typed fields of an operator's YAML form as engine fields (`bot.engine.forms.field.Field`).

One `SpecField` per `FormField` of the spec: it asks the operator's question with the type's buttons
(options, yes / no, skip) and reads the answer with the type's reader (fields.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.engine.answers.words import is_skip
from bot.engine.context import TurnContext
from bot.engine.forms.draft import FormDraft
from bot.engine.forms.field import Question, Read, Refusal, button
from bot.engine.forms.fields import display, read_answer
from bot.engine.types import Action, ActionKind, Option
from bot.i18n import text as line
from bot.knowledge.forms import FormField, FormSpec
from bot.settings import Language

ACTION_PREFIX = "fm."  # Action(INTENT, "fm.<field>.<value>"): short, within Telegram's 64-byte callback data
FREE_TEXT = ("text", "address")


@dataclass
class FormTurn:
    """What the fields of a YAML form see during one turn."""

    ctx: TurnContext
    spec: FormSpec
    draft: FormDraft
    now: dt.datetime  # the form's local time, for dates said as "tomorrow"


@dataclass(frozen=True)
class SpecField:
    """A field of an operator's form, as the engine runs it."""

    spec: FormField

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def free_text(self) -> bool:
        return self.spec.type in FREE_TEXT

    @property
    def dependents(self) -> tuple[str, ...]:
        return ()  # the operator's questions do not depend on each other

    def applies(self, state: FormTurn) -> bool:
        return True

    async def ask(self, state: FormTurn) -> Question:
        field, language = self.spec, state.ctx.language
        options: tuple[Option, ...] = ()
        if field.type == "choice":
            options = tuple(Option(o[language], action(field.id, str(i))) for i, o in enumerate(field.options))
        elif field.type == "yes_no":
            options = (
                Option(line("form.option.yes", language), action(field.id, "1")),
                Option(line("form.option.no", language), action(field.id, "0")),
            )
        if field.optional and field.type != "number":  # "1" typed at a number question is the number, not "skip"
            options += (Option(line("form.option.skip", language), action(field.id, "skip")),)
        return Question(field.ask[language], options)

    async def read(self, state: FormTurn, text: str, choice: str | None) -> Read:
        if choice is not None:
            return _chosen_value(self.spec, choice)
        if self.skipped(text):
            return None
        return read_answer(self.spec, text, state.now, state.ctx.language)

    def skipped(self, text: str) -> bool:
        """"跳过" / "skip" at an optional question: no answer, and no question for the FAQ either."""
        return self.spec.optional and is_skip(text)

    def shown(self, state: FormTurn, language: Language) -> str:
        return display(self.spec, state.draft.answers.get(self.spec.id), language)


def spec_fields(spec: FormSpec) -> tuple[SpecField, ...]:
    return tuple(SpecField(f) for f in spec.fields)


def action(field_id: str, value: str) -> Action:
    return Action(ActionKind.INTENT, f"{ACTION_PREFIX}{field_id}.{value}")


def form_action(action: Action | None) -> tuple[str, str] | None:
    """("symptom", "2") for a form button, ("", "submit") for the summary's; None for anything else."""
    return button(action, ACTION_PREFIX)


def _chosen_value(field: FormField, value: str) -> Any | Refusal:
    if value == "skip" and field.optional:
        return None
    if field.type == "yes_no" and value in ("0", "1"):
        return value == "1"
    if field.type == "choice" and value.isdigit() and int(value) < len(field.options):
        return int(value)
    return Refusal("form.refused.choice")
