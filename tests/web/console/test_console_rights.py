"""Every id in a console URL is checked against the user's rights on the server: another agent's
escalation, an unknown one, a message of another conversation; and customers' words render as text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from bot.channels.web.uploads import file_name, new_upload_id, photo_type
from bot.engine import Inbound
from bot.engine.types import InboundKind
from bot.runtime import Runtime
from bot.staff.roles import Role
from bot.storage.web import UploadInfo, WebChatStore
from tests.handoff.conftest import MemoryDelivery
from tests.web.conftest import create_user, login
from tests.web.console.conftest import escalate

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("action", ["reply", "release", "close", "to-bot", "transfer", "take"])
async def test_an_agent_cannot_act_on_a_colleagues_escalation(
    action: str, staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    colleague = await create_user(web_runtime, Role.AGENT, name="Bo")
    await web_runtime.handoff.take(escalation.id, colleague.as_agent())
    me, csrf = await login(staff_client, web_runtime)
    page = await staff_client.get(f"/console/conversations/{escalation.id}")
    assert page.status == 200  # reading a colleague's conversation is allowed
    assert 'data-testid="reply-input"' not in await page.text()
    refused = await staff_client.post(
        f"/console/conversations/{escalation.id}/{action}",
        data={"csrf": csrf, "text": "hijack", "to": str(me.id)},
        allow_redirects=False,
    )
    assert refused.status == 403
    after = await web_runtime.handoff.escalation(escalation.id)
    assert (after.status, after.agent_id) == ("assigned", f"web:{colleague.id}")
    assert all(m.text != "hijack" for _, m in delivered.messages)


async def test_a_supervisor_may_act_on_any_escalation(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    colleague = await create_user(web_runtime, Role.AGENT, name="Bo")
    await web_runtime.handoff.take(escalation.id, colleague.as_agent())
    _, csrf = await login(staff_client, web_runtime, role=Role.SUPERVISOR)
    response = await staff_client.post(f"/console/conversations/{escalation.id}/close", data={"csrf": csrf})
    assert "Closed" in await response.text()


@pytest.mark.parametrize("path", ["/console/conversations/999", "/console/conversations/999/events", "/console/conversations/abc"])
async def test_an_unknown_escalation_is_not_found(
    path: str, staff_client: TestClient, web_runtime: Runtime
) -> None:
    await login(staff_client, web_runtime)
    assert (await staff_client.get(path)).status == 404


async def test_the_console_needs_a_login(staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery) -> None:
    escalation = await escalate(web_runtime, "c1")
    for path in ("/console/", f"/console/conversations/{escalation.id}", "/console/events"):
        response = await staff_client.get(path, allow_redirects=False)
        assert response.status in (302, 401)


async def _photo_conversation(runtime: Runtime, customer: str) -> tuple[int, int]:
    """A web customer handed to people who then sends a photo: (escalation id, the photo message's id)."""
    escalation = await escalate(runtime, customer, channel="web")
    store = WebChatStore(runtime.database)
    await store.append(customer, [], site="demo")  # the visitor's row, as their first message makes it
    upload_id = new_upload_id()
    name = file_name(upload_id, photo_type(PNG))  # type: ignore[arg-type]
    await store.add_upload(UploadInfo(upload_id, customer, name, "image/png", len(PNG)), PNG)
    await runtime.handle(Inbound(channel="web", customer_id=customer, kind=InboundKind.PHOTO, attachment=f"web:upload:{upload_id}"))
    transcript = await runtime.store.transcript(escalation.conversation_id)
    photo = next(m for m in transcript if m.attachment)
    return escalation.id, photo.id


async def test_a_photo_is_shown_only_within_its_own_conversation(
    staff_client: TestClient, web_runtime: Runtime, client_factory: Callable[[], Awaitable[TestClient]]
) -> None:
    web_runtime.deliveries.register(MemoryDelivery(channel="web"))
    mine, my_photo = await _photo_conversation(web_runtime, "v:aaaa")
    other, other_photo = await _photo_conversation(web_runtime, "v:bbbb")
    await login(staff_client, web_runtime)
    page = await (await staff_client.get(f"/console/conversations/{mine}")).text()
    assert f"/console/conversations/{mine}/attachments/{my_photo}" in page
    shown = await staff_client.get(f"/console/conversations/{mine}/attachments/{my_photo}")
    assert shown.status == 200 and await shown.read() == PNG
    assert shown.headers["Content-Type"] == "image/png"
    assert (await staff_client.get(f"/console/attachments/{my_photo}")).status == 200
    # Another conversation's message through this escalation, and made-up ids: as if they did not exist.
    assert (await staff_client.get(f"/console/conversations/{mine}/attachments/{other_photo}")).status == 404
    assert (await staff_client.get(f"/console/conversations/{other}/attachments/{my_photo}")).status == 404
    assert (await staff_client.get("/console/attachments/99999")).status == 404
    stranger = await client_factory()  # a browser without a session
    anonymous = await stranger.get(f"/console/attachments/{my_photo}", allow_redirects=False)
    assert anonymous.status in (302, 401)


XSS = ["<img src=x onerror=alert(1)>", "<script>alert('x')</script>"]


@pytest.mark.parametrize("payload", XSS)
async def test_customer_words_render_as_text(
    payload: str, staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1", name=payload)
    await web_runtime.handle(Inbound(channel="console", customer_id="c1", text=payload))
    _, csrf = await login(staff_client, web_runtime)
    await staff_client.post(f"/console/conversations/{escalation.id}/note", data={"csrf": csrf, "text": payload})
    for path in ("/console/?view=all", f"/console/conversations/{escalation.id}"):
        html = await (await staff_client.get(path)).text()
        assert payload not in html
        assert "&lt;" in html and ("&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;script&gt;" in html)
        assert "<script>alert" not in html and "<img src=x" not in html
