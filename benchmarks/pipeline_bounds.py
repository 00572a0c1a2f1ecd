"""What `ratio_to_floor` would be without the durable inbox's update rows: a diagnosis, not a configuration.

`benchmarks/pipeline.py` measures the whole bot against the floor (aiogram echo plus the matcher). The
inbox (bot/channels/telegram/inbox.py) writes each update twice: a transaction of its own stores it
before it is acknowledged, and an UPDATE in the transaction after its replies went out records it
handled (that transaction also marks the replies sent). This script runs the same benchmark, in one
process, as it is and with the update rows taken away: each update is claimed in memory, and the
transaction after the replies only marks them sent, which the reply outbox needs (or every reply would
be sent again by the sweep). The turn's own transaction, the reply outbox and the sends are unchanged.
It answers one question: would dropping the update's durability reach the 0.5 target? The bot never runs
like this: an update acknowledged before it is stored is lost when its instance dies (issue 12).

What the bound also leaves out, none of which a benchmark of plain FAQ messages reaches: redeliveries are
not recognised, a failed update is not released for a retry (a run where one fails is refused), and a
chat's next update is not claimed by whoever finishes one (the benchmark feeds a chat's updates one
after the other anyway). The patch is on the class, so the benchmark's channel-only run goes without
update rows too.

    python benchmarks/pipeline_bounds.py --json --messages 2000 --rounds 4
    {"as_is": {"ratio_to_floor": ..., ...}, "without_update_rows": {"ratio_to_floor": ..., ...}, ...}

SQLite only (the database of the 0.5 target). Each round runs both variants, in turns whose order
alternates (as is first, then last, ...; an even --rounds balances it), so a machine whose load drifts
weighs on both alike; every figure is the median over the rounds. Compare the ratios, taken within each
run as pipeline.py takes them, rather than the rates, which follow the machine's drift between runs.
Every variant must answer every update with one Bot API request: a variant that sent fewer would
measure less work, not a cheaper turn (`tests/test_pipeline_bounds.py` checks it, and that the bound
sends exactly the update's INSERT, its COMMIT and the UPDATE recording it handled fewer: three
statements on SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.telegram import inbox  # noqa: E402
from bot.storage import telegram_outbox  # noqa: E402
from bot.storage.telegram_queue import DONE, QueuedUpdate  # noqa: E402

FIGURES = (
    "ratio_to_floor", "updates_per_s", "floor_updates_per_s", "engine_only_per_s", "p50_ms", "statements_per_update",
    "bot_api_requests_per_update", "matcher_ms_bot", "matcher_ms_floor", "matcher_calls_per_update",
)


def _pipeline() -> ModuleType:
    """benchmarks/pipeline.py, loaded by its path: putting benchmarks/ on sys.path would let its scripts
    shadow other modules of the same name in whatever imports this one."""
    spec = importlib.util.spec_from_file_location("supportbot_bench_pipeline", Path(__file__).resolve().parent / "pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def as_is() -> Iterator[list[int]]:
    """The bot as it runs (its inbox retries a failed update itself: nothing to report)."""
    yield []


@contextlib.contextmanager
def without_update_rows() -> Iterator[list[int]]:
    """Updates claimed in memory and never recorded; replies still queued, sent and marked sent.

    Yields the ids of the updates that failed: the real inbox would release them for a retry, this bound
    drops them, so a run with any measured less work than it claims (`measure` refuses it)."""
    failed: list[int] = []

    async def store(self: inbox.UpdateInbox, updates: Iterable[Mapping[str, Any]], *, take: bool = False) -> list[QueuedUpdate | int]:
        return [QueuedUpdate(int(data["update_id"]), inbox.chat_of(data), dict(data), 1) for data in updates]

    async def finish(self: inbox.UpdateInbox, claimed: QueuedUpdate, status: str, sent: list[int], error: str | None) -> None:
        if status != DONE:
            failed.append(claimed.update_id)
        await self.database.run(telegram_outbox.mark_sent, sent, self.clock())

    saved = inbox.UpdateInbox.store, inbox.UpdateInbox._finish
    inbox.UpdateInbox.store, inbox.UpdateInbox._finish = store, finish  # type: ignore[method-assign,assignment]
    try:
        yield failed
    finally:
        inbox.UpdateInbox.store, inbox.UpdateInbox._finish = saved  # type: ignore[method-assign]


VARIANTS: dict[str, Callable[[], contextlib.AbstractContextManager[list[int]]]] = {
    "as_is": as_is, "without_update_rows": without_update_rows,
}


async def measure(messages: int, rounds: int, *, customers: int = 50, warmup: int = 200) -> dict[str, Any]:
    """Each variant `rounds` times, in alternating order; per variant the median of each figure, the runs'
    ratios and replies sent in the order they ran, and the errors of all its runs. Raises when a run of
    the bound had an update fail (see `without_update_rows`)."""
    pipeline = _pipeline()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
    for number in range(rounds):
        names = list(VARIANTS) if number % 2 == 0 else list(reversed(VARIANTS))
        for name in names:
            with VARIANTS[name]() as failed:
                runs[name].append(await pipeline.run(messages, customers, warmup, None, 1))
            if failed:
                raise RuntimeError(f"{name}: updates {failed[:10]} failed; the bound would count less work than it claims")
    figures: dict[str, Any] = {
        name: {
            **{figure: _median(run[figure] for run in results) for figure in FIGURES},
            "ratio_to_floor_runs": [run["ratio_to_floor"] for run in results],
            "answered_runs": [run["answered"] for run in results],
            "errors": sum(run["errors"] for run in results),
        }
        for name, results in runs.items()
    }
    return {**figures, "messages": messages, "customers": customers, "rounds": rounds}


def _median(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]  # a matcher's clock that saw no call says None
    return round(statistics.median(known), 4) if known else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # as pipeline.py: a run's warnings (a retried commit...) are news
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    result = asyncio.run(measure(args.messages, args.rounds, customers=args.customers, warmup=args.warmup))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
