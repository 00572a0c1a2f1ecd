"""Helpers of the staff tests (CLI, API, agents' chat): a repair ticket booked as the booking flow does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from bot.clock import system_clock
from bot.knowledge.hours import OfficeHours
from bot.knowledge.policies import load_policies
from bot.repairs.lifecycle import RepairLifecycle
from bot.storage import Database
from bot.storage.booking import NewBooking, create_booking


def lifecycle_for(knowledge_dir: Path, clock: Callable[[], dt.datetime] = system_clock) -> RepairLifecycle:
    """The lifecycle on the default policies (no policies.yaml) and always-staffed hours in Shanghai."""
    return RepairLifecycle(load_policies(knowledge_dir), OfficeHours(timezone="Asia/Shanghai"), clock)


async def book(
    database: Database,
    lifecycle: RepairLifecycle,
    *,
    customer_id: str = "1001",
    channel: str = "telegram",
    service: str = "store",
    contact_name: str = "Ada <Lovelace>",
    phone: str = "+8613800138000",
    fault: str = "screen flickers & goes <black>",
    centre_id: str = "sh-xuhui",
    days_ahead: int = 3,
) -> str:
    """A booking stored and announced to the lifecycle (its first event, reminders, promises); its number."""
    start = (lifecycle.now() + dt.timedelta(days=days_ahead)).replace(minute=0, second=0, microsecond=0)
    data = NewBooking(
        channel=channel, customer_id=customer_id, conversation_id=None, language="en", product_type="laptop",
        model_id="x15", model_name="X15 Laptop", serial=None, serial_kind=None, fault=fault, photos=(),
        purchase_date=None, purchase_approx=False, warranty="in", warranty_until=None, service=service,
        city="Shanghai", centre_id=centre_id, address=None, slot_start=start, slot_end=start + dt.timedelta(hours=1),
        loaner=True, contact_name=contact_name, phone=phone,
    )
    async with database.sessions() as session, session.begin():
        booking = await create_booking(session, data, capacity=4)
        await lifecycle.booked(session, booking)
        return booking.ticket
