"""Learned additions to the knowledge base, as data: example questions per intent and new intents.

A knowledge-base version (bot.storage.suggestions.KbVersion) stores them in this shape::

    {"examples": {"warranty.period": ["保修到什么时候", ...]},
     "intents": [{"id": "water.damage", "title": {...}, "answer": {...}, "questions": [...]}]}

`apply` puts them on the knowledge base the operator's YAML files define (the repository stays the
source: a learned example is an addition, never an edit of a file), validated by the FAQ loader's own
rules (`bot.knowledge.faq.parse_entries`), so a learned intent is exactly as valid as a written one.
`export_yaml` gives them back in the FAQ files' format for the operator's repository.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.faq import FaqEntry, KnowledgeBase, parse_entries
from bot.nlu.normalize import normalize
from bot.settings import LANGUAGES

__all__ = ["LEARNED_SOURCE", "LearningError", "apply", "empty", "export_yaml", "fitted", "merge", "new_intent_problems", "texts_added"]

log = logging.getLogger(__name__)

LEARNED_SOURCE = Path("learned")
MAX_ID = 64  # stored with every message the intent answers (messages.intent_id is 128 characters)  # where `kb doctor` and error messages say a learned entry comes from


class LearningError(ValueError):
    """Additions that cannot be applied to this knowledge base (an unknown intent, an invalid new one)."""


def empty() -> dict[str, Any]:
    """No additions."""
    return {"examples": {}, "intents": []}


def _own_questions(entry: FaqEntry) -> tuple[str, ...]:
    return entry.questions[: len(entry.questions) - len(entry.merged_questions)]


def _entry_document(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": data.get("id"),
        "title": dict(data.get("title") or {}),
        "questions": list(data.get("questions") or []),
        "answer": dict(data.get("answer") or {}),
    }


def new_intent_problems(kb: KnowledgeBase, data: Mapping[str, Any], *, questions: Iterable[str] = ("?",)) -> list[str]:
    """What is wrong with a new intent (id, title and answer in the three languages), by the FAQ
    loader's rules; an id the knowledge base already has is wrong too."""
    document = _entry_document({**data, "questions": list(questions) or ["?"]})
    _, errors = parse_entries(LEARNED_SOURCE, [document])
    problems = [error.message for error in errors]
    if isinstance(data.get("id"), str) and kb.entry(data["id"]) is not None:
        problems.append(f"the intent {data['id']} exists already")
    if isinstance(data.get("id"), str) and len(data["id"]) > MAX_ID:
        problems.append(f"the id is longer than {MAX_ID} characters")
    return problems


