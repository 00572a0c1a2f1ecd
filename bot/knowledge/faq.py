"""FAQ entries: the operator's YAML files under `knowledge/faq/`, validated with precise errors.

An entry is a mapping::

    - id: warranty.period            # unique, stable: letters, digits, '.', '_' and '-'
      title: {zh-Hans: 保修期, zh-Hant: 保固期, en: Warranty period}   # optional, shown in "did you mean"
      questions: [保修期多长时间？, How long is the warranty?]         # example phrasings, any language
      keywords: [保修, warranty]     # optional extra evidence for the matcher
      answer: {zh-Hans: ..., zh-Hant: ..., en: ...}                  # all three languages; {brand} allowed
      handoff: complaint             # optional: after answering, hand the customer to a person
      flow: booking                  # optional: start this flow instead of answering, when it is enabled

Anything a customer would see wrong is an error with its line: a flow the bot does not have, a
placeholder other than {brand} in an answer (it would be shown as written), any placeholder in a title.
Fewer example questions than the README asks for (5 to 8) is a warning: the entry works, but customers
who put it another way are less likely to be understood.

The built-in small talk (builtin.yaml) is added to every knowledge base; an operator intent that means
the same as one of them (its own greeting, thanks, goodbye or "a person") absorbs it instead
(`bot.knowledge.smalltalk`), and `kb check` says so as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.forms import FORM_FLOW, FormSpec, load_forms
from bot.knowledge.lexicon import load_lexicon
from bot.knowledge.off_topic import load_off_topic, unlike_intents
from bot.knowledge.smalltalk import merge_builtins
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of, read_yaml
from bot.settings import LANGUAGES, Language

HandoffReason = Literal["human", "complaint"]
HANDOFF_REASONS: tuple[HandoffReason, ...] = ("human", "complaint")
ENTRY_KEYS = {"id", "title", "questions", "keywords", "answer", "handoff", "flow"}
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# Flows the engine can start from an entry (bot/engine/booking: NAME); a test checks the runtime agrees.
FLOWS: tuple[str, ...] = ("booking",)
# What `FaqEntry.answer_in` fills in; any other {...} would reach the customer as written.
PLACEHOLDERS: tuple[str, ...] = ("brand",)
PLACEHOLDER_PATTERN = re.compile(r"\{[^{}\n]*\}")
# The README asks for 5 to 8 example questions an entry; fewer is a warning, not an error.
MIN_QUESTIONS, MAX_QUESTIONS = 5, 8
HUMAN_ID = "handoff.human"  # the built-in "a person, please"


@dataclass(frozen=True)
class FaqEntry:
    """One intent the bot can recognise and answer."""

    id: str
    questions: tuple[str, ...]
    answer: Mapping[Language, str]
    title: Mapping[Language, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    handoff: HandoffReason | None = None
    source: str = ""
    flow: str | None = None  # a flow this intent starts (e.g. "booking") when the knowledge enables it
    builtin: bool = False  # shipped with the bot (greeting, thanks, goodbye, a person please)
    merged: tuple[str, ...] = ()  # built-in intents this operator intent absorbed (bot.knowledge.smalltalk)
    merged_questions: tuple[str, ...] = ()  # the example questions that came with them (in `questions` too)

    def plays(self, builtin_id: str) -> bool:
        """True for the built-in intent `builtin_id` itself or an operator intent that absorbed it."""
        return self.id == builtin_id or builtin_id in self.merged

    def answer_in(self, language: Language, brand: str) -> str:
        """The answer in one language, with the operator's brand name filled in."""
        return self.answer[language].replace("{brand}", brand)

    @property
    def trained_answers(self) -> tuple[str, ...]:
        """The answers as the matcher trains on them: evidence for the entry, no brand in them."""
        return tuple(a.replace("{brand}", " ") for a in self.answer.values())

    @property
    def trained_texts(self) -> tuple[str, ...]:
        """Every text the matcher trains for this entry (questions; keywords, titles and answers as
        weaker evidence): what an out-of-scope sentence must not be close to."""
        return (*self.questions, *self.keywords, *self.title.values(), *self.trained_answers)

    def title_in(self, language: Language) -> str:
        """A short label for buttons and "did you mean" questions; falls back to an example question."""
        if language in self.title:
            return self.title[language]
        return self.questions[0]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything loaded from one knowledge directory."""

    directory: Path
    entries: tuple[FaqEntry, ...]
    synonyms: tuple[frozenset[str], ...] = ()
    # Problems that do not stop the bot (too few example questions): `kb check` prints them.
    warnings: tuple[KnowledgeError, ...] = ()
    # The operator's forms (knowledge/forms/*.yaml); each is also an entry whose flow is "form".
    forms: tuple[FormSpec, ...] = ()
    # Messages that are none of the desk's business (knowledge/off_topic.yaml), but those too close to
    # an intent's own text (`kb check` warns of them): trained as the matcher's out-of-scope class.
    off_topic: tuple[str, ...] = ()

    def form(self, form_id: str) -> FormSpec | None:
        """The form `form_id`, if the knowledge base (still) has it."""
        return next((f for f in self.forms if f.id == form_id), None)

    def entry(self, entry_id: str) -> FaqEntry | None:
        """Look an entry up by id; a merged built-in's id finds the operator intent that absorbed it."""
        return self._by_id.get(entry_id)

    @property
    def _by_id(self) -> dict[str, FaqEntry]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {alias: e for e in self.entries for alias in e.merged}
            cached.update({e.id: e for e in self.entries})
            object.__setattr__(self, "_index", cached)
        return cached

    @property
    def operator_entries(self) -> tuple[FaqEntry, ...]:
        """The entries the operator wrote, without the built-in ones."""
        return tuple(e for e in self.entries if not e.builtin)

    @property
    def question_count(self) -> int:
        """How many example questions the operator wrote (not those a merged built-in brought)."""
        return sum(len(e.questions) - len(e.merged_questions) for e in self.operator_entries)

    @property
    def languages(self) -> tuple[Language, ...]:
        """Languages every answer is written in (all three, once validation passed)."""
        return LANGUAGES


