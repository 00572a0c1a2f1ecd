"""Canned answers from the FAQ knowledge base, in the customer's language with variables filled; the
customer's tickets and their conversations on other channels (same phone number)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.storage.booking import Booking
from bot.web.console import actions as console_actions
from tests.handoff.conftest import MemoryDelivery
from tests.web.conftest import WEB_NOW, login
from tests.web.console.conftest import escalate, say


async def add_booking(runtime: Runtime, channel: str, customer_id: str, phone: str, ticket: str, name: str = "Ann Lee") -> None:
    async with runtime.database.sessions() as session, session.begin():
        session.add(Booking(
            ticket=ticket, channel=channel, customer_id=customer_id, status="booked", language="en", product_type="phone",
            model_id="x20", model_name="X20 Pro", fault="cracked screen", photos=[], warranty="in", service="store",
            city="beijing", centre_id="bj1", slot_start=WEB_NOW + dt.timedelta(days=1), slot_end=WEB_NOW + dt.timedelta(days=1, hours=1),
            contact_name=name, phone=phone,
        ))


async def test_a_search_finds_the_answer_in_the_customers_language_with_variables(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c1", name="Ann")
    await add_booking(web_runtime, "console", "c1", "+8613800000001", "R7K-4Q2")
    await login(staff_client, web_runtime, name="Mei")
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}?q=warranty")).text()
    assert 'data-intent="warranty.period"' in page
    assert "Hello Ann," in page and "The whole device has a two-year warranty." in page
    assert "(ticket R7K-4Q2)" in page and "— Mei," in page
    found = await (await staff_client.get(f"/console/conversations/{escalation.id}/canned?q=warranty")).json()
    assert found[0]["intent_id"] == "warranty.period"
    assert found[0]["text"].startswith("Hello Ann,\nThe whole device has a two-year warranty.")


async def test_a_chinese_customer_gets_the_chinese_answer(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    escalation = await escalate(web_runtime, "c2", "我要投诉", name="王芳")
    await login(staff_client, web_runtime)
    found = await (await staff_client.get(f"/console/conversations/{escalation.id}/canned?q=保修期多长时间")).json()
    assert found and found[0]["intent_id"] == "warranty.period"
    assert "王芳，您好！" in found[0]["text"] and "整机保修两年。" in found[0]["text"]


async def test_sending_a_canned_answer_tells_the_learning_loop(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    async def agent_used_faq(runtime: Any, *, escalation_id: int, intent_id: str, message_id: int | None) -> None:
        calls.append({"escalation_id": escalation_id, "intent_id": intent_id, "message_id": message_id})

    # The learning loop's own effect is tested in tests/web/suggestions; here: what the console tells it.
    monkeypatch.setattr(console_actions, "agent_used_faq", agent_used_faq)

    escalation = await escalate(web_runtime, "c1", name="Ann")
    _, csrf = await login(staff_client, web_runtime)
    page = await (await staff_client.get(f"/console/conversations/{escalation.id}?use=battery.price")).text()
    draft = page.split('data-testid="reply-input">', 1)[1].split("</textarea>", 1)[0]
    assert "A battery replacement starts at 199 yuan." in draft  # in the composer, for review
    assert 'name="canned_intent" value="battery.price"' in page
    await staff_client.post(
        f"/console/conversations/{escalation.id}/reply",
        data={"csrf": csrf, "text": "A battery replacement starts at 199 yuan.", "canned_intent": "battery.price", "client_id": "c"},
    )
    transcript = await web_runtime.store.transcript(escalation.conversation_id)
    sent = next(m for m in transcript if m.kind == "agent")
    assert calls == [{"escalation_id": escalation.id, "intent_id": "battery.price", "message_id": sent.id}]


async def test_tickets_and_history_across_channels(
    staff_client: TestClient, web_runtime: Runtime, delivered: MemoryDelivery
) -> None:
    phone = "+8613800000077"
    # The person booked a repair on Telegram with their phone number, then wrote by SMS from it.
    await say(web_runtime, "4242", "hello", channel="telegram")
    await add_booking(web_runtime, "telegram", "4242", phone, "R2B-9XY")
    sms = await escalate(web_runtime, phone, channel="sms")
    await login(staff_client, web_runtime)
    page = await (await staff_client.get(f"/console/conversations/{sms.id}")).text()
    assert 'data-ticket="R2B-9XY"' in page and "Booked" in page
    history = page.split('data-testid="history"', 1)[1].split("</ul>", 1)[0]
    assert "Telegram" in history and "4242" in history
