"""The booking's summary as the form engine's last question: confirm, change which answers, or cancel.

It is not in the field list (it is asked once no field is left), but the engine reads its answer like
any field's, so a bad answer at the summary is re-asked, answered from the FAQ or counted the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.engine.booking.draft import BookingTurn
from bot.engine.booking.fields import BookingField
from bot.engine.booking.form import CONFIRM
from bot.engine.booking.messages import say
from bot.engine.booking.summary import (
    BRIEF_CHANNELS,
    Groups,
    confirm_question,
    read_confirm_answer,
)
from bot.engine.context import TurnContext
from bot.engine.forms.field import HANDLED, TAKEN, Question, Read
from bot.engine.types import ReplyKind
from bot.knowledge.catalog import Catalog
from bot.settings import Language


class SummaryHost(Protocol):
    """What the summary needs of the booking flow (`BookingFlow`)."""

    catalog: Catalog
    fields: tuple[BookingField, ...]
    groups: Groups

    def leave(self, ctx: TurnContext) -> None: ...

    async def book(self, state: BookingTurn) -> None: ...

    def forget(self, state: BookingTurn, field_ids: Sequence[str]) -> None: ...


def offered_groups(fields: Sequence[BookingField], groups: Groups, state: BookingTurn) -> Groups:
    """The summary's "change ..." choices that apply to this booking (an address only when asked)."""
    applying = {f.id for f in fields if f.applies(state)}
    return {group: ids for group, ids in groups.items() if applying.intersection(ids)}


def summary_lines(fields: Sequence[BookingField], state: BookingTurn, language: Language) -> tuple[str, ...]:
    """Lines of the fields that show themselves in the summary (questions added to the list)."""
    return tuple(line for f in fields if (line := f.shown(state, language)) is not None)


class SummaryField:
    """The summary, read by the engine like a field (`bot.engine.forms.field.Field`)."""

    id = CONFIRM
    free_text = False
    dependents: tuple[str, ...] = ()

    def __init__(self, host: SummaryHost) -> None:
        self.host = host

    def applies(self, state: BookingTurn) -> bool:
        return True

    async def ask(self, state: BookingTurn) -> Question:
        host, language = self.host, state.language
        brief = state.turn.conversation.channel in BRIEF_CHANNELS
        offered = offered_groups(host.fields, host.groups, state)
        extra = summary_lines(host.fields, state, language)
        return Question(*confirm_question(host.catalog, state.bk, language, state.today, offered, extra, brief=brief))

    async def read(self, state: BookingTurn, text: str, choice: str | None) -> Read:
        decision = read_confirm_answer(self.host.groups, state.bk, text, choice)
        if decision == "cancel":
            self.host.leave(state.ctx)
            state.ctx.reply(say("left", state.language), ReplyKind.INFO, state.ctx.menu_options())
            return HANDLED
        if decision == "book":
            await self.host.book(state)
            return HANDLED
        if isinstance(decision, tuple):  # "change ...": forget those answers, the engine asks them again
            self.host.forget(state, decision)
            return TAKEN
        return TAKEN if decision is None else decision

    def shown(self, state: BookingTurn, language: Language) -> str | None:
        return None
