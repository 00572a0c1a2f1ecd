"""`/ticket` in the agents' chat, over the fake Bot API: show a ticket, change it through the desk, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.repairs import statuses as st
from bot.repairs.lifecycle import NOTICE
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.handoff.telegram_harness import (
    AGENTS,
    OUTSIDER,
    AgentsHarness,
    start_agents_harness,
    stop_agents_harness,
)
from tests.repairs.staff_helpers import book


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def ag(api: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[AgentsHarness]:
    harness = await start_agents_harness(api, tmp_path)
    try:
        yield harness
    finally:
        await stop_agents_harness(harness)


async def booked(ag: AgentsHarness, **options: object) -> str:
    return await book(ag.runtime.database, ag.runtime.repairs.lifecycle, **options)  # type: ignore[arg-type]


async def say(ag: AgentsHarness, text: str, *, user: int | None = None) -> str | None:
    """An agent writes in General; the bot's answer there (HTML as sent), or None when it said nothing."""
    before = len(ag.api.posts(AGENTS, None))
    await ag.agent(text, **({"user": user} if user is not None else {}))
    posts = ag.api.posts(AGENTS, None)[before:]
    assert len(posts) <= 1
    return posts[0]["text"] if posts else None


def nxt(status: str) -> str:
    return ", ".join(st.next_statuses(status))


async def test_show_and_change_a_ticket(ag: AgentsHarness) -> None:
    number = await booked(ag)
    shown = await say(ag, f"/ticket {number.lower()}")
    assert shown is not None
    lines = shown.splitlines()
    assert lines[0] == f"<b>🔧 Ticket {number} · Booked</b>"
    assert "Customer: Ada &lt;Lovelace&gt; · +8613800138000 (telegram 1001)" in lines  # escaped
    assert "Device: X15 Laptop · fault: screen flickers &amp; goes &lt;black&gt;" in lines
    assert any(line.startswith("Service: In-store repair · centre: sh-xuhui · slot: ") for line in lines)
    assert "Loaner requested" in lines and lines[-1] == f"Next: {nxt('booked')}"
    assert lines[lines.index("Last events:") + 1].endswith("Booked · <i>customer</i>")

    answer = await say(ag, f"/ticket {number} received left <at> the counter")
    assert answer == f"✅ {number}: Booked → Received (the customer will be told)\nNext: {nxt('received')}"
    view = await ag.runtime.repairs.desk.show(number)
    assert (view.status, view.events[-1].actor, view.events[-1].note) == ("received", "agent:7001 Alice", "left <at> the counter")
    assert [j.status for j in view.jobs if j.kind == NOTICE] == ["pending"]  # the customer will be told

    assert await say(ag, f"/ticket {number} called quoted two days") == f"✅ {number}: engineer called recorded"
    assert (await ag.runtime.repairs.desk.show(number)).called_at is not None
    assert (await say(ag, f"/ticket {number} note")) == f"Write the note: /ticket {number} note TEXT"
    shown = await say(ag, f"/ticket {number}")
    assert shown is not None and "left &lt;at&gt; the counter" in shown and "<i>agent:7001 Alice</i>" in shown
    assert "📞 Called back: " in shown


async def test_refusals_name_what_is_allowed(ag: AgentsHarness) -> None:
    number = await booked(ag)
    assert await say(ag, "/ticket R99-9999") == "No ticket R99-9999."
    assert await say(ag, "/ticket R99-9999 ready") == "No ticket R99-9999."
    assert await say(ag, f"/ticket {number} fixed") == (
        f"{number}: unknown status or action “fixed”. Next: {nxt('booked')}; or record called, loaner_out, loaner_returned, note."
    )
    assert await say(ag, f"/ticket {number} ready") == f"{number} is Booked: it cannot become Ready for collection. Next: {nxt('booked')}."
    assert (await say(ag, f"/ticket {number} received")) is not None
    assert (await say(ag, f"/ticket {number} repairing")) is not None
    missing = await say(ag, f"/ticket {number} shipped")
    assert missing is not None and missing.startswith(f"{number}: shipped needs the courier's tracking number")
    assert (await say(ag, f"/ticket {number} closed collected")).startswith(f"✅ {number}: Repairing → Closed")  # type: ignore[union-attr]
    assert await say(ag, f"/ticket {number} repairing") == f"{number} is Closed: it cannot become Repairing. Next: none."
    assert (await ag.runtime.repairs.desk.show(number)).status == "closed"
    usage = await say(ag, "/ticket")
    assert usage is not None and usage.startswith("Usage: /ticket NUMBER")


async def test_shipped_with_tracking(ag: AgentsHarness) -> None:
    number = await booked(ag, service="courier")
    await say(ag, f"/ticket {number} received")
    answer = await say(ag, f"/ticket {number} shipped SF1234567890 sent with the charger")
    assert answer is not None and answer.startswith(f"✅ {number}: Received → Shipped back")
    view = await ag.runtime.repairs.desk.show(number)
    assert (view.tracking_number, view.events[-1].note) == ("SF1234567890", "sent with the charger")
    assert "📦 Tracking: SF1234567890" in (await say(ag, f"/ticket {number}") or "")


async def test_a_non_agent_is_ignored(ag: AgentsHarness) -> None:
    number = await booked(ag)
    assert await say(ag, f"/ticket {number}", user=OUTSIDER) is None
    assert await say(ag, f"/ticket {number} received", user=OUTSIDER) is None
    assert (await ag.runtime.repairs.desk.show(number)).status == "booked"


async def test_help_lists_the_ticket_command(ag: AgentsHarness) -> None:
    answer = await say(ag, "/help")
    assert answer is not None and "/ticket NUMBER STATUS [note]" in answer
