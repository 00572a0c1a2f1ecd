"""With Redis, a version published on one instance is applied on the others at once: their pollers
sleep a minute here, and only the wake-up can explain the change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.engine.types import ReplyKind
from bot.learning import signals
from bot.learning.board import board
from bot.learning.live import VersionPoller, live
from bot.learning.versions import check, decide, publish
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.learning.conftest import NOW, say
from tests.learning.test_versions import NEW_INTENT
from tests.support import Clock, use_cached_matcher


@pytest.mark.redis
async def test_a_published_version_wakes_the_other_instances(
    sqlite_url: str, small_kb: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_cached_matcher(monkeypatch)
    settings = load_settings(database_url=sqlite_url, knowledge_dir=small_kb, redis_url=redis_url)
    first = await build_runtime(settings, clock=Clock(NOW))
    second = await build_runtime(settings, clock=Clock(NOW))
    poller = VersionPoller(second, interval=60)
    try:
        poller.start()
        await asyncio.sleep(0.3)  # its first look at the database, then asleep (and subscribed)
        for n, text in enumerate(["我的手机进水了怎么办", "手機進水了怎麼辦"]):
            await say(first, text, f"w{n}")
        await signals.collect(first)
        [suggestion] = (await board(first)).open
        await decide(first, suggestion.id, "new", by="sup", new_intent=NEW_INTENT)
        version = await publish(first, (await check(first)).digest, by="sup")
        for _ in range(100):
            if live(second).version == version:
                break
            await asyncio.sleep(0.1)
        assert live(second).version == version
        assert (await say(second, "手机进水了怎么办", "b")).replies[0].kind is ReplyKind.ANSWER
    finally:
        await poller.stop()
        await second.close()
        await first.close()
