"""Start-up cost of large knowledge bases: 150, 1,200 and 5,000 intents, each in a fresh process.

    python benchmarks/kb_scale.py --json [--sizes 150,1200,5000] [--timeout 600] [--no-cache]

A carrier's FAQ has thousands of entries, many the same question for a different product. This script
builds such knowledge bases from CLINC150 (Larson et al. 2019, CC BY 3.0): each of the 150 intents is
cloned once per product ("Acme Phone 3", "Acme Router 12", ...), with 6 of that intent's `train` questions
an intent (each mentioning the product) and an answer in zh-Hans, zh-Hant and en. They are written as
YAML under a temporary directory and loaded with the bot's own `load_knowledge`.

Each size runs in a fresh subprocess (so one size's memory does not count against the next), bounded by
`--timeout`; a size that runs out of time is reported as "did not finish". Per size:

* `load_s`: reading and validating the YAML; `train_s`: `IntentMatcher.from_knowledge` (training and
  calibration); `ready_s`: both, what start-up costs;
* `rss_mb`: the subprocess's peak RSS;
* `p50_ms` / `p99_ms`: `IntentMatcher.match` on one message at a time (CLINC150 `test` questions about a
  random product of the knowledge base, and `oos_test` questions), `top1_accuracy` on the in-scope ones;
* with the model cache (`bot.nlu.cache`, unless `--no-cache`): a first process trains and writes the
  cache (`cache_write_s`: the time to write it), a second one with the same knowledge base loads it
  (`cached_ready_s`: loading the YAML plus the model, `cached_rss_mb`).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
EXAMPLES_PER_INTENT = 6
FAMILIES = ("Phone", "Tablet", "Laptop", "Router", "Watch", "Printer", "Monitor", "Desktop", "Earbuds", "TV")
TEMPLATES = ("{q} on my {p}", "{p}: {q}", "{q} ({p})", "about the {p}, {q}")


def product(index: int) -> str:
    """The index-th product name: Acme Phone 1, Acme Tablet 1, ..., Acme Phone 2, ..."""
    return f"Acme {FAMILIES[index % len(FAMILIES)]} {index // len(FAMILIES) + 1}"


def mention(question: str, name: str, k: int) -> str:
    return TEMPLATES[k % len(TEMPLATES)].format(q=question, p=name)


def build_kb(data: dict, n_intents: int, directory: Path) -> list[tuple[str, int]]:
    """Write a knowledge base of `n_intents` intents under `directory`; return its (intent, product) pairs."""
    import yaml

    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        by_intent.setdefault(intent, []).append(text)
    names = sorted(by_intent)
    (directory / "faq").mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, int]] = []
    p = 0
    while len(made) < n_intents:
        name = product(p)
        entries = []
        for intent in names[: n_intents - len(made)]:
            pool = by_intent[intent]
            questions = [mention(pool[(p * EXAMPLES_PER_INTENT + k) % len(pool)], name, p + k) for k in range(EXAMPLES_PER_INTENT)]
            label = intent.replace("_", " ")
            entries.append({
                "id": f"{intent}.p{p:02d}",
                "questions": questions,
                "answer": {
                    "zh-Hans": f"{name}：关于“{label}”，请参阅说明书第{p + 1}章。",
                    "zh-Hant": f"{name}：關於「{label}」，請參閱說明書第{p + 1}章。",
                    "en": f"{name}: for {label}, see chapter {p + 1} of the manual.",
                },
            })
            made.append((intent, p))
        text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000)
        (directory / "faq" / f"product_{p:02d}.yaml").write_text(text, encoding="utf-8")
        p += 1
    return made


def build_queries(data: dict, made: list[tuple[str, int]], n: int, seed: int = 7) -> list[dict]:
    """`n` messages: 80% CLINC150 test questions about one of the KB's products, 20% oos_test."""
    rng = random.Random(seed)
    products_of: dict[str, list[int]] = {}
    for intent, p in made:
        products_of.setdefault(intent, []).append(p)
    tests = [(t, i) for t, i in data["test"] if i in products_of]
    queries = []
    for k in range(n):
        if k % 5 == 4:
            queries.append({"text": rng.choice(data["oos_test"])[0], "gold": None})
            continue
        text, intent = rng.choice(tests)
        p = rng.choice(products_of[intent])
        queries.append({"text": mention(text, product(p), k), "gold": f"{intent}.p{p:02d}"})
    return queries


