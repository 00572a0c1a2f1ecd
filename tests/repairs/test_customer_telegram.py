"""The survey after closing, end to end through the fake Telegram Bot API: the question arrives with
five score buttons and Skip, a button press is the score, stored with the ticket."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.telegram.bot import attach_handoff
from bot.runtime import build_runtime
from bot.storage.booking import Booking, NewBooking, create_booking
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import DEMO_KB, Clock, use_cached_matcher
from tests.telegram.conftest import make_settings, polling

CHAT = 7001


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


def new_booking(start: dt.datetime) -> NewBooking:
    return NewBooking(
        channel="telegram", customer_id=str(CHAT), conversation_id=None, language="en", product_type="phone",
        model_id="x20pro", model_name="Acme X20 Pro", serial=None, serial_kind=None, fault="screen cracked",
        photos=[], purchase_date=None, purchase_approx=False, warranty="unknown", warranty_until=None,
        service="store", city="北京", centre_id="bj-chaoyang", address=None, slot_start=start,
        slot_end=start + dt.timedelta(hours=1), loaner=False, contact_name="Ann", phone="+8613800138000",
    )


async def test_the_survey_question_and_its_buttons_on_telegram(tmp_path: Path) -> None:
    clock = Clock()
    async with FakeTelegramAPI() as api:
        runtime = await build_runtime(make_settings(api, tmp_path, knowledge_dir=DEMO_KB), clock=clock)
        try:
            async with polling(api, runtime) as harness:
                attach_handoff(runtime, harness.bot, harness.channel)  # as `supportbot serve` does: customers reachable
                await harness.say(CHAT, "hello")
                async with runtime.database.sessions() as session, session.begin():
                    booking = await create_booking(session, new_booking(clock.now + dt.timedelta(days=1)), 3)
                    await runtime.repairs.lifecycle.booked(session, booking)
                    number = booking.ticket
                for status in ("received", "repairing", "ready", "closed"):
                    await runtime.repairs.desk.set_status(number, status, "api")
                await runtime.repairs.runner.run_due()
                question = await api.wait_for(
                    lambda: next((c for c in api.sent(CHAT) if "How satisfied" in (c.get("text") or "")), None)
                )
                assert number in question["text"] and "Acme X20 Pro" in question["text"]
                assert question.button_texts[-1] == "Skip" and len(question.button_texts) == 6
                _, replies = await harness.press(CHAT, question, "5 ⭐⭐⭐⭐⭐", expect=1)
                assert any("Thank you for your score (5/5)" in (c.get("text") or "") for c in replies)
            async with runtime.database.sessions() as session:
                stored = await session.scalar(select(Booking).where(Booking.ticket == number))
                assert stored is not None and stored.survey_score == 5
        finally:
            await runtime.close()