def _text_list(value: Any, what: str) -> tuple[list[str], str | None]:
    if not isinstance(value, list):
        return [], f"{what} must be a list of strings"
    items = [v for v in value if isinstance(v, (str, int, float)) and str(v).strip()]
    if len(items) != len(value):
        return [], f"{what} has an empty or non-text item"
    return [str(v).strip() for v in items], None


def _language_map(value: Any, what: str) -> tuple[dict[Language, str], list[str]]:
    if not isinstance(value, dict):
        return {}, [f"{what} must be a mapping of zh-Hans, zh-Hant and en"]
    problems: list[str] = []
    result: dict[Language, str] = {}
    for key in value:
        if key != LINE_KEY and key not in LANGUAGES:
            problems.append(f"{what} has unknown language {key!r} (use zh-Hans, zh-Hant, en)")
    for language in LANGUAGES:
        text = value.get(language)
        if isinstance(text, bool):  # YAML reads a bare yes / no / on / off as true / false
            problems.append(f"{what} {language} reads as {str(text).lower()}: put the text in quotes")
        elif isinstance(text, (int, float)):
            result[language] = str(text)
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{what} is missing language {language}")
        else:
            result[language] = text.strip()
    return result, problems


def parse_entries(path: Path, document: Any, fallback_line: int | None = None) -> tuple[list[FaqEntry], list[KnowledgeError]]:
    """Validate one parsed FAQ file and build its entries."""
    if document is None:
        return [], []
    if not isinstance(document, list):
        return [], [KnowledgeError(path, line_of(document) or 1, "a FAQ file must be a YAML list of entries")]
    entries: list[FaqEntry] = []
    errors: list[KnowledgeError] = []
    for position, raw in enumerate(document, start=1):
        if not isinstance(raw, dict):
            errors.append(KnowledgeError(path, fallback_line, f"entry #{position} must be a mapping with id, questions and answer"))
            continue
        line = line_of(raw)
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id):
            errors.append(KnowledgeError(path, line, f"entry #{position}: id must be text of letters, digits, '.', '_' or '-' (got {entry_id!r})"))
            entry_id = None
        problems: list[str] = []
        located: list[KnowledgeError] = []  # problems with a line of their own
        unknown = sorted(str(k) for k in raw if k not in ENTRY_KEYS and k != LINE_KEY)
        problems += [f"unknown key {k!r} (allowed: {', '.join(sorted(ENTRY_KEYS))})" for k in unknown]
        questions, problem = _text_list(raw.get("questions"), "questions")
        if problem:
            problems.append(problem)
        elif not questions:
            problems.append("questions is empty: write at least one example question")
        keywords: list[str] = []
        if "keywords" in raw:
            keywords, problem = _text_list(raw["keywords"], "keywords")
            if problem:
                problems.append(problem)
        answer, answer_problems = _language_map(raw.get("answer"), "answer")
        problems += answer_problems
        for language, text in answer.items():
            for found in sorted(set(PLACEHOLDER_PATTERN.findall(text)) - {f"{{{name}}}" for name in PLACEHOLDERS}):
                located.append(
                    KnowledgeError(
                        path,
                        key_line(raw.get("answer"), language) or line,
                        f"answer {language} has unknown placeholder {found}: only {{brand}} is filled in, "
                        "anything else is shown to customers as written",
                        entry_id,
                    )
                )
        title: dict[Language, str] = {}
        if "title" in raw:
            title, title_problems = _language_map(raw["title"], "title")
            problems += title_problems
            for language, text in title.items():
                for found in sorted(set(PLACEHOLDER_PATTERN.findall(text))):
                    located.append(
                        KnowledgeError(
                            path,
                            key_line(raw["title"], language) or line,
                            f"title {language} has {found}: titles are shown as written (no placeholders)",
                            entry_id,
                        )
                    )
        handoff = raw.get("handoff")
        if handoff is not None and handoff not in HANDOFF_REASONS:
            problems.append(f"handoff must be one of {', '.join(HANDOFF_REASONS)} (got {handoff!r})")
        flow = raw.get("flow")
        if flow is not None and (not isinstance(flow, str) or flow not in FLOWS):
            located.append(
                KnowledgeError(
                    path,
                    key_line(raw, "flow") or line,
                    f"unknown flow {flow!r} (the flows are: {', '.join(FLOWS)}; leave flow out to answer)",
                    entry_id,
                )
            )
        errors += [KnowledgeError(path, line, p, entry_id) for p in problems]
        errors += located
        if not problems and not located and entry_id:
            entries.append(
                FaqEntry(
                    id=entry_id,
                    questions=tuple(questions),
                    answer=answer,
                    title=title,
                    keywords=tuple(keywords),
                    handoff=handoff,
                    flow=flow,
                    source=f"{path}:{line}",
                )
            )
    return entries, errors


