"""Helpers of the notices tests: a ticket booked straight through the lifecycle, and a Telegram side
(the fake Bot API, the real channel, its durable outbox and hand-off delivery) without polling.

The booking is stored the way the booking flow stores it (`create_booking` then `lifecycle.booked` in
one transaction): what follows a booking is what these tests are about, not the questions before it
(tests/booking/ covers those end to end).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot

from bot.channels.telegram.bot import attach_handoff, create_bot, create_dispatcher
from bot.channels.telegram.channel import TelegramChannel
from bot.runtime import Runtime, build_runtime
from bot.storage import jobs
from bot.storage import repairs as events
from bot.storage.booking import Booking, NewBooking, create_booking
from bot.storage.jobs import Job
from bot.storage.models import Conversation
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.support import DEMO_KB, SHANGHAI, Clock
from tests.telegram.conftest import FakeClock, make_settings

# Thursday 26 November 2026, 14:00-15:00 in Beijing: the day after the tests' Wednesday morning.
THURSDAY_2PM = dt.datetime(2026, 11, 26, 14, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall time in Beijing counted from 1 November 2026 (day 31 is 1 December)."""
    return dt.datetime(2026, 11, 1, hour, minute, tzinfo=SHANGHAI) + dt.timedelta(days=day - 1)


async def book(runtime: Runtime, *, channel: str, customer_id: str, language: str, service: str = "store",
               centre_id: str = "bj-chaoyang", loaner: bool = False, warranty_until: dt.date | None = None,
               start: dt.datetime = THURSDAY_2PM, address: str | None = None, conversation: bool = True,
               called: bool = True) -> Booking:
    """A booking as the flow stores it, with the customer's conversation; the engineer's call marked
    made (unless `called=False`) so the call-back promise stays out of the way of these tests."""
    lifecycle = runtime.repairs.lifecycle
    async with runtime.database.sessions() as session, session.begin():
        conversation_id = None
        if conversation:
            row = Conversation(channel=channel, customer_id=customer_id, language=language)
            session.add(row)
            await session.flush()
            conversation_id = row.id
        booking = await create_booking(session, NewBooking(
            channel=channel, customer_id=customer_id, conversation_id=conversation_id, language=language,
            product_type="phone", model_id="x20pro", model_name="Acme X20 Pro", serial=None, serial_kind=None,
            fault="cracked screen", photos=(), purchase_date=dt.date(2026, 5, 1), purchase_approx=False,
            warranty="in" if warranty_until else "out", warranty_until=warranty_until, service=service,
            city="beijing", centre_id=centre_id, address=address, slot_start=start,
            slot_end=start + dt.timedelta(hours=1 if service == "store" else 2), loaner=loaner,
            contact_name="Ada", phone="+8613800138000",
        ), capacity=5)
        await lifecycle.booked(session, booking)
    if called:
        await runtime.repairs.desk.mark(booking.ticket, events.CALLED, "cli")
    return booking


async def jobs_of(runtime: Runtime, booking: Booking) -> list[Job]:
    async with runtime.database.sessions() as session:
        return await jobs.jobs_of(session, booking.id)


async def timeline(runtime: Runtime, booking: Booking) -> list[events.TicketEvent]:
    async with runtime.database.sessions() as session:
        return await events.events(session, booking.id)


async def move_to(runtime: Runtime, clock: Clock, moment: dt.datetime) -> int:
    """Travel to `moment` and run what is due by then; how many jobs ran."""
    clock.now = moment
    return await runtime.repairs.runner.run_due()


@dataclass
class TelegramSide:
    """The bot's Telegram channel wired as `supportbot serve` wires it, minus polling: replies and
    notices go through its durable outbox to the fake Bot API."""

    api: FakeTelegramAPI
    runtime: Runtime
    clock: Clock
    bot: Bot
    channel: TelegramChannel

    def texts(self, chat_id: int) -> list[str]:
        return [html_to_text(call["text"]) for call in self.api.sent(chat_id)]


@contextlib.asynccontextmanager
async def telegram_side(tmp_path: Path, database_url: str | None = None, **settings: Any) -> AsyncIterator[TelegramSide]:
    clock = Clock()
    async with FakeTelegramAPI() as api:
        values: dict[str, Any] = {"knowledge_dir": DEMO_KB, **settings}
        if database_url is not None:
            values["database_url"] = database_url
        runtime = await build_runtime(make_settings(api, tmp_path, **values), clock=clock)
        try:
            channel = TelegramChannel(runtime)
            bot = create_bot(runtime.settings, on_blocked=channel.mark_blocked, pacer=False)
            create_dispatcher(runtime, channel=channel, clock=FakeClock())  # makes the outbox durable
            assert channel.outbox is not None
            attach_handoff(runtime, bot, channel)
            try:
                yield TelegramSide(api, runtime, clock, bot, channel)
            finally:
                await bot.session.close()
        finally:
            await runtime.close()
