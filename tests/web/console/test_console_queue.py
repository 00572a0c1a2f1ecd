"""The queue: views, SLA countdown, first-in-first-out "take next" within capacity."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.roles import Role
from tests.handoff.conftest import MemoryDelivery
from tests.support import Clock
from tests.web.conftest import login
from tests.web.console.conftest import escalate, rows


async def test_the_queue_lists_open_escalations_with_what_an_agent_needs(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    first = await escalate(web_runtime, "c1", name="Ann Lee")
    await login(staff_client, web_runtime)
    page = await staff_client.get("/console/?view=all")
    assert page.status == 200
    html = await page.text()
    assert rows(html) == [str(first.id)]
    assert "Ann Lee" in html
    assert "Complaint" in html  # the reason, in the agent's language
    assert "Terminal" in html  # the channel
    assert "due in" in html
    assert "I want to file a complaint" in html  # the customer's last words


async def test_breached_view_shows_only_escalations_past_their_due_time(
    staff_client: TestClient, web_runtime: Runtime, web_clock: Clock, delivered: MemoryDelivery
) -> None:
    old = await escalate(web_runtime, "c1")
    web_clock.advance(minutes=30)
    fresh = await escalate(web_runtime, "c2")
    await login(staff_client, web_runtime)
    breached = await (await staff_client.get("/console/?view=breached")).text()
    assert rows(breached) == [str(old.id)]
    assert 'data-testid="breached"' in breached
    everything = await (await staff_client.get("/console/?view=all")).text()
    assert rows(everything) == [str(old.id), str(fresh.id)]


async def test_take_next_is_first_in_first_out_and_respects_capacity(
    staff_client: TestClient, web_runtime: Runtime, web_clock: Clock, delivered: MemoryDelivery
) -> None:
    first = await escalate(web_runtime, "c1")
    web_clock.advance(minutes=1)
    second = await escalate(web_runtime, "c2")
    user, csrf = await login(staff_client, web_runtime, capacity=1)
    taken = await staff_client.post("/console/take-next", data={"csrf": csrf}, allow_redirects=False)
    assert taken.status == 303
    assert taken.headers["Location"].startswith(f"/console/conversations/{first.id}?flash=taken")
    mine = await (await staff_client.get("/console/?view=mine")).text()
    assert rows(mine) == [str(first.id)]
    full = await staff_client.post("/console/take-next", data={"csrf": csrf})
    html = await full.text()
    assert "You are at your capacity (1 open conversations)" in html
    waiting = await (await staff_client.get("/console/?view=unassigned")).text()
    assert rows(waiting) == [str(second.id)]
    assert (await web_runtime.handoff.escalation(first.id)).agent_id == f"web:{user.id}"


async def test_take_next_without_the_csrf_token_is_refused(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    await login(staff_client, web_runtime, role=Role.AGENT)
    refused = await staff_client.post("/console/take-next", data={"csrf": "forged"}, allow_redirects=False)
    assert refused.status == 403
    assert (await web_runtime.handoff.escalation(escalation.id)).status == "waiting"
