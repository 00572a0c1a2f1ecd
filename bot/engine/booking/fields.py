"""The questions of a new repair booking, in the order they are asked: the one list to edit.

Each `BookingField` names how it is asked (questions.py, day_time.py), how its answer is read (the
*_steps modules), when it applies, and which "change ..." choice of the summary asks it again. The form
engine (bot.engine.forms.engine) asks the first unanswered field that applies, then the summary.

Adding a question is an entry here and its lines in the catalog (bot/i18n/texts/booking_*.py), e.g.

    yes_no_field("accessories", group="accessories"),

after "fault": it is asked after the fault, read as yes / no, shown in the summary ("summary.accessories")
and offered among the summary's "change ..." choices ("change.accessories"). See
tests/booking/test_booking_fields.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.engine.answers.words import is_no, is_yes
from bot.engine.booking import (
    centre_steps,
    contact_steps,
    day_time,
    product_steps,
    questions,
)
from bot.engine.booking.draft import BookingTurn
from bot.engine.booking.form import DEPENDENTS, Outcome, loaner_offered, option
from bot.engine.booking.messages import say
from bot.engine.forms.field import (
    ASK_AGAIN,
    HANDLED,
    TAKEN,
    Question,
    Read,
    Refusal,
    Signal,
)
from bot.settings import Language

AskFn = Callable[[BookingTurn], Awaitable[Question | Signal]]
ReadFn = Callable[[BookingTurn, str, str | None], Awaitable[Read]]


def _always(s: BookingTurn) -> bool:
    return True


@dataclass(frozen=True)
class BookingField:
    """One booking question (a `bot.engine.forms.field.Field` over `BookingTurn`)."""

    id: str
    question: AskFn
    answer: ReadFn
    group: str  # the summary's "change ..." choice that clears it ("change.<group>" in the catalog)
    when: Callable[[BookingTurn], bool] = _always
    free_text: bool = False
    # A line of its own in the summary ("summary.<id>" with {answer}); the original questions are worded
    # together by render.summary.
    summary_line: bool = False

    @property
    def dependents(self) -> tuple[str, ...]:
        return DEPENDENTS.get(self.id, ())

    def applies(self, state: BookingTurn) -> bool:
        return self.when(state)

    async def ask(self, state: BookingTurn) -> Question | Signal:
        return await self.question(state)

    async def read(self, state: BookingTurn, text: str, choice: str | None) -> Read:
        return await self.answer(state, text, choice)

    def shown(self, state: BookingTurn, language: Language) -> str | None:
        if not self.summary_line or self.id not in state.data:
            return None
        value = state.data[self.id]
        answer = say("option.yes", language) if value is True else say("option.no", language) if value is False else str(value)
        return say(f"summary.{self.id}", language, answer=answer)


def taken(outcome: Outcome) -> Read:
    """A step handler's outcome as a field's: it stored the answer itself (None) or did not."""
    return TAKEN if outcome is None else outcome


def yes_no_field(field_id: str, *, group: str) -> BookingField:
    """A plain yes / no question ("ask.<id>"), shown in the summary ("summary.<id>")."""

    async def ask(s: BookingTurn) -> Question:
        options = (option(say("option.yes", s.language), f"{field_id}.yes"), option(say("option.no", s.language), f"{field_id}.no"))
        return Question(say(f"ask.{field_id}", s.language), options)

    async def read(s: BookingTurn, text: str, choice: str | None) -> Read:
        if choice in ("yes", "no"):
            return choice == "yes"
        if choice is None and is_yes(text):
            return True
        if choice is None and is_no(text):
            return False
        return Refusal("bad.yes_no")

    return BookingField(field_id, ask, read, group, summary_line=True)


# -- how each question reads its answer (the step modules do the work) ---------------------------------


async def _type(s: BookingTurn, text: str, choice: str | None) -> Read:
    outcome = product_steps.answer_type(s.catalog, s.ctx, s.bk, text, choice)
    return taken(outcome)


async def _model(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(product_steps.answer_model(s.catalog, s.ctx, s.bk, text, choice))


async def _serial(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(product_steps.answer_serial(s.catalog, s.bk, text, choice))


async def _fault(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(product_steps.answer_fault(s.catalog, s.bk, text, choice))


async def _purchase(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(product_steps.answer_purchase(s.catalog, s.ctx, s.bk, text, choice, s.today))


async def _service(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(centre_steps.answer_service(s.catalog, s.ctx, s.bk, text, choice))


async def _city(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(centre_steps.answer_city(s.catalog, s.ctx, s.bk, text, choice))


async def _ask_centre(s: BookingTurn) -> Question | Signal:
    """A city with one centre for the service: it is taken (and said), the next question asked instead."""
    if centre_steps.take_only_centre(s.catalog, s.ctx, s.bk):
        return ASK_AGAIN
    return await questions.ask_centre(s)


async def _centre(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(centre_steps.answer_centre(s.catalog, s.bk, text, choice))


async def _address(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(centre_steps.answer_address(s.catalog, s.bk, text, choice))


async def _ask_day(s: BookingTurn) -> Question | Signal:
    """The days with free slots; none at all: the centre's phone, and a person takes over."""
    found = await day_time.day_question(s.catalog, s.ctx, s.turn, s.bk, s.now, vip_rules=s.vip_rules)
    return HANDLED if found is None else Question(*found)


