"""The runtime builds one `Shared` from REDIS_URL and hands it to the turn locks, the hand-off's wake-up
and the Telegram dispatcher; without REDIS_URL everything is in memory, as one process always was."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from aiogram import Dispatcher

from bot.channels.telegram.callbacks import IntentRefs
from bot.channels.telegram.middlewares import ButtonRefs, install
from bot.coordination import Shared
from bot.coordination.locks import SharedLocks
from bot.coordination.wakeups import Wakeup
from bot.engine.conversation import CustomerLocks
from bot.runtime import build_runtime
from bot.settings import load_settings

TOKEN = "42:TEST"


async def test_without_redis_url_the_runtime_keeps_everything_in_memory(small_kb: Path, tmp_path: Path) -> None:
    runtime = await build_runtime(load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db", knowledge_dir=small_kb))
    try:
        assert not runtime.shared.distributed and runtime.shared.client is None
        assert isinstance(runtime._turns, CustomerLocks)
        assert isinstance(runtime.handoff.wake, asyncio.Event) and runtime.handoff.wake.broadcast is None  # type: ignore[attr-defined]
    finally:
        await runtime.close()


async def test_with_redis_url_turns_wake_ups_and_dispatcher_are_shared(small_kb: Path, tmp_path: Path, redis_url: str) -> None:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db", knowledge_dir=small_kb, redis_url=redis_url)
    runtime = await build_runtime(settings)
    try:
        assert runtime.shared.distributed and await runtime.shared.ping()
        assert isinstance(runtime._turns, SharedLocks)
        wake = runtime.handoff.wake
        assert isinstance(wake, Wakeup) and wake.broadcast is runtime.shared.broadcast
        dispatcher = Dispatcher(disable_fsm=True)
        channel = SimpleNamespace(stats=None, refs=IntentRefs(), language_of=lambda user: "en")
        install(dispatcher, channel, flood_limit=20, shared=runtime.shared)  # type: ignore[arg-type]
        kinds = [type(m) for m in dispatcher.update.outer_middleware]
        assert ButtonRefs in kinds and channel.refs.shared is not None
    finally:
        await runtime.close()


def test_a_shared_without_redis_is_memory_only() -> None:
    shared = Shared()
    assert shared.values("x", 1) is None and shared.limiter is None
    local = CustomerLocks()
    assert shared.locks(local, "turn") is local
