"""Fixtures of the console tests: customers handed to people through the real engine, and a channel
delivery that records what reached them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine import Inbound
from bot.runtime import Runtime
from bot.storage.handoff import EscalationView
from tests.handoff.conftest import MemoryDelivery

COMPLAINT = "I want to file a complaint"


@pytest.fixture
def delivered(web_runtime: Runtime) -> MemoryDelivery:
    """What customers on the "console" channel received (bot lines and agents' messages)."""
    delivery = MemoryDelivery(channel="console")
    web_runtime.deliveries.register(delivery)
    return delivery


async def escalate(
    runtime: Runtime, customer: str, text: str = COMPLAINT, *, channel: str = "console", name: str | None = None, **extra: Any
) -> EscalationView:
    """A customer says something that hands them to people; their open escalation."""
    outcome = await runtime.handle(Inbound(channel=channel, customer_id=customer, text=text, display_name=name, **extra))
    for escalation in await runtime.handoff.queue():
        if escalation.conversation_id == outcome.conversation_id:
            return escalation
    raise AssertionError(f"{text!r} did not hand {customer} to people: {[r.text for r in outcome.replies]}")


async def say(runtime: Runtime, customer: str, text: str, *, channel: str = "console") -> None:
    await runtime.handle(Inbound(channel=channel, customer_id=customer, text=text))


def rows(html: str) -> list[str]:
    """The escalation ids of the queue rows in a page, in order."""
    found = []
    for part in html.split('data-testid="queue-row"')[1:]:
        found.append(part.split('data-escalation-id="', 1)[1].split('"', 1)[0])
    return found
