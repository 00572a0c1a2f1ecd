"""`supportbot kb doctor`: what an operator should fix in the knowledge base for the bot to understand it.

`kb check` says whether the knowledge base is valid; the doctor says how well the bot will understand
it, from the knowledge base alone:

* **cross-validated accuracy per intent**: the example questions are split into k folds (the matcher's
  own `plan_folds`, so each example is held out exactly once and every intent's examples are spread over
  the folds); for each fold the real matcher (`IntentMatcher.from_knowledge`, calibration included) is
  trained on the knowledge base without that fold's questions and asked about each of them. An example
  the matcher cannot place from the other examples is a way of asking that customers will use and the
  bot will miss;
* **confused pairs**: pairs of intents whose held-out examples vote for each other, with those examples;
* **examples that vote for another intent** (or for none), the confidently answered ones first;
* **too few examples**: fewer than `MIN_QUESTIONS` (5) example questions, or fewer than 5 once
  near-duplicates are counted once;
* **near-duplicates**: two examples of one intent that rapidfuzz finds at least `NEAR_DUPLICATE` similar
  (they add no new phrasing), and examples shared by two intents (built-in ones included), which split
  the votes;
* **missing languages**: zh-Hans, zh-Hant or en with no example in an intent (`detect_language`;
  Chinese with no script evidence, such as 保修多久, counts for both scripts).

`diagnose` returns the JSON report (`supportbot kb doctor --json`), version 1::

    {"version": 1, "kb": DIR, "seconds": float,
     "summary": {"intents", "examples", "folds", "top1_accuracy", "answered_accuracy",
                 "wrong_answer_rate", "fold_thresholds": [float]},
     "intents": [{"id", "examples", "builtin_examples", "distinct_examples", "languages": {lang: n},
                  "missing_languages": [lang], "heldout", "top1_accuracy", "answered_accuracy", "wrong_answers",
                  "voted_for": {intent id: n}}],                      # worst understood first
     "confused_pairs": [{"intents": [a, b], "count", "wrong_answers",
                         "examples": [{"intent", "text", "voted_for", "confidence", "decision"}]}],
     "misvoting_examples": [{"intent", "text", "voted_for", "confidence", "decision"}],
     "few_examples": [{"intent", "examples", "distinct_examples", "reason": "few" | "similar"}],
     "near_duplicates": [{"intent", "texts": [a, b], "similarity"}],
     "shared_examples": [{"intents": [a, b], "texts": [a, b], "similarity", "builtin": bool}],
     "missing_languages": [{"intent", "missing": [lang], "languages": {lang: n}}]}

"examples" are the questions the operator wrote, "builtin_examples" those a merged built-in intent
(bot.knowledge.smalltalk) brought: only the former are held out and reported, both count for distinct
examples and languages. Accuracies are fractions (None without held-out data); "voted_for" is None
when the matcher offered no intent; "decision" is answer/clarify/unknown at that fold's threshold.
Similarity is rapidfuzz `ratio` on normalised text, so a Traditional copy of a Simplified example is a
duplicate: the matcher reads Traditional as Simplified.
Every list is complete and sorted worst first; `render` prints the terminal version, ~20 lines a section.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from bot.i18n import text as catalog_text
from bot.knowledge.faq import MAX_QUESTIONS, MIN_QUESTIONS
from bot.nlu.background import CLOSE
from bot.nlu.calibrate import plan_folds
from bot.nlu.language import detect_language
from bot.nlu.matcher import Candidate, IntentMatcher
from bot.nlu.normalize import normalize
from bot.settings import LANGUAGES

if TYPE_CHECKING:
    from bot.knowledge.faq import FaqEntry, KnowledgeBase

__all__ = ["NEAR_DUPLICATE", "REPORT_VERSION", "diagnose", "render"]

REPORT_VERSION = 1
# fuzz.ratio (0-100) on normalised text at or above which two examples say the same thing: the matcher's
# own notion of "close" (a background sentence this close to an operator's text is dropped).
NEAR_DUPLICATE = CLOSE
SEED = 13
_CHUNK = 2000  # rows per rapidfuzz cdist call: bounded memory on knowledge bases of thousands of intents


@dataclass(frozen=True)
class _HeldOut:
    """One example question asked of a matcher trained without it."""

    intent: str
    text: str
    candidates: tuple[Candidate, ...]
    decision: str

    @property
    def voted_for(self) -> str | None:
        return self.candidates[0].intent_id if self.candidates else None

    @property
    def confidence(self) -> float:
        return self.candidates[0].confidence if self.candidates else 0.0

    @property
    def right(self) -> bool:
        return self.voted_for == self.intent

    def as_json(self) -> dict[str, Any]:
        return {"intent": self.intent, "text": self.text, "voted_for": self.voted_for,
                "confidence": round(self.confidence, 4), "decision": self.decision}


def _own_questions(entry: FaqEntry) -> tuple[str, ...]:
    """The example questions the operator wrote: not those a merged built-in intent appended."""
    merged = len(getattr(entry, "merged_questions", ()))
    return entry.questions[:len(entry.questions) - merged]


def _cross_validate(kb: KnowledgeBase, threshold: float | None, seed: int) -> tuple[list[_HeldOut], list[float], int]:
    """Each operator example scored by a matcher trained on the knowledge base without its fold.

    Built-in intents and the examples a merged built-in brought are never held out: the bot always has them.
    """
    own = {entry.id: _own_questions(entry) for entry in kb.operator_entries}
    pairs = [(intent, q) for intent, questions in own.items() for q in questions]
    # `large` above the size: always the k small-set folds (the single large-set split holds out 10% only).
    folds = plan_folds([intent for intent, _ in pairs], 0, seed=seed, large=len(pairs) + 1)
    held: list[_HeldOut] = []
    thresholds: list[float] = []
    for fold in folds:
        out = set(fold.positives)
        if not out:
            continue
        keep: dict[str, list[str]] = defaultdict(list)
        for i, (intent, question) in enumerate(pairs):
            if i not in out:
                keep[intent].append(question)
        entries = tuple(
            e if e.id not in own else replace(e, questions=tuple(keep.get(e.id, ())) + e.questions[len(own[e.id]):])
            for e in kb.entries
        )
        matcher = IntentMatcher.from_knowledge(replace(kb, entries=entries), threshold=threshold)
        thresholds.append(matcher.threshold)
        for i in sorted(out):
            intent, question = pairs[i]
            result = matcher.match(question)
            held.append(_HeldOut(intent, question, tuple(result.candidates), result.decision))
    return held, thresholds, len(folds)


def _languages(questions: Sequence[str]) -> dict[str, int]:
    """How many examples are in each language; script-neutral Chinese counts for both scripts."""
    counts = {language: 0 for language in LANGUAGES}
    for question in questions:
        found = {detect_language(question, "zh-Hans"), detect_language(question, "zh-Hant")} - {None}
        for language in found:
            counts[language] += 1  # type: ignore[index]
    return counts


def _similar_pairs(kb: KnowledgeBase) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """Near-duplicates within an intent, examples shared across intents, and each intent's distinct examples.

    Only pairs with an example the operator wrote are reported (built-in ones are not theirs to edit);
    every example the matcher has counts towards an intent's distinct examples.
    """
    texts: list[tuple[str, str, str, bool]] = []  # (intent, question, normalised, written by the operator)
    for entry in kb.entries:
        own = len(_own_questions(entry)) if not entry.builtin else 0
        texts += [(entry.id, q, normalize(q), position < own) for position, q in enumerate(entry.questions)]
    norms = [t[2] for t in texts]
    operator = [i for i, t in enumerate(texts) if t[3]]
    builtin = {e.id for e in kb.entries if e.builtin}
    within: list[dict[str, Any]] = []
    across: list[dict[str, Any]] = []
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(operator), _CHUNK):
        rows = operator[start:start + _CHUNK]
        scores = process.cdist([norms[i] for i in rows], norms, scorer=fuzz.ratio, processor=None,
                               score_cutoff=NEAR_DUPLICATE, dtype=np.uint8)
        for r, j in zip(*np.nonzero(scores)):
            i, j = rows[int(r)], int(j)
            if i == j or not norms[i] or (texts[j][3] and j < i):
                continue  # each pair of operator examples once
            a, b = texts[i], texts[j]
            similarity = int(scores[r, j])
            if a[0] == b[0]:
                parent[root(i)] = root(j)
                if b[3]:
                    within.append({"intent": a[0], "texts": [a[1], b[1]], "similarity": similarity})
            else:
                across.append({"intents": [a[0], b[0]], "texts": [a[1], b[1]], "similarity": similarity,
                               "builtin": b[0] in builtin or not b[3]})
    distinct: dict[str, int] = Counter(texts[i][0] for i in range(len(texts)) if root(i) == i)
    within.sort(key=lambda d: (-d["similarity"], d["intent"]))
    across.sort(key=lambda d: (-d["similarity"], d["intents"]))
    return within, across, distinct


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def diagnose(kb: KnowledgeBase, *, threshold: float | None = None, seed: int = SEED) -> dict[str, Any]:
    """The doctor's report on a (valid) knowledge base: the JSON structure in the module docstring.

    `threshold`: the operator's fixed matching threshold (MATCH_THRESHOLD), if any; by default each fold
    calibrates its own, as the bot does at start-up.
    """
    start = time.perf_counter()
    entries = kb.operator_entries
    held, thresholds, n_folds = _cross_validate(kb, threshold, seed) if len(entries) >= 2 else ([], [], 0)
    within, across, distinct = _similar_pairs(kb)
    by_intent: dict[str, list[_HeldOut]] = defaultdict(list)
    for item in held:
        by_intent[item.intent].append(item)

    intents = []
    for entry in entries:
        items = by_intent.get(entry.id, [])
        languages = _languages(entry.questions)
        intents.append({
            "id": entry.id,
            "examples": len(_own_questions(entry)),
            "builtin_examples": len(entry.questions) - len(_own_questions(entry)),
            "distinct_examples": distinct.get(entry.id, 0),
            "languages": languages,
            "missing_languages": [lang for lang, n in languages.items() if not n],
            "heldout": len(items),
            "top1_accuracy": _ratio(sum(i.right for i in items), len(items)),
            "answered_accuracy": _ratio(sum(i.right and i.decision == "answer" for i in items), len(items)),
            "wrong_answers": sum(not i.right and i.decision == "answer" for i in items),
            "voted_for": dict(Counter(i.voted_for for i in items if not i.right and i.voted_for).most_common()),
        })
    intents.sort(key=lambda d: (d["top1_accuracy"] if d["top1_accuracy"] is not None else 2.0,
                                d["answered_accuracy"] if d["answered_accuracy"] is not None else 2.0,
                                -d["wrong_answers"], d["id"]))

    wrong = [item for item in held if not item.right]
    pairs: dict[tuple[str, str], list[_HeldOut]] = defaultdict(list)
    for item in wrong:
        if item.voted_for is not None:
            pairs[tuple(sorted((item.intent, item.voted_for)))].append(item)  # type: ignore[index]
    confused = [
        {"intents": list(key), "count": len(items), "wrong_answers": sum(i.decision == "answer" for i in items),
         "examples": [i.as_json() for i in sorted(items, key=_worst)]}
        for key, items in pairs.items()
    ]
    confused.sort(key=lambda d: (-d["count"], -d["wrong_answers"], d["intents"]))

    few = []
    for entry in entries:
        n, d = len(entry.questions), distinct.get(entry.id, 0)  # a merged built-in's examples count
        if n < MIN_QUESTIONS or d < MIN_QUESTIONS:
            few.append({"intent": entry.id, "examples": len(_own_questions(entry)), "distinct_examples": d,
                        "reason": "few" if n < MIN_QUESTIONS else "similar"})
    few.sort(key=lambda d: (d["distinct_examples"], d["examples"], d["intent"]))
    missing = [{"intent": d["id"], "missing": d["missing_languages"], "languages": d["languages"]}
               for d in intents if d["missing_languages"]]
    missing.sort(key=lambda d: (-len(d["missing"]), d["intent"]))

    return {
        "version": REPORT_VERSION,
        "kb": str(kb.directory),
        "seconds": round(time.perf_counter() - start, 2),
        "summary": {
            "intents": len(entries),
            "examples": sum(len(_own_questions(e)) for e in entries),
            "folds": n_folds,
            "top1_accuracy": _ratio(sum(i.right for i in held), len(held)),
            "answered_accuracy": _ratio(sum(i.right and i.decision == "answer" for i in held), len(held)),
            "wrong_answer_rate": _ratio(sum(not i.right and i.decision == "answer" for i in held), len(held)),
            "fold_thresholds": [round(t, 4) for t in thresholds],
        },
        "intents": intents,
        "confused_pairs": confused,
        "misvoting_examples": [i.as_json() for i in sorted(wrong, key=_worst)],
        "few_examples": few,
        "near_duplicates": within,
        "shared_examples": across,
        "missing_languages": missing,
    }


def _worst(item: _HeldOut) -> tuple[int, float, str, str]:
    """Confident wrong answers first, then "did you mean" offers, then the rest; by confidence."""
    rank = {"answer": 0, "clarify": 1}.get(item.decision, 2)
    return rank, -item.confidence, item.intent, item.text


# --------------------------------------------------------------------------------------------- text


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _section(title: str, groups: list[list[str]], limit: int | None, empty: str = "none") -> list[str]:
    """A titled section of line groups, cut after `limit` lines (a group is never split)."""
    lines = [title]
    if not groups:
        return lines + [f"  {empty}", ""]
    shown = 0
    for n, group in enumerate(groups):
        if limit is not None and shown and shown + len(group) > limit:
            lines.append(f"  ... {len(groups) - n} more (--all to list them)")
            break
        lines += group
        shown += len(group)
    return lines + [""]


def _quote(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return f"\"{text if len(text) <= width else text[:width - 1] + '…'}\""


def _distinct(finding: dict[str, Any]) -> str:
    return f", {finding['distinct_examples']} distinct" if finding["reason"] == "similar" else ""


def render(report: dict[str, Any], *, limit: int | None = 20) -> str:
    """The report for a terminal: short sections, worst first, at most `limit` lines each (None: all)."""
    s = report["summary"]
    out = [f"kb doctor: {report['kb']}: {s['intents']} intents, {s['examples']} example questions ({report['seconds']:.1f} s)"]
    if s["folds"]:
        out.append(
            f"Each example held out in turn ({s['folds']} folds): {_pct(s['top1_accuracy'])} ranked first for their own "
            f"intent, {_pct(s['answered_accuracy'])} answered with it, {_pct(s['wrong_answer_rate'])} answered with another."
        )
    else:
        out.append("Cross-validation needs at least two intents of your own: skipped.")
    out.append("")

    weak = [d for d in report["intents"] if d["top1_accuracy"] is not None and (d["top1_accuracy"] < 1 or d["wrong_answers"])]
    groups = []
    for d in weak:
        votes = ", ".join(f"{k} ({n})" for k, n in d["voted_for"].items())
        line = (f"  {d['id']}: {d['top1_accuracy']:.0%} ranked first, {d['answered_accuracy']:.0%} answered"
                f" (of {d['heldout']})" + (f"; votes go to {votes}" if votes else ""))
        groups.append([line])
    out += _section("Intents understood worst (each example held out; add examples that say it another way):", groups, limit,
                    "none: every held-out example was ranked first for its own intent")

    groups = []
    for d in report["confused_pairs"]:
        a, b = d["intents"]
        group = [f"  {a} <-> {b}: {catalog_text('cli.doctor.examples', 'en', count=d['count'])}" + (f", {d['wrong_answers']} answered wrongly" if d["wrong_answers"] else "")]
        group += [f"      {_quote(e['text'])} ({e['intent']}) -> {e['voted_for']}" for e in d["examples"][:3]]
        if len(d["examples"]) > 3:
            group.append(f"      ... {len(d['examples']) - 3} more")
        groups.append(group)
    out += _section("Intents most often confused (make their examples say what differs, or merge them):", groups, limit)

    groups = [[f"  [{e['decision']}] {_quote(e['text'])}  {e['intent']} -> {e['voted_for'] or '(no intent)'}"
               + (f" ({e['confidence']:.2f})" if e["voted_for"] else "")] for e in report["misvoting_examples"]]
    out += _section("Examples that vote for another intent (reword, move to the right intent, or delete):", groups, limit)

    groups = [[f"  {d['intent']}: {catalog_text('cli.doctor.examples', 'en', count=d['examples'])}" + _distinct(d)]
              for d in report["few_examples"]]
    title = f"Too few examples (fewer than {MIN_QUESTIONS} distinct; write {MIN_QUESTIONS} to {MAX_QUESTIONS} ways customers ask):"
    out += _section(title, groups, limit)

    groups = [[f"  {d['intent']}: {_quote(d['texts'][0], 40)} ~ {_quote(d['texts'][1], 40)} ({d['similarity']})"]
              for d in report["near_duplicates"]]
    out += _section(f"Near-duplicate examples (similarity >= {NEAR_DUPLICATE} once normalised: they add no new phrasing):", groups, limit)

    groups = []
    for d in report["shared_examples"]:
        (a, b), (x, y) = d["texts"], d["intents"]
        groups.append([f"  {_quote(a, 40)} ({x}) ~ {_quote(b, 40)} ({y}{', built-in' if d['builtin'] else ''}) ({d['similarity']})"])
    out += _section("Examples shared by two intents (they split the votes; keep each in one intent):", groups, limit)

    groups = []
    for d in report["missing_languages"]:
        has = ", ".join(f"{lang} {n}" for lang, n in d["languages"].items() if n) or "none detected"
        groups.append([f"  {d['intent']}: no {', '.join(d['missing'])} (has {has})"])
    out += _section("Languages with no example (add one or two examples in each language customers write):", groups, limit)
    return "\n".join(out).rstrip() + "\n"