async def _day(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(await day_time.answer_day(s.catalog, s.ctx, s.turn, s.bk, text, choice, s.now, vip_rules=s.vip_rules))


async def _ask_slot(s: BookingTurn) -> Question | Signal:
    """The free slots of the day; none left (taken meanwhile): the day is cleared and asked again."""
    found = await day_time.slot_question(s.catalog, s.ctx, s.turn, s.bk, s.now, vip_rules=s.vip_rules)
    return ASK_AGAIN if found is None else Question(*found)


async def _slot(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(await day_time.answer_slot(s.catalog, s.turn, s.bk, text, choice, s.now, vip_rules=s.vip_rules))


async def _loaner(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(contact_steps.answer_loaner(s.catalog, s.bk, text, choice))


async def _name(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(contact_steps.answer_name(s.catalog, s.bk, text, choice))


async def _phone(s: BookingTurn, text: str, choice: str | None) -> Read:
    return taken(contact_steps.answer_phone(s.catalog, s.bk, text, choice))


def _needs_address(s: BookingTurn) -> bool:
    return s.data.get("service") in ("onsite", "courier")


def _offers_loaner(s: BookingTurn) -> bool:
    return loaner_offered(s.catalog, s.data, s.today)


# -- the booking form ----------------------------------------------------------------------------------

FIELDS: tuple[BookingField, ...] = (
    BookingField("type", questions.ask_type, _type, "product"),
    BookingField("model", questions.ask_model, _model, "product"),
    BookingField("serial", questions.ask_serial, _serial, "serial"),
    BookingField("fault", questions.ask_fault, _fault, "fault", free_text=True),
    BookingField("purchase", questions.ask_purchase, _purchase, "purchase"),
    BookingField("service", questions.ask_service, _service, "service"),
    BookingField("city", questions.ask_city, _city, "centre"),
    BookingField("centre", _ask_centre, _centre, "centre"),
    BookingField("address", questions.ask_address, _address, "address", when=_needs_address, free_text=True),
    BookingField("day", _ask_day, _day, "time"),
    BookingField("slot", _ask_slot, _slot, "time"),
    BookingField("loaner", questions.ask_loaner, _loaner, "loaner", when=_offers_loaner),
    BookingField("name", questions.ask_name, _name, "contact", free_text=True),
    BookingField("phone", questions.ask_phone, _phone, "contact"),
)
# The order of the summary's "change ..." choices, where it differs from the order of the questions
# (the time before the address: the address is only asked for some services). Groups not named here
# follow, in the order of the questions.
GROUP_ORDER = ("product", "serial", "fault", "purchase", "service", "centre", "time", "address", "loaner", "contact")


def change_groups(fields: tuple[BookingField, ...]) -> dict[str, tuple[str, ...]]:
    """The summary's "change ..." choices, each with the answers it clears, in GROUP_ORDER."""
    groups: dict[str, list[str]] = {}
    for field in fields:
        groups.setdefault(field.group, []).append(field.id)
    order = [g for g in GROUP_ORDER if g in groups] + [g for g in groups if g not in GROUP_ORDER]
    return {group: tuple(groups[group]) for group in order}


STEPS = tuple(f.id for f in FIELDS)
CHANGE_GROUPS = change_groups(FIELDS)
