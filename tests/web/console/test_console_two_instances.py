"""Two instances behind one PostgreSQL (and one Redis): an agent on instance A sees, live, a customer
whose messages instance B handles, and the queue changes B makes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.engine import Inbound
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.conftest import IN_CI, _pg_execute
from tests.handoff.conftest import MemoryDelivery
from tests.support import Clock, use_cached_matcher
from tests.web.conftest import WEB_NOW, build_staff_app, login
from tests.web.console.conftest import COMPLAINT
from tests.web.console.sse import EventReader

pytestmark = pytest.mark.postgres


@pytest.fixture
async def shared_pg(postgres_database: str | None) -> AsyncIterator[str]:
    if postgres_database is None:
        if IN_CI:
            pytest.fail("PostgreSQL is mandatory in CI")
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    await _pg_execute(postgres_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    yield postgres_database.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
async def two_runtimes(
    shared_pg: str, redis_url: str, small_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Runtime, Runtime]]:
    use_cached_matcher(monkeypatch)
    settings = load_settings(
        database_url=shared_pg, redis_url=redis_url, knowledge_dir=small_kb
    )
    clock = Clock(WEB_NOW)
    a = await build_runtime(settings, clock=clock)
    b = await build_runtime(settings, clock=clock)
    for runtime in (a, b):
        runtime.deliveries.register(MemoryDelivery(channel="console"))
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_a_customer_on_instance_b_shows_live_on_instance_a(two_runtimes: tuple[Runtime, Runtime]) -> None:
    a, b = two_runtimes
    server = TestServer(build_staff_app(a))
    client = TestClient(server)
    await client.start_server()
    try:
        await login(client, a)
        queue = EventReader(await client.get("/console/events"))

        outcome = await b.handle(Inbound(channel="console", customer_id="c1", text=COMPLAINT))  # instance B
        await queue.until(lambda e: e.name == "queue", timeout=3)
        escalation = next(e for e in await a.handoff.queue() if e.conversation_id == outcome.conversation_id)
        page = await (await client.get(f"/console/conversations/{escalation.id}")).text()
        cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
        stream = EventReader(await client.get(f"/console/conversations/{escalation.id}/events?after={cursor}"))
        await stream.until(lambda e: e.name == "state")

        started = time.monotonic()
        await b.handle(Inbound(channel="console", customer_id="c1", text="still waiting on instance B"))
        line = await stream.until(lambda e: e.name == "line" and e.data["text"] == "still waiting on instance B", timeout=3)
        assert line.data["sender"] == "customer"
        assert time.monotonic() - started < 2.0
    finally:
        await client.close()
