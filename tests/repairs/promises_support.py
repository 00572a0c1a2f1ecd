"""What the promise and VIP tests share: the demo knowledge base with office hours that close at
weekends and on public holidays and VIP rules, the real runtime on a movable clock, a recording desk
for the agents, and a channel that keeps what customers were sent."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Inbound
from bot.engine.types import Action, ActionKind, Reply
from bot.handoff.delivery import AgentMessage
from bot.handoff.desk import RecordingDesk
from bot.handoff.outbox import DeskOutbox
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage import conversations
from bot.storage.booking import NewBooking, create_booking
from tests.support import DEMO_KB, Clock

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# The engineers' office: weekdays only, closed on public holidays (the demo's team also works weekends).
HOURS_YAML = """\
timezone: Asia/Shanghai
region: CN
hours:
  mon-fri: "09:00-18:00"
  sat-sun: closed
  holidays: closed
"""

POLICIES_YAML = """\
callback:
  working_hours: 2
  channels: [sms, telegram, web]
repair_limit:
  days: 14
vip:
  models: [book16pro]
  customers: ["telegram:777", "+86 139 0000 0000"]
  priority_boost: 1
  reserved_by_centre: {bj-chaoyang: 1}
"""

VIP_CHAT = "777"  # on the VIP list by its key, telegram:777


def knowledge_copy(directory: Path) -> Path:
    """The demo knowledge base with the hours and policies above, in `directory`."""
    target = directory / "kb"
    if not target.exists():
        shutil.copytree(DEMO_KB, target)
        (target / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
        (target / "policies.yaml").write_text(POLICIES_YAML, encoding="utf-8")
        (target / "vip_customers.txt").unlink(missing_ok=True)
    return target


@dataclass
class Channel:
    """The customers' Telegram as the scheduler reaches it: what was sent, with the outbox key."""

    channel: str = "telegram"
    sent: list[tuple[str, Reply, str | None]] = field(default_factory=list)

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        if source is not None and any(s == source for _, _, s in self.sent):
            return  # the real outboxes keep one copy per source
        self.sent.extend((customer_id, r, source) for r in replies)

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        return None

    def keyed(self, key: str) -> list[tuple[str, Reply]]:
        """(customer, reply) of the replies made from catalog message `key`."""
        return [(c, r) for c, r, _ in self.sent if getattr(r.text, "key", None) == key or r.key == key]


@dataclass
class World:
    runtime: Runtime
    clock: Clock
    desk: RecordingDesk
    channel: Channel

    @property
    def handoff(self):  # type: ignore[no-untyped-def]
        return self.runtime.handoff

    async def say(self, customer: str, text: str | None = None, **extra: Any):  # type: ignore[no-untyped-def]
        return await self.runtime.handle(Inbound(channel="telegram", customer_id=customer, text=text, **extra))

    async def ask_for_person(self, customer: str):  # type: ignore[no-untyped-def]
        return await self.say(customer, action=Action(ActionKind.MENU, "human"))

    async def conversation_id(self, customer: str) -> int:
        async with self.runtime.database.sessions() as session:
            conversation = await conversations.by_key(session, "telegram", customer)
            assert conversation is not None
            return conversation.id

    async def book(self, customer: str, *, model: str = "x20pro", product_type: str = "phone", service: str = "store",
                   start: dt.datetime | None = None, conversation: bool = True) -> str:
        """A booking stored and handed to the lifecycle as the booking flow does; its ticket number."""
        start = start or dt.datetime(2026, 4, 8, 10, 0, tzinfo=SHANGHAI)
        conversation_id = await self.conversation_id(customer) if conversation else None
        new = NewBooking(
            channel="telegram", customer_id=customer, conversation_id=conversation_id, language="en",
            product_type=product_type, model_id=model, model_name=model.upper(), serial=None, serial_kind=None,
            fault="does not start", photos=(), purchase_date=None, purchase_approx=False, warranty="unknown",
            warranty_until=None, service=service, city="beijing", centre_id="bj-chaoyang", address=None,
            slot_start=start, slot_end=start + dt.timedelta(hours=1), loaner=False, contact_name="Ada",
            phone="+8613800138000",
        )
        async with self.runtime.database.sessions() as session, session.begin():
            booking = await create_booking(session, new, 10)
            await self.runtime.repairs.lifecycle.booked(session, booking)
            return booking.ticket

    async def run_jobs(self) -> int:
        return await self.runtime.repairs.runner.run_due()

    async def publish(self) -> None:
        await DeskOutbox(self.handoff).run_once(self.clock.now)


async def open_world(database_url: str, kb: Path, clock: Clock, **settings: Any) -> World:
    runtime = await build_runtime(
        load_settings(database_url=database_url, knowledge_dir=kb, agents_language="en", **settings), clock=clock
    )
    desk = RecordingDesk()
    runtime.handoff.desk = desk
    channel = Channel()
    runtime.deliveries.register(channel)
    return World(runtime, clock, desk, channel)
