"""Fixtures for the hand-off tests: the real engine and storage (SQLite and PostgreSQL), a movable clock,
a recording desk for what agents would see and an in-memory delivery for what the customer gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Inbound
from bot.engine.types import Reply
from bot.handoff.delivery import AgentMessage, CustomerUnreachable, DeliveryFailed
from bot.handoff.desk import RecordingDesk
from bot.handoff.outbox import DeskOutbox
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import Clock

# Wednesday 25 November 2026, 11:00 in Shanghai.
WEDNESDAY_11 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)

HOURS_YAML = """\
timezone: Asia/Shanghai
region: CN
hours:
  mon-fri: "09:00-18:00"
  sat: "10:00-16:00"
  sun: closed
  holidays: closed
"""


@dataclass
class MemoryDelivery:
    """A channel's delivery that keeps what it was given; `fail` makes it fail like a channel would."""

    channel: str = "console"
    replies: list[tuple[str, Reply]] = field(default_factory=list)
    messages: list[tuple[str, AgentMessage]] = field(default_factory=list)
    fail: type[Exception] | None = None

    async def send_replies(self, customer_id: str, replies: Sequence[Reply]) -> None:
        if self.fail is not None:
            raise self.fail("cannot deliver")
        self.replies.extend((customer_id, r) for r in replies)

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        if self.fail is not None:
            raise self.fail("cannot deliver")
        self.messages.append((customer_id, message))

    def texts(self) -> list[str]:
        return [r.text for _, r in self.replies]


@dataclass
class Desk:
    """Everything around the runtime a hand-off test needs."""

    runtime: Runtime
    clock: Clock
    desk: RecordingDesk
    delivery: MemoryDelivery

    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.runtime.handoff

    async def say(self, text: str | None = None, customer: str = "c1", **extra: Any):  # type: ignore[no-untyped-def]
        return await self.runtime.handle(Inbound(channel="console", customer_id=customer, text=text, **extra))

    async def publish(self) -> list[str]:
        """Run the agents' outbox once; the kinds of the events published this time."""
        before = len(self.desk.events)
        await DeskOutbox(self.service).run_once(self.clock.now)
        return [e.kind for e in self.desk.events[before:]]


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_11)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def kb_dir(request: pytest.FixtureRequest, small_kb: Path) -> Path:
    """The small knowledge base; parametrize indirectly with "no_complaint" (no complaint entry) or
    "hours" (with HOURS_YAML)."""
    variant = getattr(request, "param", "")
    if variant == "no_complaint":
        path = small_kb / "faq" / "small.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: text.index("- id: complaint")], encoding="utf-8")
    elif variant == "hours":
        (small_kb / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
    return small_kb


@pytest.fixture
async def hd(database_url: str, kb_dir: Path, clock: Clock, settings_overrides: dict[str, Any]) -> AsyncIterator[Desk]:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=kb_dir, **settings_overrides), clock=clock)
    desk = RecordingDesk()
    runtime.handoff.desk = desk
    delivery = MemoryDelivery()
    runtime.deliveries.register(delivery)
    try:
        yield Desk(runtime, clock, desk, delivery)
    finally:
        await runtime.close()


__all__ = ["HOURS_YAML", "WEDNESDAY_11", "Clock", "CustomerUnreachable", "DeliveryFailed", "Desk", "MemoryDelivery"]
