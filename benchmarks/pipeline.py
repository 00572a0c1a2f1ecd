"""Throughput of the Telegram pipeline: updates through the real dispatcher, middlewares, engine and storage.

5,000 customer messages (FAQ questions in zh-Hans, zh-Hant and en from the demo knowledge base, 50
customers) go through `dp.feed_update` with a bot whose session answers locally (no HTTP): the same
session serves a bare aiogram echo dispatcher fed the same updates, as the baseline of what aiogram itself
costs, and a "floor" bot: the echo dispatcher whose handler runs the same matcher on each message and
answers the matched entry, with no storage at all. The floor is what any bot that must parse and match
pays; `ratio_to_floor` (whole bot / floor) is what durability and the conversation cost on top of it.
Two more runs split the cost: the engine alone (no Telegram), and the channel alone (the engine
replaced by a canned answer). The runs take turns, 100 updates each, so that on a shared machine every
figure is taken under the same load. `statements_per_update` counts the SQL statements a whole-bot turn sends
(BEGIN and COMMIT included), in a short pass after the timed ones. `matcher_ms_bot` and `matcher_ms_floor`
are what one call of the same matcher on the same messages costs inside each (see `MatcherClock`).

    python benchmarks/pipeline.py --json
    {"updates_per_s": ..., "floor_updates_per_s": ..., "ratio_to_floor": ..., "p99_ms": ..., ...}

    createdb -h 127.0.0.1 -U postgres supportbot_bench
    python benchmarks/pipeline.py --json --concurrency 8 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/supportbot_bench
    dropdb -h 127.0.0.1 -U postgres supportbot_bench

`--database-url` must name an empty database (the schema is migrated at start); the default is a
temporary SQLite file. `--concurrency N` adds a run with N customers' turns in flight at once
(`concurrent_updates_per_s`), each worker feeding its own customers in order, as aiogram's
`handle_as_tasks` would with several customers writing at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import itertools
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.telegram.bot import create_bot, create_dispatcher
from bot.channels.telegram.channel import TelegramChannel
from bot.engine.handoff import is_angry
from bot.engine.types import Inbound, Outcome, Reply, ReplyKind
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings

TOKEN = "123456789:AAbenchmarkTokenNotRealAtAll_0123456789"
CHUNK = 100  # updates per turn of each run (see `run`)
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Support", "username": "supportbot_bench_bot"}


class LocalSession(BaseSession):
    """Answers every request with a canned Bot API result, without any network.

    It still does what a real session does around the network: serialise the request's fields (as the
    aiohttp session does for its form) and decode and validate the JSON answer into aiogram types.
    """

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self._message_ids = itertools.count(1)

    async def close(self) -> None:
        return None

    def _result(self, method: TelegramMethod[Any]) -> Any:
        name = method.__api_method__
        if name in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            chat_id = getattr(method, "chat_id", 0)
            result: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private", "first_name": "Customer"},
                "from": BOT_USER,
                "text": getattr(method, "text", None) or "…",
            }
            return result
        if name == "getMe":
            return BOT_USER
        return True

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None) -> TelegramType:
        self.requests += 1
        files: dict[str, Any] = {}
        for value in method.model_dump(warnings=False).values():
            self.prepare_value(value, bot=bot, files=files)
        content = json.dumps({"ok": True, "result": self._result(method)})
        return self.check_response(bot=bot, method=method, status_code=200, content=content).result  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30, chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:  # pragma: no cover
        yield b""


def questions(runtime: Runtime) -> list[str]:
    """Every FAQ example question the bot answers itself, the three languages interleaved.

    Questions that hand off (a complaint, anger) or start the booking flow are left out: after a hand-off
    the bot stays quiet and relays to people, which would measure a different path for the rest of the run.
    """
    found = [
        q
        for entry in runtime.knowledge.operator_entries
        if entry.handoff is None and entry.flow is None
        for q in entry.questions
        if not is_angry(q)
    ]
    if not found:
        raise SystemExit("the knowledge base has no questions")
    return found


def make_updates(bot: Bot, texts: list[str], count: int, customers: int, first_update: int, first_customer: int) -> list[Update]:
    updates = []
    for n in range(count):
        customer = first_customer + n % customers
        user = {"id": customer, "is_bot": False, "first_name": f"Customer {customer}", "language_code": "zh-hans"}
        raw = {
            "update_id": first_update + n,
            "message": {
                "message_id": first_update + n,
                "date": 1_700_000_000,
                "chat": {"id": customer, "type": "private", "first_name": user["first_name"]},
                "from": user,
                "text": texts[n % len(texts)],
            },
        }
        updates.append(Update.model_validate(raw, context={"bot": bot}))
    return updates


async def feed(dispatcher: Dispatcher, bot: Bot, updates: list[Update], **data: Any) -> tuple[float, list[float]]:
    """Feed updates one after another; return the total seconds and each update's latency.

    With the durable Telegram inbox wired (bot/channels/telegram/inbox.py), `feed_update` only stores the
    update and the inbox handles it in a task of its own: each update's latency then runs until that
    task is done (turn, reply stored in the outbox and sent, update marked handled), as Telegram's next
    update of a busy bot would wait for it.
    """
    inbox = dispatcher.workflow_data.get("inbox")
    latencies = []
    started = time.perf_counter()
    for update in updates:
        begin = time.perf_counter()
        await dispatcher.feed_update(bot, update, **data)
        if inbox is not None:
            await inbox.drain()
        latencies.append(time.perf_counter() - begin)
    return time.perf_counter() - started, latencies


def echo_dispatcher() -> Dispatcher:
    """A bare aiogram dispatcher that echoes text: the baseline."""
    dispatcher = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher.include_router(router)
    return dispatcher


def floor_dispatcher(runtime: Runtime) -> Dispatcher:
    """The floor: the echo dispatcher whose handler matches each message with the bot's own matcher and
    answers the matched entry (or the text back). No storage, no conversation: what parsing and matching
    alone cost through aiogram."""
    dispatcher = Dispatcher()
    router = Router()
    matcher, knowledge, brand = runtime.matcher, runtime.knowledge, runtime.settings.brand_name

    @router.message()
    async def answer(message: Message) -> None:
        text = message.text or ""
        best = matcher.match(text).best
        entry = knowledge.entry(best.intent_id) if best is not None else None
        await message.answer(entry.answer_in("en", brand) if entry is not None else text)

    dispatcher.include_router(router)
    return dispatcher


async def feed_concurrently(dispatcher: Dispatcher, bot: Bot, updates: list[Update], workers: int) -> float:
    """Feed updates with `workers` turns in flight; a customer's updates stay with one worker, in order.

    With the durable inbox every worker waits for all handling in flight before its next update (batches
    of about `workers` updates, as a long-polling batch), since the inbox's tasks are not per worker.
    """
    inbox = dispatcher.workflow_data.get("inbox")
    lanes: list[list[Update]] = [[] for _ in range(workers)]
    for update in updates:
        assert update.message is not None and update.message.from_user is not None
        lanes[update.message.from_user.id % workers].append(update)

    async def lane(batch: list[Update]) -> None:
        for update in batch:
            await dispatcher.feed_update(bot, update)
            if inbox is not None:
                await inbox.drain()

    gc.collect()
    started = time.perf_counter()
    await asyncio.gather(*(lane(batch) for batch in lanes))
    return time.perf_counter() - started


class RoundTrips:
    """Counts round trips to the database: statements, BEGIN and COMMIT, while `counting` is set.

    SQLite's BEGIN IMMEDIATE is itself a statement (see `bot.storage.database`); asyncpg's BEGIN is not,
    so it is counted from the transaction's begin event there. Listening starts before any traffic:
    adding a listener while a turn is inside an event (SQLite's BEGIN awaits) would break that event.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.count = 0
        self.counting = False
        engine = runtime.database.engine.sync_engine
        names = ["before_cursor_execute", "commit"] + ([] if engine.dialect.name == "sqlite" else ["begin"])
        for name in names:
            event.listen(engine, name, self._one)

    def _one(self, *_args: Any) -> None:
        if self.counting:
            self.count += 1

    async def per_update(self, dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> float:
        self.count, self.counting = 0, True
        try:
            await feed(dispatcher, bot, updates)
        finally:
            self.counting = False
        return self.count / len(updates)


class MatcherClock:
    """Times every `match` call of the runtime's matcher, under the label of the run feeding it.

    The floor bot and the whole bot call the same matcher on the same messages; what one call costs in
    each (`matcher_ms_bot`, `matcher_ms_floor`) tells how much of the gap is the matcher itself running
    colder between the whole bot's other work (its arrays out of the CPU's caches), not storage or aiogram.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.label: str | None = None
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        matcher = runtime.matcher
        match = matcher.match

        def timed(text: str) -> Any:
            started = time.perf_counter()
            try:
                return match(text)
            finally:
                if self.label is not None:
                    self.seconds[self.label] = self.seconds.get(self.label, 0.0) + time.perf_counter() - started
                    self.calls[self.label] = self.calls.get(self.label, 0) + 1

        matcher.match = timed  # type: ignore[method-assign]  # the instance's, for this benchmark's process only

    def per_call_ms(self, label: str) -> float | None:
        calls = self.calls.get(label, 0)
        return round(self.seconds[label] / calls * 1000, 3) if calls else None


class CannedEngine:
    """Stands in for the engine in the channel-only run: one short answer with feedback buttons."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def handle(self, inbound: Inbound, *, keep: Any = None) -> Outcome:
        """No transaction of its own: a channel's `keep` is left out, and the channel queues its replies
        in a transaction of their own (what a channel without a turn to join pays)."""
        reply = Reply(text="The whole device has a two-year warranty.", kind=ReplyKind.ANSWER, language="en", message_id=next(self._ids), intent_id="x")
        return Outcome(replies=(reply,), conversation_id=1, language="en")


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000


async def run(messages: int, customers: int, warmup: int, database_url: str | None, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as tmp:
        settings = load_settings(
            database_url=database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            knowledge_dir=ROOT / "knowledge",
            bot_token=TOKEN,
            flood_limit_per_minute=10**9,  # measure the pipeline, not the flood limit dropping messages
            webhook_url=None,
        )
        runtime = await build_runtime(settings)
        round_trips = RoundTrips(runtime)
        matcher_clock = MatcherClock(runtime)
        try:
            texts = questions(runtime)
            session = LocalSession()
            channel = TelegramChannel(runtime)
            bot = create_bot(settings, session=session, on_blocked=channel.mark_blocked, pacer=False)
            dispatcher = create_dispatcher(runtime, channel=channel)
            echo = echo_dispatcher()
            floor = floor_dispatcher(runtime)

            # The channel alone: same dispatcher, middlewares, rendering and session, canned engine.
            # Channels call `Runtime.handle`: a shallow copy of the runtime answers from the canned engine.
            canned_runtime = copy.copy(runtime)
            canned_runtime.handle = CannedEngine().handle  # type: ignore[method-assign]
            canned = TelegramChannel(canned_runtime)
            channel_dispatcher = create_dispatcher(runtime, channel=canned)

            warm = make_updates(bot, texts, warmup, customers, 1, 10_000)
            for warmed in (dispatcher, echo, floor):
                await feed(warmed, bot, warm)
            await feed(channel_dispatcher, bot, make_updates(bot, texts, warmup, customers, 5_000, 20_000))

            updates = make_updates(bot, texts, messages, customers, 1_000_000, 1)
            # Its own update ids: a dispatcher with the durable inbox would take the same ones for redeliveries.
            channel_updates = make_updates(bot, texts, messages, customers, 4_000_000, 200_000)
            # The engine alone (same messages, no Telegram at all): the ceiling for the full pipeline.
            inbounds = [
                Inbound(channel="bench", customer_id=str(n % customers), text=texts[n % len(texts)], external_id=str(n))
                for n in range(messages)
            ]
            # The runs take turns, CHUNK updates each: on a shared machine whose load changes during the
            # run, every figure (and so every ratio) is measured under the same conditions.
            seconds = echo_seconds = floor_seconds = channel_seconds = engine_seconds = 0.0
            latencies: list[float] = []
            echo_latencies: list[float] = []
            floor_latencies: list[float] = []
            channel_latencies: list[float] = []
            requests = 0
            gc.collect()
            for at in range(0, messages, CHUNK):
                chunk = slice(at, at + CHUNK)
                requests_before = session.requests
                matcher_clock.label = "bot"
                took, lat = await feed(dispatcher, bot, updates[chunk])
                requests += session.requests - requests_before
                seconds += took
                latencies += lat
                matcher_clock.label = None
                took, lat = await feed(echo, bot, updates[chunk])
                echo_seconds += took
                echo_latencies += lat
                matcher_clock.label = "floor"
                took, lat = await feed(floor, bot, updates[chunk])
                floor_seconds += took
                floor_latencies += lat
                matcher_clock.label = None
                took, lat = await feed(channel_dispatcher, bot, channel_updates[chunk])
                channel_seconds += took
                channel_latencies += lat
                started = time.perf_counter()
                for inbound in inbounds[chunk]:
                    await runtime.engine.handle(inbound)
                engine_seconds += time.perf_counter() - started

            concurrent_seconds = None
            if concurrency > 1:
                # Fresh customers and update ids, so no turn is a redelivery of one measured above.
                more = make_updates(bot, texts, messages, customers, 2_000_000, 100_000)
                concurrent_seconds = await feed_concurrently(dispatcher, bot, more, concurrency)

            counted = make_updates(bot, texts, 200, customers, 3_000_000, 1)
            statements = await round_trips.per_update(dispatcher, bot, counted)
            stored = await runtime.store.count_messages()
        finally:
            await runtime.close()

    updates_per_s = messages / seconds
    echo_per_s = messages / echo_seconds
    floor_per_s = messages / floor_seconds
    result = {
        "database": settings.database_url.split(":", 1)[0],
        "messages": messages,
        "customers": customers,
        "updates_per_s": round(updates_per_s, 1),
        "echo_updates_per_s": round(echo_per_s, 1),
        "ratio": round(updates_per_s / echo_per_s, 4),
        "floor_updates_per_s": round(floor_per_s, 1),
        "ratio_to_floor": round(updates_per_s / floor_per_s, 4),
        "p99_ms": round(p99(latencies), 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "echo_p99_ms": round(p99(echo_latencies), 3),
        "floor_p99_ms": round(p99(floor_latencies), 3),
        "engine_only_per_s": round(messages / engine_seconds, 1),
        "pipeline_vs_engine_only": round(updates_per_s / (messages / engine_seconds), 4),
        "channel_only_updates_per_s": round(messages / channel_seconds, 1),
        "channel_only_ratio": round((messages / channel_seconds) / echo_per_s, 4),
        "channel_only_p99_ms": round(p99(channel_latencies), 3),
        "statements_per_update": round(statements, 2),
        "matcher_ms_bot": matcher_clock.per_call_ms("bot"),
        "matcher_ms_floor": matcher_clock.per_call_ms("floor"),
        "matcher_calls_per_update": round(matcher_clock.calls.get("bot", 0) / messages, 2),
        "bot_api_requests_per_update": round(requests / messages, 2),
        "stored_messages": stored,
        "errors": channel.stats.errors,
        "answered": channel.stats.sent,
    }
    if concurrent_seconds is not None:
        result["concurrency"] = concurrency
        result["concurrent_updates_per_s"] = round(messages / concurrent_seconds, 1)
        result["concurrent_ratio_to_floor"] = round((messages / concurrent_seconds) / floor_per_s, 4)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--database-url", help="an empty database to use (default: a temporary SQLite file)")
    parser.add_argument("--concurrency", type=int, default=1, help="also measure this many customers' turns in flight")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one INFO line per update otherwise
    result = asyncio.run(run(args.messages, args.customers, args.warmup, args.database_url, args.concurrency))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
