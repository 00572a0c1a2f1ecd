"""Fixtures of the dashboard page tests: the known week of tests/reports/scenario.py played on the
staff web's runtime (always staffed: the small knowledge base has no hours.yaml)."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.handoff.conftest import MemoryDelivery
from tests.reports.scenario import Scenario, play
from tests.support import Clock


@pytest.fixture
async def played(web_runtime: Runtime, web_clock: Clock) -> Scenario:
    """The week played through the real bot: six customers, four hand-offs, three surveys."""
    web_runtime.deliveries.register(MemoryDelivery("console"))
    web_runtime.deliveries.register(MemoryDelivery("sms"))
    scenario = Scenario(web_runtime, web_clock, {})
    await play(scenario)
    return scenario
