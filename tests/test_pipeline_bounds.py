"""benchmarks/pipeline_bounds.py: the diagnosis the README quotes (under "Throughput of the whole
pipeline") must take away only the inbox's update rows, never the work of answering: every variant
answers every update with one Bot API request, and the bound sends three statements fewer an update on
SQLite (the update's INSERT and its COMMIT, and the UPDATE that records it handled; SQLite's BEGIN goes
with the first statement and is not counted apart)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels.telegram import inbox
from bot.storage.telegram_queue import DONE, PENDING, QueuedUpdate
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
    assert bound["answered_runs"] == as_is["answered_runs"]
    assert as_is["matcher_calls_per_update"] == bound["matcher_calls_per_update"] == 1.0  # one match a FAQ message
    assert as_is["statements_per_update"] - bound["statements_per_update"] == pytest.approx(3)


async def test_the_bound_reports_an_update_that_failed_instead_of_dropping_it() -> None:
    module = benchmark_module("pipeline_bounds")
    marked: list[list[int]] = []

    class Database:
        async def run(self, work: object, sent: list[int], now: object) -> None:
            marked.append(sent)

    inbox_of_a_run = SimpleNamespace(database=Database(), clock=lambda: None)
    with module.without_update_rows() as failed:
        await inbox.UpdateInbox._finish(inbox_of_a_run, QueuedUpdate(7, 70, {}, 1), DONE, [1], None)
        await inbox.UpdateInbox._finish(inbox_of_a_run, QueuedUpdate(8, 70, {}, 1), PENDING, [], "TimeoutError")
    assert failed == [8] and marked == [[1], []]  # replies are marked sent either way
