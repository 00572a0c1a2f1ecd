"""Throughput of the Telegram pipeline: updates through the real dispatcher, middlewares, engine and SQLite.

5,000 customer messages (FAQ questions in zh-Hans, zh-Hant and en from the demo knowledge base, 50
customers) go through `dp.feed_update` with a bot whose session answers locally (no HTTP): the same
session serves a bare aiogram echo dispatcher fed the same updates, as the baseline of what aiogram itself
costs. Two more runs split the cost: the engine alone (no Telegram), and the channel alone (the engine
replaced by a canned answer).

    python benchmarks/pipeline.py --json
    {"updates_per_s": ..., "echo_updates_per_s": ..., "ratio": ..., "p99_ms": ..., ...}
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import copy
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.telegram.bot import create_bot, create_dispatcher  # noqa: E402
from bot.channels.telegram.channel import TelegramChannel  # noqa: E402
from bot.engine.handoff import is_angry  # noqa: E402
from bot.engine.types import Inbound, Outcome, Reply, ReplyKind  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from bot.settings import load_settings  # noqa: E402

TOKEN = "123456789:AAbenchmarkTokenNotRealAtAll_0123456789"
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


async def feed(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> tuple[float, list[float]]:
    """Feed updates one after another; return the total seconds and each update's latency."""
    latencies = []
    gc.collect()
    started = time.perf_counter()
    for update in updates:
        begin = time.perf_counter()
        await dispatcher.feed_update(bot, update)
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


class CannedEngine:
    """Stands in for the engine in the channel-only run: one short answer with feedback buttons."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def handle(self, inbound: Inbound) -> Outcome:
        reply = Reply(text="The whole device has a two-year warranty.", kind=ReplyKind.ANSWER, language="en", message_id=next(self._ids), intent_id="x")
        return Outcome(replies=(reply,), conversation_id=1, language="en")


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000


async def run(messages: int, customers: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            knowledge_dir=ROOT / "knowledge",
            bot_token=TOKEN,
            flood_limit_per_minute=10**9,  # measure the pipeline, not the flood limit dropping messages
            webhook_url=None,
        )
        runtime = await build_runtime(settings)
        try:
            texts = questions(runtime)
            session = LocalSession()
            channel = TelegramChannel(runtime)
            bot = create_bot(settings, session=session, on_blocked=channel.mark_blocked, pacer=False)
            dispatcher = create_dispatcher(runtime, channel=channel)
            echo = echo_dispatcher()

            warm = make_updates(bot, texts, warmup, customers, 1, 10_000)
            await feed(dispatcher, bot, warm)
            await feed(echo, bot, warm)

            updates = make_updates(bot, texts, messages, customers, 1_000_000, 1)
            requests_before = session.requests
            seconds, latencies = await feed(dispatcher, bot, updates)
            requests = session.requests - requests_before
            echo_seconds, echo_latencies = await feed(echo, bot, updates)

            # The engine alone (same messages, no Telegram at all): the ceiling for the full pipeline.
            inbounds = [
                Inbound(channel="bench", customer_id=str(n % customers), text=texts[n % len(texts)], external_id=str(n))
                for n in range(messages)
            ]
            gc.collect()
            started = time.perf_counter()
            for inbound in inbounds:
                await runtime.engine.handle(inbound)
            engine_seconds = time.perf_counter() - started

            # The channel alone: same dispatcher, middlewares, rendering and session, canned engine.
            # Channels call `Runtime.handle`: a shallow copy of the runtime answers from the canned engine.
            canned_runtime = copy.copy(runtime)
            canned_runtime.handle = CannedEngine().handle  # type: ignore[method-assign]
            canned = TelegramChannel(canned_runtime)
            channel_dispatcher = create_dispatcher(runtime, channel=canned)
            channel_seconds, channel_latencies = await feed(channel_dispatcher, bot, updates)
            stored = await runtime.store.count_messages()
        finally:
            await runtime.close()

    updates_per_s = messages / seconds
    echo_per_s = messages / echo_seconds
    return {
        "messages": messages,
        "customers": customers,
        "updates_per_s": round(updates_per_s, 1),
        "echo_updates_per_s": round(echo_per_s, 1),
        "ratio": round(updates_per_s / echo_per_s, 4),
        "p99_ms": round(p99(latencies), 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "echo_p99_ms": round(p99(echo_latencies), 3),
        "engine_only_per_s": round(messages / engine_seconds, 1),
        "pipeline_vs_engine_only": round(updates_per_s / (messages / engine_seconds), 4),
        "channel_only_updates_per_s": round(messages / channel_seconds, 1),
        "channel_only_ratio": round((messages / channel_seconds) / echo_per_s, 4),
        "channel_only_p99_ms": round(p99(channel_latencies), 3),
        "bot_api_requests_per_update": round(requests / messages, 2),
        "stored_messages": stored,
        "errors": channel.stats.errors,
        "answered": channel.stats.sent,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one INFO line per update otherwise
    result = asyncio.run(run(args.messages, args.customers, args.warmup))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