def _builtin_entries() -> list[FaqEntry]:
    """Greetings, thanks, goodbye and "a person, please": present even in an empty knowledge base."""
    builtin = resources.files("bot.knowledge").joinpath("builtin.yaml")
    with resources.as_file(builtin) as path:
        document, errors = read_yaml(path)
        entries, more = parse_entries(path, document)
    if errors or more:  # pragma: no cover - the shipped file is tested
        raise KnowledgeErrors(errors + more)
    return [replace(entry, builtin=True) for entry in entries]


def _faq_files(directory: Path) -> list[Path]:
    faq_dir = directory / "faq"
    return sorted([*faq_dir.glob("*.yaml"), *faq_dir.glob("*.yml")])


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Load and validate a knowledge directory; raise KnowledgeErrors listing every problem found."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeErrors([KnowledgeError(directory, None, "knowledge directory not found")])
    files = _faq_files(directory)
    if not files:
        raise KnowledgeErrors([KnowledgeError(directory / "faq", None, "no FAQ files (*.yaml) found")])
    errors: list[KnowledgeError] = []
    entries: list[FaqEntry] = []
    seen: dict[str, FaqEntry] = {}
    for path in files:
        document, parse_errors = read_yaml(path)
        errors += parse_errors
        file_entries, entry_errors = parse_entries(path, document)
        errors += entry_errors
        for entry in file_entries:
            if entry.id in seen:
                errors.append(KnowledgeError(path, _line(entry), f"duplicate id, first defined at {seen[entry.id].source}", entry.id))
                continue
            seen[entry.id] = entry
            entries.append(entry)
    forms, form_errors = load_forms(directory)
    errors += form_errors
    for form in forms:
        if form.id in seen:
            where = form.file or directory / "forms"
            errors.append(KnowledgeError(where, form.line, f"form id already used, by the entry at {seen[form.id].source}", form.id))
            continue
        seen[form.id] = _form_entry(form)
        entries.append(seen[form.id])
    synonyms, lexicon_errors = load_lexicon(directory)
    errors += lexicon_errors
    off_topic, off_topic_errors = load_off_topic(directory)
    errors += off_topic_errors
    if errors:
        raise KnowledgeErrors(errors)
    warnings = [
        KnowledgeError(
            Path(entry.source.rpartition(":")[0]) if entry.source else directory,
            _line(entry),
            f"only {len(entry.questions)} example question{'' if len(entry.questions) == 1 else 's'} "
            f"(the README asks for {MIN_QUESTIONS} to {MAX_QUESTIONS}): customers who put it another way "
            "may not be understood",
            entry.id,
        )
        for entry in entries
        if len(entry.questions) < MIN_QUESTIONS
    ]
    # The operator's entries win over built-in ones with the same id; an operator intent that means the
    # same as a built-in one absorbs it (bot.knowledge.smalltalk).
    builtin = [b for b in _builtin_entries() if b.id not in seen]
    entries, builtin, merges = merge_builtins(entries, builtin)
    by_id = {e.id: e for e in entries}
    warnings += [
        KnowledgeError(
            Path(by_id[m.operator_id].source.rpartition(":")[0]) if by_id[m.operator_id].source else directory,
            _line(by_id[m.operator_id]),
            f"merged with the built-in {m.builtin_id} (its examples now count for {m.operator_id}"
            + ("; it hands off to a person like the built-in" if m.builtin_id == HUMAN_ID and not seen[m.operator_id].handoff else "")
            + ")",
            m.operator_id,
        )
        for m in merges
    ]
    entries += builtin
    # One close to an intent's own text would fight it: left out, and said.
    trained, left_out = unlike_intents(off_topic, ((e.id, text) for e in entries for text in e.trained_texts))
    warnings += left_out
    return KnowledgeBase(
        directory=directory, entries=tuple(entries), synonyms=tuple(synonyms), warnings=tuple(warnings), forms=tuple(forms),
        off_topic=tuple(trained),
    )


def _form_entry(form: FormSpec) -> FaqEntry:
    """The intent that starts a form: its example questions train the matcher like an FAQ entry's."""
    return FaqEntry(
        id=form.id,
        questions=form.questions,
        answer=form.title,  # never shown: the entry starts the form instead of answering
        title=form.title,
        keywords=form.keywords,
        flow=FORM_FLOW,
        source=form.source,
    )


def _line(entry: FaqEntry) -> int | None:
    _, _, line = entry.source.rpartition(":")
    return int(line) if line.isdigit() else None


def iter_questions(entries: Iterable[FaqEntry]) -> Iterable[tuple[str, str]]:
    """(intent id, example question) pairs, the matcher's training data."""
    for entry in entries:
        for question in entry.questions:
            yield entry.id, question
