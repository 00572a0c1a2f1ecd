"""A slot is never overbooked: the database arbitrates, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt

from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.storage.booking import Booking, NewBooking, SlotFull, SlotSeat, create_booking
from tests.booking.conftest import Chat, book_to_confirm

CUSTOMERS = 50
CAPACITY = 3  # the Chaoyang centre's store capacity in knowledge/service_centers.yaml


async def counts(runtime: Runtime) -> tuple[int, int]:
    async with runtime.database.sessions() as session:
        bookings = int(await session.scalar(select(func.count(Booking.id))) or 0)
        seats = int(await session.scalar(select(func.count(SlotSeat.id))) or 0)
        return bookings, seats


async def test_fifty_customers_confirm_the_same_slot(runtime: Runtime) -> None:
    first = Chat(runtime, customer="c0")
    await book_to_confirm(first, slot="10:00")
    state = await first.state()
    assert state["booking"]["data"]["slot"]["start"].startswith("2026-11-26T10:00")
    # 49 more customers with the same answers, all looking at the summary.
    for index in range(1, CUSTOMERS):
        async with runtime.store.turn("console", f"c{index}", language="zh-Hans") as turn:
            turn.conversation.state = copy.deepcopy(state)
    chats = [Chat(runtime, customer=f"c{i}") for i in range(CUSTOMERS)]
    outcomes = await asyncio.gather(*(chat.send("确认") for chat in chats))
    texts = ["\n".join(r.text for r in outcome.replies) for outcome in outcomes]
    assert sum("预约成功" in text for text in texts) == CAPACITY
    assert sum("刚刚被约满" in text for text in texts) == CUSTOMERS - CAPACITY
    assert await counts(runtime) == (CAPACITY, CAPACITY)
    async with runtime.database.sessions() as session:
        seats = sorted((await session.scalars(select(SlotSeat.seat))).all())
        tickets = set((await session.scalars(select(Booking.ticket))).all())
    assert seats == [1, 2, 3] and len(tickets) == CAPACITY


def _request(index: int, start: dt.datetime) -> NewBooking:
    return NewBooking(
        channel="console",
        customer_id=f"r{index}",
        conversation_id=None,
        language="en",
        product_type="phone",
        model_id="x20",
        model_name="Acme X20",
        serial=None,
        serial_kind=None,
        fault="screen",
        photos=(),
        purchase_date=None,
        purchase_approx=False,
        warranty="unknown",
        warranty_until=None,
        service="store",
        city="beijing",
        centre_id="bj-chaoyang",
        address=None,
        slot_start=start,
        slot_end=start + dt.timedelta(hours=1),
        loaner=False,
        contact_name=f"R{index}",
        phone="+8613800138000",
    )


async def test_fifty_concurrent_transactions_on_the_repository(runtime: Runtime) -> None:
    start = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)

    async def attempt(index: int) -> bool:
        async with runtime.database.sessions() as session, session.begin():
            try:
                await create_booking(session, _request(index, start), CAPACITY)
            except SlotFull:
                return False
            return True

    results = await asyncio.gather(*(attempt(i) for i in range(CUSTOMERS)))
    assert sum(results) == CAPACITY
    assert await counts(runtime) == (CAPACITY, CAPACITY)
