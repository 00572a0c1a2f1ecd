"""A whole booking over Telegram: aiogram's real client against the fake Bot API, inline keyboards for choices."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine.booking import BookingFlow
from bot.runtime import build_runtime
from bot.storage.booking import Booking
from tests.booking.conftest import DEMO_KB, Clock
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.telegram.conftest import TelegramHarness, make_settings, polling

ADA = 2001


@pytest.fixture
async def tg(tmp_path: Path, clock: Clock) -> AsyncIterator[TelegramHarness]:
    async with FakeTelegramAPI() as api:
        runtime = await build_runtime(make_settings(api, tmp_path, knowledge_dir=DEMO_KB), clock=clock)
        assert isinstance(runtime.engine.flows["booking"], BookingFlow)
        try:
            async with polling(api, runtime) as harness:
                yield harness
        finally:
            await runtime.close()


async def test_booking_with_inline_keyboards(tg: TelegramHarness) -> None:
    [greeting] = await tg.say(ADA, "/start")
    _, [intro, question] = await tg.press(ADA, greeting, "Book a repair", expect=2)
    assert "book your repair" in html_to_text(intro["text"])
    assert question.button_texts == [
        "Phone or tablet",
        "Laptop",
        "Desktop, all-in-one or monitor",
        "Printer",
        "Broadband equipment",
    ]
    assert question.button("Laptop")["callback_data"] == "q:bk.type.laptop"
    _, [models] = await tg.press(ADA, question, "Phone or tablet", expect=1)
    assert "Acme X20 Pro" in models.button_texts
    _, [imei] = await tg.press(ADA, models, "Acme X20 Pro", expect=1)
    _, [fault] = await tg.press(ADA, imei, "Skip", expect=1)
    assert "describe the fault" in html_to_text(fault["text"])
    photo = [{"file_id": "PHOTO-1", "file_unique_id": "u1", "width": 640, "height": 480}]
    [received, purchase] = await tg.say(ADA, None, photo=photo, caption="cracked screen, touch not working", expect=2)
    assert "Photo received" in html_to_text(received["text"])
    assert "When did you buy it" in html_to_text(purchase["text"])
    [warranty, service] = await tg.say(ADA, "2026-05-01", expect=2)
    assert "under warranty" in html_to_text(warranty["text"])
    assert len(service.buttons) == 3 and all(len(row) == 1 for row in service.buttons)
    _, [city] = await tg.press(ADA, service, "Bring it to a service centre (booked customers served first)", expect=1)
    _, [centre] = await tg.press(ADA, city, "Beijing", expect=1)
    assert centre.button_texts == ["Beijing Chaoyang Service Centre", "Beijing Haidian Service Centre"]
    _, [days] = await tg.press(ADA, centre, "Beijing Haidian Service Centre", expect=1)
    assert days.button_texts[0].startswith("Today, Wed 25 Nov") and len(days.button_texts) == 7
    tomorrow = next(text for text in days.button_texts if text.startswith("Tomorrow"))
    _, [slots] = await tg.press(ADA, days, tomorrow, expect=1)
    assert slots.button_texts[0] == "09:00-10:00 (4 left)"
    _, [loaner] = await tg.press(ADA, slots, "11:00-12:00 (4 left)", expect=1)
    _, [name] = await tg.press(ADA, loaner, "No, thanks", expect=1)
    [phone] = await tg.say(ADA, "Ada Lovelace")
    [summary] = await tg.say(ADA, "13800138000")
    assert summary.button_texts == ["Confirm booking", "Change something", "Cancel"]
    assert "Tomorrow, Thu 26 Nov 11:00-12:00" in html_to_text(summary["text"])
    _, [done] = await tg.press(ADA, summary, "Confirm booking", expect=1)
    ticket = re.search(r"R[2-9A-Z]{2}-[2-9A-Z]{3}", html_to_text(done["text"]))
    assert ticket is not None and "within 2 hours" in html_to_text(done["text"])
    async with tg.runtime.database.sessions() as session:
        [stored] = (await session.scalars(select(Booking))).all()
    assert (stored.ticket, stored.channel, stored.customer_id) == (ticket.group(0), "telegram", str(ADA))
    assert (stored.centre_id, stored.fault, stored.contact_name) == (
        "bj-haidian",
        "cracked screen, touch not working",
        "Ada Lovelace",
    )
    # An old button of the finished booking is refused politely, like any stale button.
    answer, sent = await tg.press(ADA, summary, "Confirm booking")
    assert answer.get("show_alert") and sent == []
    del name, phone
