"""The runtime builds one `Shared` from REDIS_URL and hands it to the turn locks, the hand-off's wake-up
and the Telegram dispatcher; without REDIS_URL everything is in memory, as one process always was."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Message

from bot.channels.telegram.callbacks import IntentRefs
from bot.channels.telegram.middlewares import ButtonRefs, CustomerOrder, install
from bot.coordination import Shared, build_shared
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
        order = next(m for m in dispatcher.update.outer_middleware if isinstance(m, CustomerOrder))
        assert order.isolation is not None
    finally:
        await runtime.close()


async def test_two_dispatchers_never_handle_one_chat_at_once(redis_url: str) -> None:
    """aiogram's RedisEventIsolation, taken by CustomerOrder, across two instances' dispatchers."""
    instances = [build_shared(redis_url), build_shared(redis_url)]
    inside: list[str] = []
    overlap: list[bool] = []
    release = asyncio.Event()
    dispatchers = []
    for name, shared in zip("ab", instances, strict=True):
        dispatcher = Dispatcher(disable_fsm=True)
        dispatcher.update.outer_middleware(CustomerOrder(shared.isolation()))

        @dispatcher.message()
        async def on_message(message: Message, name: str = name) -> None:
            if message.chat.id != 55:
                return
            overlap.append(bool(inside))  # someone else inside chat 55's handler right now?
            inside.append(name)
            if name == "a":
                await release.wait()
            inside.remove(name)

        dispatchers.append(dispatcher)
    bot = Bot(TOKEN)
    try:
        first = asyncio.create_task(dispatchers[0].feed_raw_update(bot, _update(1, chat=55)))
        while not inside:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(dispatchers[1].feed_raw_update(bot, _update(2, chat=55)))
        await dispatchers[1].feed_raw_update(bot, _update(3, chat=56))  # another chat is not held up
        await asyncio.sleep(0.2)
        assert inside == ["a"] and not second.done()
        release.set()
        await asyncio.gather(first, second)
        assert overlap == [False, False]
    finally:
        await bot.session.close()
        for shared in instances:
            await shared.close()


def _update(update_id: int, *, chat: int) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "A"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}, "from": sender, "text": "hi"}
    return {"update_id": update_id, "message": message}


def test_a_shared_without_redis_is_memory_only() -> None:
    shared = Shared()
    assert shared.isolation() is None and shared.values("x", 1) is None and shared.limiter is None
    local = CustomerLocks()
    assert shared.locks(local, "turn") is local
