"""The form engine on its own: a toy form of four fields, the YAML draft and hooks that only record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.forms.draft import FormDraft
from bot.engine.forms.engine import FormEngine
from bot.engine.forms.field import (
    ASK_AGAIN,
    TAKEN,
    Field,
    Question,
    Read,
    Refusal,
    Signal,
)
from bot.settings import Language


class Draft(FormDraft):
    """The YAML forms' draft, with one answer ("auto") that the bot gives itself."""

    def __init__(self, answers: dict[str, Any] | None = None, editing: str | None = None) -> None:
        super().__init__("toy", dict(answers or {}), editing=editing)

    def forget(self, field_id: str) -> bool:
        super().forget(field_id)
        return field_id != "auto"  # the bot's own answer: "back" goes one further


@dataclass
class Toy:
    """The per-turn state: the draft and what the hooks were asked to do."""

    draft: Draft = field(default_factory=Draft)
    said: list[str] = field(default_factory=list)
    handed_off: bool = False


@dataclass(frozen=True)
class Word:
    """A field whose answer is any word of `accepted`; "?" is a question for the FAQ."""

    id: str
    accepted: tuple[str, ...] = ("a", "b")
    dependents: tuple[str, ...] = ()
    free_text: bool = False
    only_if: str | None = None  # asked only once this field has an answer

    def applies(self, state: Toy) -> bool:
        return self.only_if is None or state.draft.has(self.only_if)

    async def ask(self, state: Toy) -> Question | Signal:
        return Question(self.id)

    async def read(self, state: Toy, text: str, choice: str | None) -> Read:
        if text == "again":
            return ASK_AGAIN
        if text == "both" and self.id == "first":  # one answer that fills two fields
            state.draft.answers.update(first="a", second="b")
            return TAKEN
        return text if text in self.accepted else Refusal("bad", {"text": text})

    def shown(self, state: Toy, language: Language) -> str | None:
        return None


class Hooks:
    def draft(self, state: Toy) -> Draft:
        return state.draft

    async def ask_current(self, state: Toy, prefix: str | None = None) -> None:
        current = ENGINE.current(state)
        state.said.append(f"ask {current.id if current else 'summary'}")

    def free_text_interruption(self, state: Toy, field: Field[Toy], text: str) -> bool:
        return text == "?"

    def interruption(self, state: Toy, field: Field[Toy], text: str) -> bool:
        return text == "?"

    def excused(self, state: Toy, field: Field[Toy], text: str) -> bool:
        return text == "later"

    async def after_interruption(self, state: Toy) -> None:
        state.said.append("faq")

    async def retry(self, state: Toy, field: Field[Toy], refusal: Refusal) -> None:
        state.said.append(f"retry {field.id}: {refusal.key}")

    def give_up(self, state: Toy) -> None:
        state.handed_off = True

    def running(self, state: Toy) -> bool:
        return not state.handed_off


FIELDS = (Word("first", dependents=("second",)), Word("second"), Word("extra", only_if="second"), Word("note", free_text=True))
ENGINE: FormEngine[Toy] = FormEngine(FIELDS, Hooks())


async def test_the_current_field_is_the_first_unanswered_that_applies_and_none_at_the_end() -> None:
    toy = Toy()
    assert ENGINE.current(toy) is FIELDS[0]
    toy.draft.answers.update(first="a", second="b", extra="a", note="x")
    assert ENGINE.current(toy) is None
    toy.draft.editing = "second"
    assert ENGINE.current(toy) is FIELDS[1]


async def test_an_answer_is_taken_and_the_next_question_asked() -> None:
    toy = Toy()
    await ENGINE.answer(toy, FIELDS[0], "a", None)
    assert toy.draft.answers == {"first": "a"} and toy.said == ["ask second"]


async def test_a_changed_answer_clears_its_dependents() -> None:
    toy = Toy(Draft({"first": "a", "second": "b"}, editing="first"))
    await ENGINE.answer(toy, FIELDS[0], "b", None)
    assert toy.draft.answers == {"first": "b"}


async def test_refusals_are_retried_then_handed_off_and_a_good_answer_resets_the_count() -> None:
    toy = Toy()
    await ENGINE.answer(toy, FIELDS[0], "x", None)
    await ENGINE.answer(toy, FIELDS[0], "a", None)
    assert toy.draft.fails == 0
    for _ in range(3):
        await ENGINE.answer(toy, FIELDS[1], "x", None)
    assert toy.said[:2] == ["retry first: bad", "ask second"] and toy.handed_off


async def test_questions_excuses_and_signals() -> None:
    toy = Toy()
    await ENGINE.answer(toy, FIELDS[0], "?", None)  # a question, answered instead of counted
    await ENGINE.answer(toy, FIELDS[0], "later", None)  # no answer, but no mistake either
    await ENGINE.answer(toy, FIELDS[0], "again", None)
    assert toy.said == ["faq", "ask first", "ask first"] and toy.draft.fails == 0
    await ENGINE.answer(toy, FIELDS[0], "both", None)  # the field stored two answers itself
    assert toy.draft.answers == {"first": "a", "second": "b"} and toy.said[-1] == "ask extra"


async def test_a_pressed_button_is_no_faq_question() -> None:
    toy = Toy()
    await ENGINE.answer(toy, FIELDS[0], "?", "?")
    assert toy.said == ["retry first: bad"] and toy.draft.fails == 1


async def test_at_a_free_text_field_a_question_is_asked_before_reading() -> None:
    toy = Toy(Draft({"first": "a", "second": "b", "extra": "a"}))
    await ENGINE.answer(toy, FIELDS[3], "?", None)
    assert toy.said == ["faq"] and "note" not in toy.draft.answers


async def test_back_forgets_the_previous_answer_that_applies_and_skips_the_bots_own() -> None:
    toy = Toy(Draft({"first": "a", "second": "b"}))
    assert ENGINE.back(toy) and toy.draft.answers == {"first": "a"}
    assert ENGINE.back(toy) and toy.draft.answers == {}
    assert not ENGINE.back(toy)
    auto = FormEngine((Word("first"), Word("auto"), Word("last")), Hooks())
    toy = Toy(Draft({"first": "a", "auto": "a"}))
    assert auto.back(toy) and toy.draft.answers == {}


async def test_change_forgets_the_answers_chosen_on_the_summary() -> None:
    toy = Toy(Draft({"first": "a", "second": "b", "extra": "a"}))
    ENGINE.change(toy, ("second", "extra"))
    assert toy.draft.answers == {"first": "a"} and ENGINE.current(toy) is FIELDS[1]
