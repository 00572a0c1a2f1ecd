"""What `ratio_to_floor` would be without the durable inbox: a diagnosis, not a configuration.

`benchmarks/pipeline.py` measures the whole bot against the floor (aiogram echo plus the matcher). Two of
the three transactions a Telegram update costs belong to the inbox (bot/channels/telegram/inbox.py):
storing the update before it is acknowledged, and recording it handled once its replies went out. This
script runs the same benchmark, in one process, as it is and with the inbox's update rows taken away
(each update claimed in memory; the transaction after the replies only marks them sent, which the
reply outbox needs or every reply would be sent again). It answers one question: would dropping the
update's durability reach the 0.5 target? The bot never runs like this: an update acknowledged before
it is stored is lost when the instance dies (issue 12).

    python benchmarks/pipeline_bounds.py --json --messages 2000
    {"as_is": {"ratio_to_floor": ...}, "without_update_rows": {"ratio_to_floor": ...}}

The variants take turns, `--rounds` times each, so a machine whose load drifts affects both alike.
Every variant must answer every update with one Bot API request: a variant that sent fewer would
measure less work, not a cheaper turn (`tests/test_pipeline_bounds.py` checks it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline  # noqa: E402  (benchmarks/pipeline.py)

from bot.channels.telegram import inbox  # noqa: E402
from bot.storage import telegram_outbox  # noqa: E402
from bot.storage.telegram_queue import QueuedUpdate  # noqa: E402

FIGURES = ("ratio_to_floor", "updates_per_s", "floor_updates_per_s", "p50_ms", "statements_per_update", "bot_api_requests_per_update", "answered")


@contextlib.contextmanager
def without_update_rows() -> Iterator[None]:
    """Updates claimed in memory and never recorded; replies still queued, sent and marked sent."""

    async def store(self: inbox.UpdateInbox, updates: Iterable[Mapping[str, Any]], *, take: bool = False) -> list[QueuedUpdate | int]:
        return [QueuedUpdate(int(data["update_id"]), inbox.chat_of(data), dict(data), 1) for data in updates]

    async def finish(self: inbox.UpdateInbox, claimed: QueuedUpdate, status: str, sent: list[int], error: str | None) -> None:
        await self.database.run(telegram_outbox.mark_sent, sent, self.clock())

    saved = inbox.UpdateInbox.store, inbox.UpdateInbox._finish
    inbox.UpdateInbox.store, inbox.UpdateInbox._finish = store, finish  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        inbox.UpdateInbox.store, inbox.UpdateInbox._finish = saved  # type: ignore[method-assign]


VARIANTS = {"as_is": contextlib.nullcontext, "without_update_rows": without_update_rows}


async def measure(messages: int, rounds: int, warmup: int = 200) -> dict[str, Any]:
    """Each variant `rounds` times, alternating; per variant the median of each figure and the runs' ratios."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
    for _ in range(rounds):
        for name, variant in VARIANTS.items():
            with variant():
                runs[name].append(await pipeline.run(messages, 50, warmup, None, 1))
    return {
        name: {
            **{figure: statistics.median(run[figure] for run in results) for figure in FIGURES},
            "ratio_to_floor_runs": [run["ratio_to_floor"] for run in results],
            "errors": sum(run["errors"] for run in results),
        }
        for name, results in runs.items()
    } | {"messages": messages, "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the holiday-calendar warning, once per run, is not news here
    result = asyncio.run(measure(args.messages, args.rounds))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