# ------------------------------------------------------------------------------------------ child side


def child(kb_dir: Path, queries_file: Path, cache_dir: Path | None) -> dict:
    """Load and train (or load from the cache) in this fresh process; time a few queries."""
    import numpy as np

    from bot.knowledge import load_knowledge
    from bot.memory import fix_malloc_thresholds

    fix_malloc_thresholds()  # as `supportbot` does at start
    out: dict = {}
    start = time.perf_counter()
    kb = load_knowledge(kb_dir)
    out["load_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    if cache_dir is None:
        from bot.nlu.matcher import IntentMatcher

        matcher = IntentMatcher.from_knowledge(kb)
    else:
        from bot.nlu.cache import load_or_train

        info: dict = {}
        matcher = load_or_train(kb, cache_dir=cache_dir, report=info)
        out["cache"] = info
    out["train_s"] = round(time.perf_counter() - start, 2)
    out["ready_s"] = round(out["load_s"] + out["train_s"], 2)
    out["threshold"] = matcher.threshold
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    latencies, right, n_in = [], 0, 0
    for q in queries:
        t0 = time.perf_counter()
        result = matcher.match(q["text"])
        latencies.append((time.perf_counter() - t0) * 1000.0)
        if q["gold"] is not None:
            n_in += 1
            right += bool(result.best and result.best.intent_id == q["gold"])
    out["p50_ms"] = round(float(np.percentile(latencies, 50)), 3)
    out["p99_ms"] = round(float(np.percentile(latencies, 99)), 3)
    out["top1_accuracy"] = round(right / max(n_in, 1), 4)
    out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    return out


# ----------------------------------------------------------------------------------------- parent side


def run_child(kb_dir: Path, queries_file: Path, cache_dir: Path | None, timeout: float) -> dict:
    command = [sys.executable, __file__, "--child", str(kb_dir), "--queries-file", str(queries_file)]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"status": "did not finish", "timeout_s": timeout}
    if done.returncode != 0:
        return {"status": "failed", "stderr": done.stderr.strip().splitlines()[-5:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - start, 2)
    result["status"] = "ok"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data_full.json from CLINC150")
    parser.add_argument("--sizes", default="150,1200,5000", help="intent counts, comma-separated")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per size and process")
    parser.add_argument("--queries", type=int, default=1000, help="messages timed per size")
    parser.add_argument("--no-cache", action="store_true", help="skip the model-cache runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.queries_file, args.cache_dir)))
        return 0

    data = json.loads(args.data.read_text(encoding="utf-8"))
    results = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory(prefix=f"kb_scale_{size}_") as tmp:
            kb_dir = Path(tmp) / "knowledge"
            made = build_kb(data, size, kb_dir)
            queries_file = Path(tmp) / "queries.json"
            queries_file.write_text(json.dumps(build_queries(data, made, args.queries)), encoding="utf-8")
            n_examples = size * EXAMPLES_PER_INTENT
            row: dict = {"intents": size, "examples": n_examples, **run_child(kb_dir, queries_file, None, args.timeout)}
            if not args.no_cache:
                cache_dir = Path(tmp) / "model-cache"
                first = run_child(kb_dir, queries_file, cache_dir, args.timeout)
                row["cache_write_s"] = (first.get("cache") or {}).get("write_s", first.get("status"))
                second = run_child(kb_dir, queries_file, cache_dir, args.timeout)
                if second.get("status") == "ok":
                    row["cached_ready_s"] = second["ready_s"]
                    row["cached_rss_mb"] = second["rss_mb"]
                    row["cached_p99_ms"] = second["p99_ms"]
                    row["cache_hit"] = (second.get("cache") or {}).get("hit")
                else:
                    row["cached_ready_s"] = second.get("status")
        results.append(row)
        if not args.json:
            print(json.dumps(row), flush=True)
    if args.json:
        print(json.dumps({"sizes": results, "examples_per_intent": EXAMPLES_PER_INTENT, "timeout_s": args.timeout}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
