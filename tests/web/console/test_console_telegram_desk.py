"""The Telegram agents' group and the console show one state: a /take typed in a Telegram topic shows
in the open console page within a second or two, and a take in the console shows in the topic."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.handoff.telegram_harness import ADA, AgentsHarness, start_agents_harness, stop_agents_harness
from tests.web.conftest import build_staff_app, login
from tests.web.console.sse import EventReader


@pytest.fixture
async def ag(tmp_path: Path) -> AsyncIterator[AgentsHarness]:
    async with FakeTelegramAPI() as api:
        harness = await start_agents_harness(api, tmp_path)
        try:
            yield harness
        finally:
            await stop_agents_harness(harness)


async def test_a_take_in_telegram_shows_in_the_console_and_back(ag: AgentsHarness) -> None:
    await ag.customer(ADA, "I want to talk to a human")
    [escalation] = await ag.runtime.handoff.queue()
    topic = next(iter(ag.api.topics.values())).thread_id
    client = TestClient(TestServer(build_staff_app(ag.runtime)))
    await client.start_server()
    try:
        user, csrf = await login(client, ag.runtime, name="Mei")
        stream = EventReader(await client.get(f"/console/conversations/{escalation.id}/events"))
        await stream.until(lambda e: e.name == "state" and e.data["status"] == "waiting")

        started = time.monotonic()
        await ag.agent("/take", thread=topic)  # Alice, in the Telegram topic
        taken = await stream.until(lambda e: e.name == "state" and e.data["status"] == "assigned", timeout=3)
        assert taken.data["agent"] == "Alice"
        assert time.monotonic() - started < 2.0

        await ag.agent("/release", thread=topic)
        await stream.until(lambda e: e.name == "state" and e.data["status"] == "waiting", timeout=3)
        await client.post(f"/console/conversations/{escalation.id}/take", data={"csrf": csrf})
        await ag.idle()  # the desk publishes what the console did, as its worker does
        assert any("Mei" in post for post in ag.topic_posts(topic))
    finally:
        await client.close()
