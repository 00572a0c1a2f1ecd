"""Before accepted examples go live: the doctor's checks and a before/after cross-validation.

`kb doctor` (bot.nlu.doctor) holds each example out in turn (its folds: `plan_folds`) and asks the real
matcher trained without it. Run twice, with and without the additions, it would draw different folds
(adding examples reshuffles them), and the figures would move by chance alone. So this runs the doctor's
procedure once over the folds of the knowledge base as it is, and trains two matchers per fold: without
and with the additions, the same examples held out from both. Added examples are held out too, spread
over the same folds. The supervisor is shown:

* top-1 accuracy, answered-right and answered-wrong rates on the examples the knowledge base had before,
  before and after (the same questions, the same folds: a change is the additions' doing);
* the examples that were understood before and are not any more (regressions);
* each added example that votes for another intent (or none) once held out;
* pairs of intents whose examples vote for each other more often than before;
* added examples that say the same as an example of another intent (rapidfuzz ratio at or above the
  doctor's `NEAR_DUPLICATE` once normalised): they split the votes.

Training runs in a thread (about a second per matcher on the demo knowledge base, ten matchers); the
"before" side depends only on the active version, and is kept between checks.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz, process

from bot.knowledge.faq import FaqEntry, KnowledgeBase
from bot.learning import additions as learned
from bot.nlu.calibrate import plan_folds
from bot.nlu.doctor import NEAR_DUPLICATE, SEED
from bot.nlu.matcher import IntentMatcher
from bot.nlu.normalize import normalize

__all__ = ["compare", "evaluate"]

Pair = tuple[str, str]  # (intent id, example question)
Vote = tuple[str | None, str]  # (the intent it voted for, the decision)


def _own(entry: FaqEntry) -> tuple[str, ...]:
    return entry.questions[: len(entry.questions) - len(entry.merged_questions)]


def _examples(kb: KnowledgeBase) -> list[Pair]:
    """The operator's examples (a merged built-in's are never held out, as in the doctor)."""
    return [(entry.id, q) for entry in kb.operator_entries for q in _own(entry)]


def _without(kb: KnowledgeBase, held: Sequence[Pair]) -> KnowledgeBase:
    out: dict[str, set[str]] = {}
    for intent, question in held:
        out.setdefault(intent, set()).add(question)
    entries = tuple(
        replace(e, questions=tuple(q for q in _own(e) if q not in out[e.id]) + e.merged_questions) if e.id in out else e
        for e in kb.entries
    )
    return replace(kb, entries=entries)


def _vote(matcher: IntentMatcher, question: str) -> Vote:
    result = matcher.match(question)
    return (result.best.intent_id if result.best else None), result.decision


def _folds(kb: KnowledgeBase) -> tuple[list[Pair], list[list[int]]]:
    pairs = _examples(kb)
    plan = plan_folds([intent for intent, _ in pairs], 0, seed=SEED, large=len(pairs) + 1)
    return pairs, [sorted(fold.positives) for fold in plan]


def _cross_validate(
    before_kb: KnowledgeBase, after_kb: KnowledgeBase, added: Sequence[Pair], threshold: float | None,
    before: dict[Pair, Vote] | None,
) -> tuple[dict[Pair, Vote], dict[Pair, Vote], dict[Pair, Vote]]:
    """(votes before, votes after, votes of the added examples), each example held out once."""
    pairs, folds = _folds(before_kb)
    votes_before: dict[Pair, Vote] = dict(before or {})
    votes_after: dict[Pair, Vote] = {}
    votes_added: dict[Pair, Vote] = {}
    for number, positives in enumerate(folds):
        held = [pairs[i] for i in positives]
        held_added = [pair for k, pair in enumerate(added) if k % len(folds) == number]
        if before is None:
            model = IntentMatcher.from_knowledge(_without(before_kb, held), threshold=threshold)
            votes_before.update({pair: _vote(model, pair[1]) for pair in held})
        model = IntentMatcher.from_knowledge(_without(after_kb, held + held_added), threshold=threshold)
        votes_after.update({pair: _vote(model, pair[1]) for pair in held})
        votes_added.update({pair: _vote(model, pair[1]) for pair in held_added})
    return votes_before, votes_after, votes_added


def _figures(votes: Mapping[Pair, Vote]) -> dict[str, float | None]:
    n = len(votes)
    if not n:
        return {"top1_accuracy": None, "answered_accuracy": None, "wrong_answer_rate": None}
    right = [pair for pair, (voted, _) in votes.items() if voted == pair[0]]
    return {
        "top1_accuracy": round(len(right) / n, 4),
        "answered_accuracy": round(sum(votes[p][1] == "answer" for p in right) / n, 4),
        "wrong_answer_rate": round(sum(v != p[0] and d == "answer" for p, (v, d) in votes.items()) / n, 4),
    }


def _confused(votes: Mapping[Pair, Vote]) -> Counter[tuple[str, str]]:
    return Counter(tuple(sorted((pair[0], voted))) for pair, (voted, _) in votes.items() if voted and voted != pair[0])  # type: ignore[misc]


def _shared(after_kb: KnowledgeBase, added: Sequence[Pair]) -> list[dict[str, Any]]:
    """Added examples nearly the same as an example of another intent."""
    others = [(entry.id, q, normalize(q)) for entry in after_kb.entries for q in entry.questions]
    found = []
    for intent, question in added:
        norm = normalize(question)
        candidates = [(i, q, n) for i, q, n in others if i != intent]
        hit = process.extractOne(norm, [n for _, _, n in candidates], scorer=fuzz.ratio, processor=None, score_cutoff=NEAR_DUPLICATE)
        if norm and hit:
            other_intent, other_question, _ = candidates[hit[2]]
            found.append({"intents": [intent, other_intent], "texts": [question, other_question], "similarity": int(hit[1])})
    return found


def compare(
    votes_before: Mapping[Pair, Vote], votes_after: Mapping[Pair, Vote], votes_added: Mapping[Pair, Vote],
    shared: list[dict[str, Any]],
) -> dict[str, Any]:
    """The figures and findings the supervisor confirms (see the module docstring), JSON-ready."""
    misvoting = [
        {"intent": intent, "text": text, "voted_for": voted, "decision": decision}
        for (intent, text), (voted, decision) in votes_added.items() if voted != intent
    ]
    regressions = [
        {"intent": intent, "text": text, "voted_for": votes_after[(intent, text)][0]}
        for (intent, text), (voted, _) in votes_before.items()
        if voted == intent and votes_after.get((intent, text), (None, ""))[0] != intent
    ]
    before_pairs, after_pairs = _confused(votes_before), _confused(votes_after)
    confusions = [
        {"intents": list(pair), "before": before_pairs.get(pair, 0), "after": count}
        for pair, count in sorted(after_pairs.items()) if count > before_pairs.get(pair, 0)
    ]
    return {
        "examples_before": len(votes_before),
        "examples_added": len(votes_added),
        "before": _figures(votes_before),
        "after": _figures(votes_after),
        "added": _figures(votes_added),
        "regressions": regressions,
        "misvoting": misvoting,
        "confusions": confusions,
        "shared": shared,
        "warnings": len(regressions) + len(misvoting) + len(confusions) + len(shared),
    }


def _added_pairs(proposed: Mapping[str, Any], active: Mapping[str, Any]) -> list[Pair]:
    already = learned.texts_added(active)
    pairs = [(i, q) for i, qs in (proposed.get("examples") or {}).items() for q in qs if q not in already]
    pairs += [(e["id"], q) for e in proposed.get("intents") or [] for q in e.get("questions") or [] if q not in already]
    return pairs


async def evaluate(
    base: KnowledgeBase, active: Mapping[str, Any], proposed: Mapping[str, Any], *, threshold: float | None,
    cached_before: dict[Pair, Vote] | None = None,
) -> tuple[dict[str, Any], dict[Pair, Vote]]:
    """(comparison, the "before" votes to keep for the next check of the same active version)."""
    before_kb = learned.apply(base, active)
    after_kb = learned.apply(base, proposed)
    added = _added_pairs(proposed, active)
    votes_before, votes_after, votes_added = await asyncio.to_thread(
        _cross_validate, before_kb, after_kb, added, threshold, cached_before
    )
    return compare(votes_before, votes_after, votes_added, _shared(after_kb, added)), votes_before
