"""A week of known conversations, made through the real bot (engine, hand-off service, storage) at
known times, for the report tests and the dashboard page tests.

The clock starts on Wednesday 25 November 2026, 11:00 in Shanghai (03:00 UTC); office hours are
Monday to Friday 09:00-18:00 (HOURS_YAML).

| customer | channel | what happens                                                   | outcome    |
|----------|---------|----------------------------------------------------------------|------------|
| c1       | console | asks the warranty, gets the FAQ answer, 👍                      | answered   |
| c2       | console | asks about the weather, not understood, leaves                 | abandoned  |
| c3       | console | asks for a person at 11:10; Ada writes at 11:14; closed; 5     | handed_off |
| c4       | sms     | "=HYPERLINK(...)" asks for a person at 11:20; Ben takes at     | handed_off |
|          |         | 11:21 (not a response), writes at 11:50 (late); closed; 2      |            |
| c5       | sms     | asks the battery price (👎), then a person at 17:55; Ada writes| handed_off |
|          |         | Thursday 09:05 (wall 15h10m, staffed 10 min); closed; 4        |            |
| c6       | console | asks for a person Thursday 09:30; nobody answers until 10:00   | handed_off |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine import ActionKind, Inbound
from bot.engine.types import Action, Outcome
from bot.handoff.operations import Agent
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.handoff.conftest import HOURS_YAML, MemoryDelivery
from tests.support import Clock

START = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in Shanghai
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADA = Agent("web:1", "Ada")
BEN = Agent("web:2", "Ben")
EVIL_NAME = '=HYPERLINK("http://evil.example","点我")'


@dataclass
class Scenario:
    runtime: Runtime
    clock: Clock
    escalations: dict[str, int]

    async def say(self, customer: str, text: str | None = None, channel: str = "console", **extra: object) -> Outcome:
        return await self.runtime.handle(Inbound(channel=channel, customer_id=customer, text=text, **extra))  # type: ignore[arg-type]

    def at(self, hour: int, minute: int, day: int = 25) -> None:
        """Move the clock to a local time in Shanghai (forward only)."""
        moment = dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(dt.UTC)
        assert moment >= self.clock.now
        self.clock.now = moment


async def handed_off(s: Scenario, customer: str, channel: str = "console", **extra: object) -> int:
    outcome = await s.say(customer, "转人工", channel=channel, **extra)
    assert outcome.handoff is not None, outcome
    [view] = [v for v in await s.runtime.handoff.queue() if v.customer_id == customer]
    s.escalations[customer] = view.id
    return view.id


async def play(s: Scenario) -> None:
    """The table in the module docstring."""
    answer = await s.say("c1", "保修期多长时间")
    assert answer.replies[0].intent_id == "warranty.period"
    await s.say("c1", action=Action(ActionKind.FEEDBACK, "up", answer.replies[0].message_id))
    await s.say("c2", "明天北京天气怎么样")

    s.at(11, 10)
    c3 = await handed_off(s, "c3")
    s.at(11, 14)
    assert (await s.runtime.handoff.agent_message(c3, ADA, text="您好，我是 Ada")).ok
    s.at(11, 16)
    await s.runtime.handoff.close(c3, ADA)
    await s.say("c3", action=Action(ActionKind.SURVEY, "5", c3))

    s.at(11, 20)
    c4 = await handed_off(s, "c4", channel="sms", display_name=EVIL_NAME)
    s.at(11, 21)
    await s.runtime.handoff.take(c4, BEN)
    s.at(11, 50)
    assert (await s.runtime.handoff.agent_message(c4, BEN, text="抱歉久等")).ok
    await s.runtime.handoff.close(c4, BEN)
    await s.say("c4", channel="sms", action=Action(ActionKind.SURVEY, "2", c4))

    s.at(17, 50)
    battery = await s.say("c5", "换电池多少钱", channel="sms")
    await s.say("c5", channel="sms", action=Action(ActionKind.FEEDBACK, "down", battery.replies[0].message_id))
    s.at(17, 55)
    c5 = await handed_off(s, "c5", channel="sms")
    s.at(9, 5, day=26)
    assert (await s.runtime.handoff.agent_message(c5, ADA, text="早上好")).ok
    await s.runtime.handoff.close(c5, ADA)
    await s.say("c5", channel="sms", action=Action(ActionKind.SURVEY, "4", c5))

    s.at(9, 30, day=26)
    await handed_off(s, "c6")
    s.at(10, 0, day=26)


@pytest.fixture
def kb_with_hours(small_kb: Path) -> Path:
    (small_kb / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
    return small_kb


@pytest.fixture
async def scenario(database_url: str, kb_with_hours: Path) -> AsyncIterator[Scenario]:
    clock = Clock(START)
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=kb_with_hours), clock=clock)
    runtime.deliveries.register(MemoryDelivery("console"))
    runtime.deliveries.register(MemoryDelivery("sms"))
    try:
        s = Scenario(runtime, clock, {})
        await play(s)
        yield s
    finally:
        await runtime.close()
