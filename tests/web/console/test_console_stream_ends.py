"""An open event stream stops when its session stops holding (a deactivated user, revoked sessions) and
after MAX_STREAM at the latest: the check made when it opened is not a licence for ever."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import StaffSessions
from tests.handoff.conftest import MemoryDelivery
from tests.support import Clock
from tests.web.conftest import login
from tests.web.console.conftest import escalate, say
from tests.web.console.sse import EventReader


async def _open_stream(staff_client: TestClient, web_runtime: Runtime, customer: str) -> tuple[int, EventReader]:
    escalation = await escalate(web_runtime, customer)
    user, _ = await login(staff_client, web_runtime)
    response = await staff_client.get(f"/console/conversations/{escalation.id}/events")
    stream = EventReader(response)
    await stream.until(lambda e: e.name == "state")
    await say(web_runtime, customer, "still streaming")
    await stream.until(lambda e: e.name == "line" and e.data["text"] == "still streaming")
    return user.id, stream


def _lines(stream: EventReader) -> list[str]:
    return [e.data.get("text", "") for e in stream.seen if e.name == "line"]


@pytest.mark.parametrize("how", ["deactivate", "revoke"])
async def test_a_stream_ends_when_its_user_is_deactivated_or_logged_out_everywhere(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery, how: str
) -> None:
    user_id, stream = await _open_stream(staff_client, web_runtime, f"c-{how}")
    if how == "deactivate":
        await StaffAccounts(web_runtime.database, web_runtime.clock).change(user_id, active=False)
    else:
        await StaffSessions(web_runtime.database, web_runtime.clock, 8).end_all_of(user_id)
    await say(web_runtime, f"c-{how}", "a secret after the revocation")
    with pytest.raises(EOFError):
        await stream.until(lambda e: False, timeout=5.0)
    assert "a secret after the revocation" not in _lines(stream)


async def test_a_stream_ends_after_its_maximum_life(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery, web_clock: Clock
) -> None:
    _, stream = await _open_stream(staff_client, web_runtime, "c-old")
    web_clock.advance(minutes=31)
    await say(web_runtime, "c-old", "after half an hour")
    with pytest.raises(EOFError):
        await stream.until(lambda e: False, timeout=5.0)
