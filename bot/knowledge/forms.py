"""Operator-defined forms: conversations that collect something, written in `knowledge/forms/*.yaml`.

A form is started like an FAQ entry (by its example questions) and then asks its fields one at a
time; the engine's form runner (`bot.engine.forms`) does the asking. This module only reads and checks
the YAML, so `kb check` can point at the file and line of every mistake::

    - id: broadband.fault_report
      title: {zh-Hans: 宽带故障报修, zh-Hant: 寬頻故障報修, en: Report a broadband fault}
      questions: [宽带断了要报修, my home internet is down, report a broadband fault]
      fields:
        - {id: account, type: text, ask: {zh-Hans: ..., zh-Hant: ..., en: ...}}
        - {id: symptom, type: choice, ask: {...}, options: [{zh-Hans: 完全断网, zh-Hant: 完全斷網, en: No connection}, ...]}
        - {id: phone, type: phone, ask: {...}}
      done:
        reply: {zh-Hans: "已登记，单号 {ticket}……", zh-Hant: ..., en: ...}
        handoff: queue        # optional: the agents get the filled form in their queue

Field keys: id, type, ask (three languages), options (choice only), optional (true: "skip" is an
answer), example (three languages: shown when an answer is refused; each type has a default), label
(three languages: the field's name in the summary; the question itself without one), when (a date
field: future, the default, for a day to come such as a visit; past for a day gone by, such as when a
message arrived: "周三" then means the last Wednesday, not the next).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of, read_yaml
from bot.settings import LANGUAGES, Language

FieldType = Literal["text", "choice", "yes_no", "date", "time", "phone", "number", "serial", "imei", "address"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
FORM_FLOW = "form"  # the engine flow that runs every operator form (FaqEntry.flow of a form's intent)
FORM_KEYS = {"id", "title", "questions", "keywords", "fields", "done"}
FIELD_KEYS = {"id", "type", "ask", "label", "options", "optional", "example", "when"}
DONE_KEYS = {"reply", "handoff"}
DONE_HANDOFFS = ("queue",)
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# What a done reply may show besides the fields' own answers.
DONE_PLACEHOLDERS = ("ticket", "title", "brand")
MAX_FIELDS = 20
MAX_OPTIONS = 12


@dataclass(frozen=True)
class FormField:
    """One question of a form, and how its answer is read."""

    id: str
    type: FieldType
    ask: Mapping[Language, str]
    options: tuple[Mapping[Language, str], ...] = ()
    optional: bool = False
    example: Mapping[Language, str] | None = None
    label: Mapping[Language, str] | None = None  # short name in the summary; the question itself without one
    when: Literal["past", "future"] = "future"  # a date field: a day to come (a visit) or gone (a purchase)

    def label_in(self, language: Language) -> str:
        """What the summary and the "change which answer?" list call this field."""
        if self.label:
            return self.label[language]
        ask = self.ask[language].rstrip("？?:：。. ")
        return ask if len(ask) <= 24 else ask[:23] + "…"


@dataclass(frozen=True)
class FormSpec:
    """A whole form as the operator wrote it."""

    id: str
    title: Mapping[Language, str]
    questions: tuple[str, ...]
    fields: tuple[FormField, ...]
    reply: Mapping[Language, str]
    handoff: Literal["queue"] | None = None
    keywords: tuple[str, ...] = ()
    source: str = ""  # "file:line", as FAQ entries say where they come from
    file: Path | None = None
    line: int | None = None

    def field(self, field_id: str) -> FormField | None:
        """The field `field_id`, if the form (still) has it."""
        return next((f for f in self.fields if f.id == field_id), None)


def form_files(directory: Path) -> list[Path]:
    """The form files of a knowledge directory (none is fine: forms are optional)."""
    forms = directory / "forms"
    return sorted([*forms.glob("*.yaml"), *forms.glob("*.yml")]) if forms.is_dir() else []


def load_forms(directory: Path) -> tuple[list[FormSpec], list[KnowledgeError]]:
    """Read and check every form file; all problems at once, each with file and line."""
    forms: list[FormSpec] = []
    errors: list[KnowledgeError] = []
    for path in form_files(directory):
        document, parse_errors = read_yaml(path)
        errors += parse_errors
        if parse_errors or document is None:
            continue
        if not isinstance(document, list):
            errors.append(KnowledgeError(path, line_of(document) or 1, "a forms file must be a YAML list of forms"))
            continue
        for position, raw in enumerate(document, start=1):
            form, problems = _form(path, position, raw)
            errors += problems
            if form is not None:
                forms.append(form)
    return forms, errors


def _form(path: Path, position: int, raw: Any) -> tuple[FormSpec | None, list[KnowledgeError]]:
    if not isinstance(raw, dict):
        return None, [KnowledgeError(path, None, f"form #{position} must be a mapping with id, questions, fields and done")]
    line = line_of(raw)
    form_id = raw.get("id")
    errors: list[KnowledgeError] = []

    def problem(message: str, at: int | None = None) -> None:
        errors.append(KnowledgeError(path, at or line, message, form_id if isinstance(form_id, str) else None))

    if not isinstance(form_id, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", form_id):
        problem(f"form #{position}: id must be text of letters, digits, '.', '_' or '-' (got {form_id!r})")
    for unknown in sorted(str(k) for k in raw if k not in FORM_KEYS and k != LINE_KEY):
        problem(f"unknown key {unknown!r} (allowed: {', '.join(sorted(FORM_KEYS))})", key_line(raw, unknown))
    title = _languages(raw.get("title"), "title", problem, key_line(raw, "title"))
    questions = _texts(raw.get("questions"), "questions", problem, key_line(raw, "questions"))
    if questions == () and "questions" in raw:
        problem("questions is empty: write the example questions that start this form", key_line(raw, "questions"))
    keywords = _texts(raw.get("keywords", []), "keywords", problem, key_line(raw, "keywords")) or ()
    fields = _fields(raw.get("fields"), problem, key_line(raw, "fields"))
    # A field with a mistake of its own still counts as declared: its placeholder is no second error.
    declared = {f.get("id") for f in raw.get("fields") or [] if isinstance(f, dict)} if isinstance(raw.get("fields"), list) else set()
    reply, handoff = _done(raw.get("done"), declared, problem, key_line(raw, "done"))
    if errors or not isinstance(form_id, str) or title is None or not questions or reply is None or not fields:
        return None, errors
    return FormSpec(form_id, title, questions, fields, reply, handoff, keywords, f"{path}:{line}", path, line), []


def _fields(raw: Any, problem: Any, line: int | None) -> tuple[FormField, ...]:
    if not isinstance(raw, list) or not raw:
        problem("fields must be a list of at least one field (id, type, ask)", line)
        return ()
    if len(raw) > MAX_FIELDS:
        problem(f"{len(raw)} fields: a form asks at most {MAX_FIELDS} questions", line)
    fields: list[FormField] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        at = line_of(item) or line
        if not isinstance(item, dict):
            problem(f"field #{position} must be a mapping with id, type and ask", at)
            continue
        field_id, kind = item.get("id"), item.get("type")
        name = f"field {field_id!r}" if isinstance(field_id, str) else f"field #{position}"
        if not isinstance(field_id, str) or not FIELD_ID.match(field_id):
            problem(f"{name}: id must be lower-case letters, digits and '_' (got {field_id!r})", key_line(item, "id"))
            field_id = None
        elif field_id in seen or field_id in DONE_PLACEHOLDERS:
            problem(f"{name}: id used twice (or reserved: {', '.join(DONE_PLACEHOLDERS)})", key_line(item, "id"))
            field_id = None
        else:
            seen.add(field_id)
        for unknown in sorted(str(k) for k in item if k not in FIELD_KEYS and k != LINE_KEY):
            problem(f"{name}: unknown key {unknown!r} (allowed: {', '.join(sorted(FIELD_KEYS))})", key_line(item, unknown))
        if kind not in FIELD_TYPES:
            problem(f"{name}: type must be one of {', '.join(FIELD_TYPES)} (got {kind!r})", key_line(item, "type"))
        ask = _languages(item.get("ask"), f"{name} ask", problem, key_line(item, "ask"))
        example = _languages(item["example"], f"{name} example", problem, key_line(item, "example")) if "example" in item else None
        label = _languages(item["label"], f"{name} label", problem, key_line(item, "label")) if "label" in item else None
        options = _options(item, name, kind, problem)
        when = item.get("when", "future")
        if when not in ("past", "future") or ("when" in item and kind != "date"):
            problem(f"{name}: when is past or future, for a date field only (got {when!r})", key_line(item, "when"))
        optional = item.get("optional", False)
        if not isinstance(optional, bool):
            problem(f"{name}: optional must be true or false", key_line(item, "optional"))
        if field_id is None or kind not in FIELD_TYPES or ask is None or options is None or not isinstance(optional, bool):
            continue
        if when not in ("past", "future"):
            continue
        fields.append(FormField(field_id, kind, ask, options, optional, example, label, when))
    return tuple(fields)


def _options(item: dict[str, Any], name: str, kind: Any, problem: Any) -> tuple[Mapping[Language, str], ...] | None:
    raw = item.get("options")
    if kind != "choice":
        if raw is not None:
            problem(f"{name}: options only go with type choice", key_line(item, "options"))
            return None
        return ()
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        problem(f"{name}: a choice needs a list of 2 to {MAX_OPTIONS} options, each in the three languages", key_line(item, "options"))
        return None
    options = [_languages(o, f"{name} option #{i}", problem, line_of(o) or key_line(item, "options")) for i, o in enumerate(raw, 1)]
    if any(o is None for o in options):
        return None
    return tuple(o for o in options if o is not None)


def _done(raw: Any, field_ids: set[Any], problem: Any, line: int | None) -> tuple[Mapping[Language, str] | None, Any]:
    if not isinstance(raw, dict):
        problem("done must be a mapping with reply (and optionally handoff: queue)", line)
        return None, None
    for unknown in sorted(str(k) for k in raw if k not in DONE_KEYS and k != LINE_KEY):
        problem(f"done: unknown key {unknown!r} (allowed: {', '.join(sorted(DONE_KEYS))})", key_line(raw, unknown))
    handoff = raw.get("handoff")
    if handoff is not None and handoff not in DONE_HANDOFFS:
        problem(f"done: handoff must be {' or '.join(DONE_HANDOFFS)} (got {handoff!r})", key_line(raw, "handoff"))
    reply = _languages(raw.get("reply"), "done reply", problem, key_line(raw, "reply"))
    if reply is None:
        return None, handoff
    known = {*DONE_PLACEHOLDERS, *(i for i in field_ids if isinstance(i, str))}
    for language, text in reply.items():
        for name in sorted(set(re.findall(r"\{([^{}\n]*)\}", text)) - known):
            problem(
                f"done reply {language} has unknown placeholder {{{name}}}: use {{ticket}}, {{title}}, {{brand}} "
                "or a field id, anything else is shown to customers as written",
                key_line(raw.get("reply"), language),
            )
    return reply, handoff


def _languages(value: Any, what: str, problem: Any, line: int | None) -> dict[Language, str] | None:
    """A text in the three languages; every problem reported, None if any."""
    if not isinstance(value, dict):
        problem(f"{what} must be a mapping of zh-Hans, zh-Hant and en", line)
        return None
    result: dict[Language, str] = {}
    ok = True
    for key in value:
        if key != LINE_KEY and key not in LANGUAGES:
            problem(f"{what} has unknown language {key!r} (use zh-Hans, zh-Hant, en)", key_line(value, key))
            ok = False
    for language in LANGUAGES:
        text = value.get(language)
        if isinstance(text, bool):  # YAML reads a bare yes / no as true / false
            problem(f"{what} {language} reads as {str(text).lower()}: put the text in quotes", key_line(value, language))
            ok = False
        elif isinstance(text, (int, float)) or (isinstance(text, str) and text.strip()):
            result[language] = str(text).strip()
        else:
            problem(f"{what} is missing language {language}", line_of(value) or line)
            ok = False
    return result if ok else None


def _texts(value: Any, what: str, problem: Any, line: int | None) -> tuple[str, ...] | None:
    if value is None:
        problem(f"{what} is missing", line)
        return None
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        problem(f"{what} must be a list of non-empty texts", line)
        return None
    return tuple(str(v).strip() for v in value)
