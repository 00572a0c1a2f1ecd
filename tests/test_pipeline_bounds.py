"""benchmarks/pipeline_bounds.py: the diagnosis the README quotes (under "Throughput of the whole
pipeline") must take away only the inbox's update rows, never the work of answering: every variant
answers every update with one Bot API request, and the bound sends three statements fewer an update on
SQLite (the update's INSERT and its COMMIT, and the UPDATE that records it handled; SQLite's BEGIN goes
with the first statement and is not counted apart)."""

from __future__ import annotations

import pytest

from bot.channels.telegram import inbox
from tests.support import benchmark_module


async def test_the_bound_keeps_every_reply_and_drops_only_the_update_rows() -> None:
    module = benchmark_module("pipeline_bounds")
    store, finish = inbox.UpdateInbox.store, inbox.UpdateInbox._finish

    figures = await module.measure(messages=30, rounds=1, warmup=5)

    assert (inbox.UpdateInbox.store, inbox.UpdateInbox._finish) == (store, finish)  # put back afterwards
    as_is, bound = figures["as_is"], figures["without_update_rows"]
    for variant in (as_is, bound):
        assert variant["errors"] == 0
        assert variant["bot_api_requests_per_update"] == 1.0
        assert variant["matcher_ms_bot"] > 0 and variant["matcher_ms_floor"] > 0  # the matcher's clock saw both runs
    assert bound["answered"] == as_is["answered"]
    assert as_is["statements_per_update"] - bound["statements_per_update"] == pytest.approx(3)
