"""Measure the matcher on a knowledge base and a file of labelled test messages.

The cases file is JSON Lines, one object a line: ``{"text": "保修多久", "expect": "warranty.period"}``, or
``"expect": null`` for a message the bot should not answer (out of scope). Blank lines and lines starting
with ``#`` are skipped.

An in-scope case is correct only when the decision is "answer" with the expected intent; an out-of-scope
case is recalled when the decision is anything but "answer" (clarify or unknown).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.faq import load_knowledge
from bot.nlu.matcher import IntentMatcher

__all__ = ["evaluate", "load_cases", "score_cases"]


def load_cases(cases_path: Path, known_ids: set[str] | None = None) -> list[tuple[str, str | None]]:
    """Read and validate the cases file; a bad line raises ValueError naming the file and line.

    With `known_ids`, a case expecting an intent the knowledge base does not have is an error too:
    it could never be answered correctly, and is almost always a typo.
    """
    cases: list[tuple[str, str | None]] = []
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
        cases.append((text, expect))
    if not cases:
        raise ValueError(f"{path}: no cases found")
    return cases


def score_cases(matcher: IntentMatcher, cases: list[tuple[str, str | None]], threshold: float | None = None) -> dict[str, Any]:
    """Run every case through the matcher, one at a time, and compute the figures."""
    in_scope = oos = correct = recalled = 0
    latencies: list[float] = []
    for text, expect in cases:
        start = time.perf_counter()
        result = matcher.match(text)
        latencies.append((time.perf_counter() - start) * 1000.0)
        decision = result.decision if threshold is None else matcher.decide(result.candidates, threshold)
        if expect is None:
            oos += 1
            recalled += decision != "answer"
        else:
            in_scope += 1
            correct += decision == "answer" and result.best is not None and result.best.intent_id == expect
    return {
        "in_scope_accuracy": round(correct / in_scope, 4) if in_scope else None,
        "oos_recall": round(recalled / oos, 4) if oos else None,
        "p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "p99_ms": round(float(np.percentile(latencies, 99)), 3),
        "n_in_scope": in_scope,
        "n_oos": oos,
        "threshold": matcher.threshold if threshold is None else threshold,
    }


def evaluate(kb_dir: Path, cases_path: Path) -> dict[str, Any]:
    """Load the knowledge base, train the matcher (auto-calibrated threshold) and score the cases file.

    Returns in_scope_accuracy, oos_recall (fractions), p50_ms, p99_ms (one message at a time), n_in_scope,
    n_oos and the threshold in force. Raises ValueError on a bad cases file (before training anything), KnowledgeErrors on a bad knowledge base.
    """
    kb = load_knowledge(kb_dir)
    cases = load_cases(cases_path, {entry.id for entry in kb.entries})
    matcher = IntentMatcher.from_knowledge(kb)
    return score_cases(matcher, cases)
