"""How well the matcher does on a knowledge base it has not seen, from that knowledge base's own examples.

    python benchmarks/kb_crossval.py --kb knowledge --kb benchmarks/second_kb [--seeds 13,7] [--json]
    python benchmarks/kb_crossval.py --kb knowledge --cross-lingual [--json]

The development loop that issue 10's honest protocol allows on a knowledge base: no cases file, only the
operator's example questions. Nested cross-validation, with the matcher's own `plan_folds` (5 folds per
seed): in each fold a fifth of the intents is removed from the knowledge base altogether (their examples
stand for out-of-scope questions about neighbouring topics) and, of the other intents, one example in five
is held out (in scope). The real `IntentMatcher.from_knowledge` is trained on the rest (calibration and its
automatic threshold included, exactly as the bot starts) and asked every held-out example. Per knowledge
base, summed over the folds and seeds:

* `top1`: held-out in-scope examples whose best candidate is right; `top3`: right intent among the
  candidates the bot would offer;
* `in_scope_accuracy`: answered (decision "answer") with the right intent;
* `oos_recall`: examples of removed intents not answered;
* `wrong_answer_rate`: answers with a wrong intent plus answered out-of-scope examples, over all;
* `threshold`: mean automatic threshold.

`--cross-lingual` instead trains once on the knowledge base without its English examples and asks
those (how well the Chinese-English bridge carries English questions to Chinese-only examples); it needs a
knowledge base that has English examples. Built-in intents are never held out. Held-out intents are
near-domain, so out-of-scope recall here is much lower than on real off-topic messages; use the figures to
compare two versions of the matcher, not as the bot's accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge.faq import KnowledgeBase, load_knowledge  # noqa: E402
from bot.nlu.calibrate import plan_folds  # noqa: E402
from bot.nlu.language import detect_language  # noqa: E402
from bot.nlu.matcher import IntentMatcher  # noqa: E402


def _own(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """The operator's own example questions per intent (not those a merged built-in brought)."""
    return {e.id: e.questions[: len(e.questions) - len(e.merged_questions)] for e in kb.operator_entries}


def _without(kb: KnowledgeBase, drop_intents: frozenset[str], drop_questions: set[tuple[str, str]]) -> KnowledgeBase:
    own = _own(kb)
    entries = []
    for entry in kb.entries:
        if entry.id in drop_intents:
            continue
        if entry.id in own:
            kept = tuple(q for q in own[entry.id] if (entry.id, q) not in drop_questions)
            entry = replace(entry, questions=kept + entry.questions[len(own[entry.id]):])
        entries.append(entry)
    return replace(kb, entries=tuple(entries))


def crossval(kb: KnowledgeBase, seeds: list[int]) -> dict[str, float]:
    """Nested cross-validation figures (see the module docstring)."""
    pairs = [(intent, q) for intent, questions in _own(kb).items() for q in questions]
    n_pos = top1 = top3 = right = wrong = n_neg = rejected = 0
    thresholds: list[float] = []
    for seed in seeds:
        folds = plan_folds([intent for intent, _ in pairs], 0, seed=seed, large=len(pairs) + 1)
        for fold in folds:
            if not fold.positives:
                continue
            held = {pairs[j] for j in fold.positives}
            matcher = IntentMatcher.from_knowledge(_without(kb, fold.held_out_intents, held))
            thresholds.append(matcher.threshold)
            for j in fold.positives:
                intent, question = pairs[j]
                result = matcher.match(question)
                best = result.best.intent_id if result.best else None
                n_pos += 1
                top1 += best == intent
                top3 += any(c.intent_id == intent for c in result.candidates)
                if result.decision == "answer":
                    right += best == intent
                    wrong += best != intent
            for j in fold.negatives:
                n_neg += 1
                rejected += matcher.match(pairs[j][1]).decision != "answer"
    if not n_pos or not n_neg:
        raise SystemExit("too few intents or examples to cross-validate")
    return {
        "top1": round(top1 / n_pos, 4), "top3": round(top3 / n_pos, 4),
        "in_scope_accuracy": round(right / n_pos, 4), "oos_recall": round(rejected / n_neg, 4),
        "wrong_answer_rate": round((wrong + n_neg - rejected) / (n_pos + n_neg), 4),
        "threshold": round(sum(thresholds) / len(thresholds), 3), "n_in_scope": n_pos, "n_oos": n_neg,
    }


def cross_lingual(kb: KnowledgeBase) -> dict[str, float]:
    """Train without the English examples, ask them (see the module docstring)."""
    english = {(intent, q) for intent, questions in _own(kb).items() for q in questions if detect_language(q) == "en"}
    if not english:
        raise SystemExit("the knowledge base has no English example to hold out")
    matcher = IntentMatcher.from_knowledge(_without(kb, frozenset(), english))
    top1 = right = 0
    for intent, question in sorted(english):
        result = matcher.match(question)
        ok = bool(result.best and result.best.intent_id == intent)
        top1 += ok
        right += ok and result.decision == "answer"
    return {"top1": round(top1 / len(english), 4), "in_scope_accuracy": round(right / len(english), 4),
            "threshold": matcher.threshold, "n": len(english)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, action="append", required=True, help="knowledge directory (repeatable)")
    parser.add_argument("--seeds", default="13,7", help="comma-separated fold seeds (default 13,7)")
    parser.add_argument("--cross-lingual", action="store_true", help="hold out the English examples instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    start = time.perf_counter()
    out: dict[str, object] = {}
    for directory in args.kb:
        kb = load_knowledge(directory)
        out[str(directory)] = cross_lingual(kb) if args.cross_lingual else crossval(kb, seeds)
    out["seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key:30s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
