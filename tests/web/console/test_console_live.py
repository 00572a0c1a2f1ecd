"""Live updates: a customer's message and a /take done in Telegram reach the open console page through
its event stream within a second or two; a reconnect resumes after the last event it got."""

from __future__ import annotations

import time

from aiohttp.test_utils import TestClient

from bot.handoff.operations import Agent
from bot.runtime import Runtime
from tests.handoff.conftest import MemoryDelivery
from tests.web.conftest import login
from tests.web.console.conftest import escalate, say
from tests.web.console.sse import EventReader


async def test_the_conversation_stream_shows_new_lines_and_a_take_in_telegram(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1")
    _, csrf = await login(staff_client, web_runtime)
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}")).text()
    cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
    response = await staff_client.get(f"/console/conversations/{escalation.id}/events?after={cursor}")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    stream = EventReader(response)
    first = await stream.until(lambda e: e.name == "state")
    assert first.data["status"] == "waiting"

    started = time.monotonic()
    await say(web_runtime, "c1", "<b>are you there?</b>")
    line = await stream.until(lambda e: e.name == "line" and e.data["sender"] == "customer")
    assert line.data["text"] == "<b>are you there?</b>"  # data, set as text by console.js
    assert time.monotonic() - started < 2.0

    await web_runtime.handoff.take(escalation.id, Agent(id="777", name="Tom"))  # /take in the Telegram group
    taken = await stream.until(lambda e: e.name == "state" and e.data["status"] == "assigned")
    assert taken.data["agent"] == "Tom"

    await staff_client.post(f"/console/conversations/{escalation.id}/note", data={"csrf": csrf, "text": "checked the warranty"})
    note = await stream.until(lambda e: e.name == "note")
    assert note.data["text"] == "checked the warranty"
    last_id = note.id
    response.close()

    # The browser reconnects with the last id it got: only what came after it.
    await say(web_runtime, "c1", "one more thing")
    again = await staff_client.get(f"/console/conversations/{escalation.id}/events", headers={"Last-Event-ID": last_id or ""})
    resumed = EventReader(again)
    await resumed.until(lambda e: e.name == "line" and e.data["text"] == "one more thing")
    texts = [e.data.get("text") for e in resumed.seen if e.name in ("line", "note")]
    assert "<b>are you there?</b>" not in texts and "checked the warranty" not in texts
    again.close()


async def test_the_queue_stream_says_when_the_queue_changed(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    await login(staff_client, web_runtime)
    response = await staff_client.get("/console/events")
    stream = EventReader(response)
    await escalate(web_runtime, "c9")
    await stream.until(lambda e: e.name == "queue")
    response.close()
