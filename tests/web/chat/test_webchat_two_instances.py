"""Two instances on one PostgreSQL: a visitor's stream on instance A shows at once what reached B.

With Redis the wake-up is published at once; without it each instance's poller finds the new rows
within a second. Both are tested: the live path must never depend on process memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.handoff.operations import Agent
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.conftest import IN_CI, _pg_execute
from tests.support import Clock, use_cached_matcher
from tests.web.chat.conftest import NOW, SECRET, SITES, Chat, make_chat, read_stream

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_database: str | None) -> AsyncIterator[str]:
    if postgres_database is None:
        if IN_CI:
            pytest.fail("PostgreSQL is mandatory in CI")
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    await _pg_execute(postgres_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    yield postgres_database.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _instances(pg: str, redis: str | None, small_kb: Path, tmp_path: Path) -> list[Chat]:
    chats = []
    for _ in range(2):
        settings = load_settings(
            database_url=pg, knowledge_dir=small_kb, redis_url=redis,
            webchat_sites=SITES, webchat_identity_secret=SECRET,
        )
        runtime = await build_runtime(settings, clock=Clock(NOW))
        chats.append(await make_chat(runtime))
    return chats


async def _close(chats: list[Chat]) -> None:
    for chat in chats:
        await chat.client.close()
        await chat.runtime.close()


async def _posted_on_b_streams_on_a(a: Chat, b: Chat) -> None:
    token = await a.session()
    started = asyncio.Event()
    reading = asyncio.create_task(read_stream(a.client, token, 2, since=0, started=started, timeout=5))
    await started.wait()
    await asyncio.sleep(0.2)
    began = time.monotonic()
    posted = await b.say(token, "How much is a new battery?")
    assert posted.status == 200
    events = await reading
    assert events[0]["text"] == "How much is a new battery?" and "199" in events[1]["text"]
    assert time.monotonic() - began < 2.0


async def test_a_message_posted_on_b_streams_live_on_a_through_redis(
    pg: str, small_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str,
) -> None:
    use_cached_matcher(monkeypatch)
    a, b = await _instances(pg, redis_url, small_kb, tmp_path)
    try:
        await a.runtime.shared.broadcast.ready()  # type: ignore[union-attr]
        await _posted_on_b_streams_on_a(a, b)
    finally:
        await _close([a, b])


async def test_a_message_posted_on_b_streams_live_on_a_without_redis(
    pg: str, small_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_cached_matcher(monkeypatch)
    a, b = await _instances(pg, None, small_kb, tmp_path)  # each instance's poller reads the table
    try:
        await _posted_on_b_streams_on_a(a, b)
    finally:
        await _close([a, b])


async def test_an_agent_on_b_reaches_a_visitor_streaming_from_a(
    pg: str, small_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str,
) -> None:
    use_cached_matcher(monkeypatch)
    a, b = await _instances(pg, redis_url, small_kb, tmp_path)
    try:
        token = await a.session()
        await a.act(token, "menu||human", "Talk to a person")
        [escalation] = await b.runtime.handoff.queue()
        agent = Agent(id="web:1", name="Zhao")
        assert (await b.runtime.handoff.take(escalation.id, agent)).ok
        result: Any = await b.runtime.handoff.agent_message(escalation.id, agent, text="Hi, Zhao here.")
        assert result.code == "delivered"  # instance B has the web delivery too: the row is in the database
        events = await read_stream(a.client, token, 4, since=0, timeout=5)
        assert events[-1]["sender"] == "agent" and events[-1]["agent"] == "Zhao"
    finally:
        await _close([a, b])
