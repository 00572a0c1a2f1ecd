"""A conversation in the console: the transcript, replying, notes, take / release / close / back to the
bot / transfer, each audited, through the real pages and the real hand-off service."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.audit import AuditLog
from bot.staff.roles import Role
from tests.handoff.conftest import MemoryDelivery
from tests.web.conftest import create_user, login
from tests.web.console.conftest import escalate, say


def senders(html: str) -> list[str]:
    return [part.split('data-sender="', 1)[1].split('"', 1)[0] for part in html.split('data-testid="transcript-line"')[1:]]


async def test_the_page_shows_the_transcript_and_a_reply_reaches_the_customer(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1", name="Ann")
    user, csrf = await login(staff_client, web_runtime, name="Mei")
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}")).text()
    assert senders(page)[:2] == ["customer", "bot"]
    assert 'data-testid="reply-input"' in page and 'data-testid="note-input"' in page
    assert "Internal note — never sent to the customer" in page

    sent = await staff_client.post(
        f"/console/conversations/{escalation.id}/reply", data={"csrf": csrf, "text": "Hello Ann, I am on it.", "client_id": "x1"}
    )
    html = await sent.text()
    assert "Sent to the customer." in html
    assert [m.text for _, m in delivered.messages] == ["Hello Ann, I am on it."]
    assert "agent" in senders(html)
    state = await web_runtime.handoff.escalation(escalation.id)
    assert state.status == "assigned" and state.agent_id == f"web:{user.id}"  # replying took it
    again = await staff_client.post(
        f"/console/conversations/{escalation.id}/reply", data={"csrf": csrf, "text": "Hello Ann, I am on it.", "client_id": "x1"}
    )
    assert "That message was already sent." in await again.text()  # a double submit is one message
    assert len(delivered.messages) == 1
    audit = await AuditLog(web_runtime.database, web_runtime.clock).rows("console.reply")
    assert [(row.actor, row.target) for row in audit] == [(user.email, f"escalation:{escalation.id}")] * 2


async def test_a_note_is_kept_for_staff_and_never_sent(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    _, csrf = await login(staff_client, web_runtime)
    before = (len(delivered.replies), len(delivered.messages))
    response = await staff_client.post(f"/console/conversations/{escalation.id}/note", data={"csrf": csrf, "text": "VIP, be kind"})
    html = await response.text()
    assert "Note saved (the customer cannot see it)." in html
    assert 'data-testid="note"' in html and "VIP, be kind" in html
    assert (len(delivered.replies), len(delivered.messages)) == before
    transcript = await web_runtime.store.transcript(escalation.conversation_id)
    assert all("VIP, be kind" not in (m.text or "") for m in transcript)


async def test_take_release_close_and_back_to_the_bot(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    first = await escalate(web_runtime, "c1")
    second = await escalate(web_runtime, "c2")
    user, csrf = await login(staff_client, web_runtime)
    taken = await staff_client.post(f"/console/conversations/{first.id}/take", data={"csrf": csrf})
    assert "You took the conversation." in await taken.text()
    released = await staff_client.post(f"/console/conversations/{first.id}/release", data={"csrf": csrf})
    assert "The conversation is back in the queue." in await released.text()
    assert (await web_runtime.handoff.escalation(first.id)).status == "waiting"
    await staff_client.post(f"/console/conversations/{first.id}/take", data={"csrf": csrf})
    closed = await staff_client.post(f"/console/conversations/{first.id}/close", data={"csrf": csrf})
    assert "Closed; the customer gets the survey." in await closed.text()
    assert (await web_runtime.handoff.escalation(first.id)).resolution == "closed"
    await staff_client.post(f"/console/conversations/{second.id}/take", data={"csrf": csrf})
    back = await staff_client.post(f"/console/conversations/{second.id}/to-bot", data={"csrf": csrf})
    assert "The bot answers again." in await back.text()
    assert (await web_runtime.handoff.escalation(second.id)).resolution == "to_bot"
    actions = [row.action for row in await AuditLog(web_runtime.database, web_runtime.clock).rows()]
    assert [a for a in actions if a.startswith("console.")] == [
        "console.take", "console.release", "console.take", "console.close", "console.take", "console.to_bot"
    ]


async def test_transfer_to_a_colleague(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    colleague = await create_user(web_runtime, Role.AGENT, name="Bo")
    _, csrf = await login(staff_client, web_runtime)
    await staff_client.post(f"/console/conversations/{escalation.id}/take", data={"csrf": csrf})
    moved = await staff_client.post(
        f"/console/conversations/{escalation.id}/transfer", data={"csrf": csrf, "to": str(colleague.id)}
    )
    html = await moved.text()
    assert "Transferred to Bo." in html
    state = await web_runtime.handoff.escalation(escalation.id)
    assert state.agent_id == f"web:{colleague.id}" and state.agent_name == "Bo"
    assert delivered.texts()[-1].startswith("Bo")  # the customer is told who has them now
    assert 'data-testid="read-only"' in html  # it is no longer mine


async def test_a_transfer_to_a_full_colleague_is_refused(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    busy = await escalate(web_runtime, "c0")
    escalation = await escalate(web_runtime, "c1")
    colleague = await create_user(web_runtime, Role.AGENT, name="Bo", capacity=1)
    await web_runtime.handoff.take(busy.id, colleague.as_agent())
    _, csrf = await login(staff_client, web_runtime, role=Role.SUPERVISOR)
    refused = await staff_client.post(
        f"/console/conversations/{escalation.id}/transfer", data={"csrf": csrf, "to": str(colleague.id)}
    )
    assert "That colleague is at their capacity." in await refused.text()
    assert (await web_runtime.handoff.escalation(escalation.id)).status == "waiting"


async def test_an_sms_customer_shows_the_parts_count(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "+8613800000001", channel="sms")
    _, csrf = await login(staff_client, web_runtime)
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}")).text()
    assert 'data-testid="sms-segments"' in page and 'data-channel="sms"' in page
    sent = await staff_client.post(
        f"/console/conversations/{escalation.id}/reply", data={"csrf": csrf, "text": "您好" * 40, "client_id": "s1"}
    )
    assert "Sent as 2 SMS part(s)." in await sent.text()


async def test_the_customer_says_more_and_the_page_shows_it(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    await login(staff_client, web_runtime)
    await say(web_runtime, "c1", "my screen is cracked")
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}")).text()
    assert "my screen is cracked" in page
