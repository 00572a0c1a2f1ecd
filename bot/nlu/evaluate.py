"""Measure the matcher on a knowledge base and a file of labelled test messages.

The cases file is JSON Lines, one object a line: ``{"text": "保修多久", "expect": "warranty.period"}``, or
``"expect": null`` for a message the bot should not answer (out of scope), with an optional ``"lang"``
(any non-empty string: ``zh-Hans``, ``zh-Hant``, ``en``, ``mixed`` ...) to get the figures per language
too. Blank lines and lines starting with ``#`` are skipped.

The figures, each a fraction:

* ``in_scope_accuracy``: in-scope cases whose decision is "answer" with the expected intent;
* ``oos_recall``: out-of-scope cases whose decision is anything but "answer" (clarify or unknown);
* ``wrong_answer_rate``: over all cases, the confident wrong answers: in-scope cases answered with
  another intent plus out-of-scope cases answered;
* ``clarify_hit_rate``: in-scope cases where the bot asked "did you mean" and offered the expected intent
  among its options (the matcher's candidates, as the conversation shows them);
* ``accuracy_at_war_0.05`` and ``threshold_at_war_0.05``: sweeping the threshold over the cases'
  confidences, the highest in-scope accuracy whose wrong-answer rate is at most 0.05, and the threshold
  that gives it (an analysis of these cases only: the matcher's threshold is left alone).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np

from bot.knowledge.faq import load_knowledge
from bot.nlu.matcher import MAX_CANDIDATES, Candidate, IntentMatcher

__all__ = ["WAR_BUDGET", "Case", "evaluate", "load_cases", "score_cases"]

# The wrong-answer rate a deployment that would rather hand off than mislead accepts (accuracy_at_war_*).
WAR_BUDGET = 0.05
# The by_lang group of cases without a "lang" in a file where other cases have one.
NO_LANG = "(none)"


class Case(NamedTuple):
    """One labelled message: `expect` is None for out of scope; `lang` is optional."""

    text: str
    expect: str | None
    lang: str | None = None


def load_cases(cases_path: Path, known_ids: set[str] | None = None) -> list[Case]:
    """Read and validate the cases file; a bad line raises ValueError naming the file and line.

    With `known_ids`, a case expecting an intent the knowledge base does not have is an error too:
    it could never be answered correctly, and is almost always a typo.
    """
    cases: list[Case] = []
    path = Path(cases_path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the cases file ({exc})") from None
    for number, line in enumerate(content.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"{path}:{number}"
        try:
            case = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(case, dict):
            raise ValueError(f"{where}: each line must be an object with \"text\" and \"expect\"")
        if "text" not in case or "expect" not in case:
            raise ValueError(f"{where}: missing \"text\" or \"expect\" (use \"expect\": null for out of scope)")
        text, expect = case["text"], case["expect"]
        if not isinstance(text, str):
            raise ValueError(f"{where}: \"text\" must be a string")
        if expect is not None and (not isinstance(expect, str) or not expect):
            raise ValueError(f"{where}: \"expect\" must be an intent id or null")
        if expect is not None and known_ids is not None and expect not in known_ids:
            raise ValueError(f"{where}: \"expect\" names {expect!r}, which the knowledge base does not have")
        lang = case.get("lang")
        if "lang" in case and (not isinstance(lang, str) or not lang.strip()):
            raise ValueError(f"{where}: \"lang\" must be a non-empty string (zh-Hans, zh-Hant, en, mixed ...) or left out")
        cases.append(Case(text, expect, lang))
    if not cases:
        raise ValueError(f"{path}: no cases found")
    return cases


@dataclass(frozen=True)
class _Scored:
    """One case run through the matcher."""

    case: Case
    candidates: tuple[Candidate, ...]
    decision: str
    answerable: bool  # answered at a threshold of 0: the policy answers it at any threshold <= best confidence

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def options(self) -> list[str]:
        """The intents a "did you mean" question offers (the engine shows the candidates, best first)."""
        return [c.intent_id for c in self.candidates[:MAX_CANDIDATES]] if self.decision == "clarify" else []

    def answered_right(self, decision: str | None = None) -> bool:
        best = self.best
        return (decision or self.decision) == "answer" and best is not None and best.intent_id == self.case.expect

    def answered_wrong(self, decision: str | None = None) -> bool:
        return (decision or self.decision) == "answer" and not self.answered_right(decision)

    def correct(self) -> bool:
        """In scope: answered with the expected intent; out of scope: not answered."""
        return self.answered_right() if self.case.expect is not None else self.decision != "answer"

    def clarify_hit(self) -> bool:
        return self.case.expect is not None and self.case.expect in self.options

    def detail(self) -> dict[str, Any]:
        best = self.best
        return {
            "text": self.case.text,
            "lang": self.case.lang,
            "expect": self.case.expect,
            "decision": self.decision,
            "intent": best.intent_id if best else None,
            "confidence": round(best.confidence, 4) if best else None,
            "options": self.options,
            "correct": self.correct(),
            "wrong_answer": self.answered_wrong(),
            "candidates": [[c.intent_id, round(c.confidence, 4)] for c in self.candidates],
        }


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _figures(scored: Sequence[_Scored]) -> dict[str, Any]:
    """in_scope_accuracy, oos_recall, wrong_answer_rate, clarify_hit_rate and the counts of a group of cases."""
    in_scope = [s for s in scored if s.case.expect is not None]
    oos = [s for s in scored if s.case.expect is None]
    return {
        "in_scope_accuracy": _ratio(sum(s.answered_right() for s in in_scope), len(in_scope)),
        "oos_recall": _ratio(sum(s.decision != "answer" for s in oos), len(oos)),
        "wrong_answer_rate": _ratio(sum(s.answered_wrong() for s in scored), len(scored)),
        "clarify_hit_rate": _ratio(sum(s.clarify_hit() for s in in_scope), len(in_scope)),
        "n_in_scope": len(in_scope),
        "n_oos": len(oos),
    }


def _accuracy_at_war(matcher: IntentMatcher, scored: Sequence[_Scored], budget: float = WAR_BUDGET) -> tuple[float, float | None]:
    """The highest in-scope accuracy over thresholds whose wrong-answer rate is at most `budget`, and that threshold.

    Only answers count for both figures, and the policy answers a case at threshold t exactly when it
    is answerable (answered at t = 0: no close runner-up) and its best confidence is >= t; so the
    thresholds worth trying are the answerable cases' best confidences, from the highest down. Among
    thresholds giving the same accuracy the highest (fewest wrong answers) wins. When even the highest
    answers too many wrongly, the result is (0.0, None): nothing can be answered within the budget.
    The figures are then checked with the matcher's own policy at the chosen threshold.
    """
    n_in_scope = sum(s.case.expect is not None for s in scored)
    if not scored or not n_in_scope:
        return 0.0, None
    answerable = sorted((s for s in scored if s.answerable and s.best is not None), key=lambda s: -s.best.confidence)  # type: ignore[union-attr]
    best_accuracy, best_threshold = 0.0, None
    right = wrong = 0
    i = 0
    while i < len(answerable):
        threshold = answerable[i].best.confidence  # type: ignore[union-attr]
        while i < len(answerable) and answerable[i].best.confidence == threshold:  # type: ignore[union-attr]
            right += answerable[i].answered_right("answer")
            wrong += answerable[i].answered_wrong("answer")
            i += 1
        if wrong > budget * len(scored) + 1e-9:
            break  # lower thresholds only add answers, never remove a wrong one
        if right / n_in_scope > best_accuracy:
            best_accuracy, best_threshold = right / n_in_scope, threshold
    if best_threshold is None:
        return 0.0, None
    decisions = [matcher.decide(s.candidates, best_threshold) for s in scored]
    right = sum(s.answered_right(d) for s, d in zip(scored, decisions) if s.case.expect is not None)
    return round(right / n_in_scope, 4), best_threshold


def score_cases(
    matcher: IntentMatcher,
    cases: Sequence[tuple[str, str | None] | tuple[str, str | None, str | None]],
    threshold: float | None = None,
    details: IO[str] | None = None,
) -> dict[str, Any]:
    """Run every case through the matcher, one at a time, and compute the figures.

    `cases` are (text, expect) or (text, expect, lang) tuples (`Case`s from `load_cases`). With
    `threshold`, decisions are taken at that threshold instead of the matcher's. With `details`, one JSON
    line per case is written to it (text, lang, expect, decision, intent, confidence, options, correct,
    wrong_answer, candidates).
    """
    scored: list[_Scored] = []
    latencies: list[float] = []
    for raw in cases:
        case = Case(*raw)
        start = time.perf_counter()
        result = matcher.match(case.text)
        latencies.append((time.perf_counter() - start) * 1000.0)
        decision = result.decision if threshold is None else matcher.decide(result.candidates, threshold)
        answerable = matcher.decide(result.candidates, 0.0) == "answer"
        scored.append(_Scored(case, tuple(result.candidates), decision, answerable))
    if details is not None:
        for item in scored:
            details.write(json.dumps(item.detail(), ensure_ascii=False) + "\n")
    figures = _figures(scored)
    accuracy, war_threshold = _accuracy_at_war(matcher, scored)
    report: dict[str, Any] = {
        "in_scope_accuracy": figures["in_scope_accuracy"],
        "oos_recall": figures["oos_recall"],
        "p50_ms": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 3) if latencies else None,
        "n_in_scope": figures["n_in_scope"],
        "n_oos": figures["n_oos"],
        "threshold": matcher.threshold if threshold is None else threshold,
        "wrong_answer_rate": figures["wrong_answer_rate"],
        "clarify_hit_rate": figures["clarify_hit_rate"],
        f"accuracy_at_war_{WAR_BUDGET}": accuracy,
        f"threshold_at_war_{WAR_BUDGET}": war_threshold,
    }
    if any(s.case.lang is not None for s in scored):
        report["by_lang"] = {lang: _figures(group) for lang, group in _by_lang(scored)}
    return report


def _by_lang(scored: Iterable[_Scored]) -> list[tuple[str, list[_Scored]]]:
    groups: dict[str, list[_Scored]] = {}
    for item in scored:
        groups.setdefault(item.case.lang if item.case.lang is not None else NO_LANG, []).append(item)
    return sorted(groups.items())


def evaluate(kb_dir: Path, cases_path: Path, details_path: Path | None = None) -> dict[str, Any]:
    """Load the knowledge base, train the matcher (auto-calibrated threshold) and score the cases file.

    Returns the figures of `score_cases`: in_scope_accuracy, oos_recall, p50_ms, p99_ms (one message at a
    time), n_in_scope, n_oos, the threshold in force, wrong_answer_rate, clarify_hit_rate,
    accuracy_at_war_0.05 and threshold_at_war_0.05, and by_lang when the cases carry a "lang". With
    `details_path`, one JSON line per case is written there. Raises ValueError on a bad cases file and
    OSError on a details file that cannot be written (both before training anything), KnowledgeErrors on
    a bad knowledge base.
    """
    kb = load_knowledge(kb_dir)
    known = {entry.id for entry in kb.entries} | {alias for entry in kb.entries for alias in entry.merged}
    # A case naming a built-in that an operator intent absorbed expects that intent (bot.knowledge.smalltalk).
    cases = [
        case._replace(expect=kb.entry(case.expect).id) if case.expect is not None else case  # type: ignore[union-attr]
        for case in load_cases(cases_path, known)
    ]
    if details_path is None:
        return score_cases(IntentMatcher.from_knowledge(kb), cases)
    with Path(details_path).open("w", encoding="utf-8") as details:
        return score_cases(IntentMatcher.from_knowledge(kb), cases, details=details)