def merge(base: Mapping[str, Any], more: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `more` added: examples appended (once each, by normalised text), new intents added
    (a new intent already there gets the other's questions)."""
    result = copy.deepcopy(dict(base)) if base else empty()
    result.setdefault("examples", {})
    result.setdefault("intents", [])
    intents = {intent["id"]: intent for intent in result["intents"]}
    for intent_id, questions in (more.get("examples") or {}).items():
        if intent_id in intents:
            _extend(intents[intent_id].setdefault("questions", []), questions)
        else:
            _extend(result["examples"].setdefault(intent_id, []), questions)
    for intent in more.get("intents") or []:
        if intent["id"] in intents:
            _extend(intents[intent["id"]].setdefault("questions", []), intent.get("questions") or [])
        else:
            intents[intent["id"]] = copy.deepcopy(dict(intent))
            result["intents"].append(intents[intent["id"]])
    return result


def _extend(target: list[str], questions: Iterable[str]) -> None:
    seen = {normalize(q) for q in target}
    for question in questions:
        key = normalize(question)
        if key and key not in seen:
            seen.add(key)
            target.append(question)


def texts_added(additions: Mapping[str, Any]) -> set[str]:
    """Every example question the additions bring (to find them in a `kb doctor` report)."""
    texts = {q for questions in (additions.get("examples") or {}).values() for q in questions}
    texts |= {q for intent in additions.get("intents") or [] for q in intent.get("questions") or []}
    return texts


def fitted(kb: KnowledgeBase, additions: Mapping[str, Any] | None) -> tuple[dict[str, list[str]], list[dict[str, Any]], list[str]]:
    """The additions as they apply to `kb`: (examples by the files' intent id, new intents, problems).

    The files move on under a version: a learned intent the operator has since copied into them (the
    export's purpose) is the files' intent now, and its questions are examples of it; examples of an
    intent the files no longer have, or a learned intent that is no longer valid, are left out and named
    in `problems` (the rest still applies).
    """
    examples: dict[str, list[str]] = {}
    intents: list[dict[str, Any]] = []
    problems: list[str] = []
    moved = [(i["id"], i.get("questions") or []) for i in (additions or {}).get("intents") or [] if kb.entry(i["id"]) is not None]
    for intent_id, questions in [*((additions or {}).get("examples") or {}).items(), *moved]:
        entry = kb.entry(intent_id)
        if entry is None:
            problems.append(f"examples for {intent_id}, which the knowledge files no longer have")
            continue
        _extend(examples.setdefault(entry.id, []), questions)
    for data in (additions or {}).get("intents") or []:
        if kb.entry(data["id"]) is not None:
            continue
        wrong = new_intent_problems(kb, data, questions=data.get("questions") or ())
        if wrong:
            problems.append(f"learned intent {data.get('id')!r}: " + "; ".join(wrong))
            continue
        intents.append(dict(data))
    return examples, intents, problems


def apply(kb: KnowledgeBase, additions: Mapping[str, Any] | None, *, strict: bool = False) -> KnowledgeBase:
    """The knowledge base with the additions (see `fitted`); `strict`: raise LearningError for any part
    that does not fit instead of leaving it out (before a version is stored)."""
    if not additions:
        return kb
    examples, intents, problems = fitted(kb, additions)
    if problems:
        if strict:
            raise LearningError("; ".join(problems))
        log.warning("knowledge base version: left out %s", "; ".join(problems))
    entries: list[FaqEntry] = []
    for entry in kb.entries:
        if entry.id in examples:
            own = list(_own_questions(entry))
            _extend(own, examples[entry.id])
            entry = replace(entry, questions=tuple(own) + entry.merged_questions)
        entries.append(entry)
    for data in intents:
        parsed, _ = parse_entries(LEARNED_SOURCE, [_entry_document(data)])
        entries.extend(parsed)
    return replace(kb, entries=tuple(entries))


def export_yaml(kb: KnowledgeBase, additions: Mapping[str, Any] | None) -> str:
    """The learned additions as an FAQ file: each intent of the files that gained examples in full (its
    questions and the learned ones: it replaces the entry of the same id in the operator's files), then
    the new intents. `kb` is the knowledge base of the operator's files, without the additions."""
    examples, intents, _ = fitted(kb, additions)
    document: list[dict[str, Any]] = []
    skipped: list[str] = []
    for intent_id, learned in sorted(examples.items()):
        entry = kb.entry(intent_id)
        if entry is None:
            continue
        if entry.flow not in (None, "booking"):  # a form's intent: its questions live in knowledge/forms/
            skipped.append(entry.id)
            continue
        questions = list(_own_questions(entry))
        _extend(questions, learned)
        item: dict[str, Any] = {"id": entry.id}
        if entry.title:
            item["title"] = {lang: entry.title[lang] for lang in LANGUAGES if lang in entry.title}
        item["questions"] = questions
        if entry.keywords:
            item["keywords"] = list(entry.keywords)
        item["answer"] = {lang: entry.answer[lang] for lang in LANGUAGES}
        if entry.handoff:
            item["handoff"] = entry.handoff
        if entry.flow:
            item["flow"] = entry.flow
        document.append(item)
    document += [_entry_document(intent) for intent in intents]
    header = (
        "# Learned from customers' messages (supportbot kb export-learned / the console's suggestions).\n"
        "# An entry here with the id of one of your entries is that entry with the learned example\n"
        "# questions added: replace yours with it. The others are new intents.\n"
    )
    if skipped:
        header += f"# Learned examples of forms are not in this file (add them to knowledge/forms/): {', '.join(skipped)}\n"
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
