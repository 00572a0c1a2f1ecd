"""Fixtures for the Telegram channel: a fake Bot API server, the real runtime, and a polling bot.

Everything runs on 127.0.0.1: aiogram's real aiohttp client talks to `tests/fakes/telegram_api.py`,
the engine and SQLite storage are the real ones, the knowledge base is `tests/telegram/kb/`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.channels.telegram.bot import create_bot, create_dispatcher
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.polling import start_polling
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, load_settings
from tests.fakes.telegram_api import BOT_TOKEN, Call, FakeTelegramAPI

KB_DIR = Path(__file__).resolve().parent / "kb"


class FakeClock:
    """A monotonic clock the test moves by hand (flood-limit windows without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class TelegramHarness:
    """A running bot (long polling the fake server) and handles on everything around it."""

    api: FakeTelegramAPI
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    channel: TelegramChannel
    clock: FakeClock
    task: asyncio.Task[Any] | None = None
    chats: dict[int, int] = field(default_factory=dict)

    async def say(self, chat_id: int, text: str | None = None, *, expect: int = 1, **kwargs: Any) -> list[Call]:
        """The customer sends a message; wait for `expect` more messages to the chat and return them."""
        before = len(self.api.sent(chat_id))
        self.api.push_update(self.api.message(chat_id, text, **kwargs))
        sent = await self.api.wait_sent(chat_id, before + expect)
        return sent[before:]

    async def press(self, chat_id: int, message: Call, button_text: str, *, expect: int = 0, language_code: str | None = "en") -> tuple[Call, list[Call]]:
        """The customer presses a button under a sent message; wait for the callback answer (and messages)."""
        return await self.press_data(chat_id, message, message.button(button_text)["callback_data"], expect=expect, language_code=language_code)

    async def press_data(self, chat_id: int, message: Call | None, data: str, *, expect: int = 0, language_code: str | None = "en") -> tuple[Call, list[Call]]:
        """Press a button with arbitrary callback data (forged ones included)."""
        before = len(self.api.sent(chat_id))
        update = self.api.push_update(self.api.callback(chat_id, data, message, language_code=language_code))
        query_id = update["callback_query"]["id"]
        answer = await self.api.wait_for(
            lambda: next((c for c in self.api.calls_to("answerCallbackQuery") if c.get("callback_query_id") == query_id), None)
        )
        sent = await self.api.wait_sent(chat_id, before + expect)
        return answer, sent[before:]


def make_settings(api: FakeTelegramAPI, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 't.db'}",
        "knowledge_dir": KB_DIR,
        "bot_token": BOT_TOKEN,
        "telegram_api_url": api.base_url,
        "default_language": "zh-Hans",
        "brand_name": "Acme Care",
        "flood_limit_per_minute": 20,
        "webhook_url": None,
        "webhook_secret": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or with indirect parametrisation) to change settings."""
    return {}


@pytest.fixture
async def runtime(api: FakeTelegramAPI, tmp_path: Path, settings_overrides: dict[str, Any]) -> AsyncIterator[Runtime]:
    runtime = await build_runtime(make_settings(api, tmp_path, **settings_overrides))
    try:
        yield runtime
    finally:
        await runtime.close()


def build_harness(api: FakeTelegramAPI, runtime: Runtime) -> TelegramHarness:
    """Bot (no pacing: the fake server has no limits) and dispatcher with a hand-moved clock."""
    clock = FakeClock()
    channel = TelegramChannel(runtime)
    bot = create_bot(runtime.settings, on_blocked=channel.mark_blocked, pacer=False)
    dispatcher = create_dispatcher(runtime, channel=channel, clock=clock)
    return TelegramHarness(api=api, runtime=runtime, bot=bot, dispatcher=dispatcher, channel=channel, clock=clock)


@contextlib.asynccontextmanager
async def polling(api: FakeTelegramAPI, runtime: Runtime) -> AsyncIterator[TelegramHarness]:
    """The bot long polling the fake server, ready once its first getUpdates arrived; stopped on exit."""
    harness = build_harness(api, runtime)
    harness.task = asyncio.create_task(
        start_polling(runtime, harness.bot, harness.dispatcher, handle_signals=False, polling_timeout=1)
    )
    await api.wait_for(lambda: api.calls_to("getUpdates") or harness.task.done())  # type: ignore[union-attr]
    if harness.task.done():
        harness.task.result()
    try:
        yield harness
    finally:
        with contextlib.suppress(RuntimeError):
            await harness.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(harness.task, 10)


@pytest.fixture
async def tg(api: FakeTelegramAPI, runtime: Runtime) -> AsyncIterator[TelegramHarness]:
    """The bot long polling the fake server over the test's runtime."""
    async with polling(api, runtime) as harness:
        yield harness


def texts(calls: list[Call]) -> list[str]:
    from tests.fakes.telegram_api import html_to_text

    return [html_to_text(c["text"]) for c in calls]


Predicate = Callable[[], Any]
