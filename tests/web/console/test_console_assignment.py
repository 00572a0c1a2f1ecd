"""First-in-first-out assignment under concurrency, on SQLite and on PostgreSQL: agents pressing "take
next" at the same moment never get the same conversation, and the most urgent, oldest goes first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Inbound
from bot.handoff.assignment import Assignment
from bot.handoff.operations import Agent
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.handoff.conftest import MemoryDelivery
from tests.support import Clock, use_cached_matcher
from tests.web.conftest import WEB_NOW


@pytest.fixture
async def runtime(database_url: str, small_kb: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    use_cached_matcher(monkeypatch)
    built = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb), clock=Clock(WEB_NOW))
    built.deliveries.register(MemoryDelivery(channel="console"))
    try:
        yield built
    finally:
        await built.close()


async def test_concurrent_take_next_hands_out_each_conversation_once(runtime: Runtime) -> None:
    clock = runtime.clock
    for number in range(4):
        await runtime.handle(Inbound(channel="console", customer_id=f"c{number}", text="I want to file a complaint"))
        clock.advance(minutes=1)  # type: ignore[attr-defined]
    assignment = Assignment(runtime.handoff)
    agents = [Agent(id=f"web:{n}", name=f"Agent {n}") for n in range(6)]
    results = await asyncio.gather(*(assignment.take_next(agent, 3) for agent in agents))
    taken = [r.escalation.id for r in results if r.code == "taken"]
    assert len(taken) == len(set(taken)) == 4
    assert sorted(r.code for r in results).count("queue_empty") == 2
    queue = await runtime.handoff.queue()
    assert {e.agent_id for e in queue} == {r.escalation.agent_id for r in results if r.code == "taken"}


async def test_the_most_urgent_then_the_oldest_goes_first(runtime: Runtime) -> None:
    await runtime.handle(Inbound(channel="console", customer_id="calm", text="a person please"))
    runtime.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await runtime.handle(Inbound(channel="console", customer_id="angry", text="I want to file a complaint"))
    queue = await runtime.handoff.queue()
    assert len(queue) == 2
    urgent = max(queue, key=lambda e: (e.priority, -e.created_at.timestamp()))
    result = await Assignment(runtime.handoff).take_next(Agent(id="web:1", name="Mei"), 5)
    assert result.escalation.id == urgent.id
