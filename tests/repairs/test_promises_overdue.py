"""A repair still in service after the policy's 14 days goes to a supervisor, with the replacement the
product type allows, and the customer gets the operator's compensation text."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.telegram.agents.notices import DeskNotices
from bot.handoff import desk as desk_events
from bot.knowledge.policies import DEFAULT_COMPENSATION
from bot.storage import repairs as ticket_events
from bot.storage.models import Escalation
from tests.repairs.promises_support import SHANGHAI, World, knowledge_copy, open_world
from tests.support import Clock, use_cached_matcher

BOOKED_AT = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)
RECEIVED_AT = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
SUPERVISORS = [111, 222]


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return knowledge_copy(tmp_path_factory.mktemp("overdue"))


@pytest.fixture
async def world(database_url: str, kb: Path) -> AsyncIterator[World]:
    world = await open_world(database_url, kb, Clock(BOOKED_AT), supervisor_ids=SUPERVISORS)
    try:
        yield world
    finally:
        await world.runtime.close()


async def _received(world: World, customer: str, **booking: Any) -> str:
    await world.say(customer, "hello")
    number = await world.book(customer, start=dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI), **booking)
    world.clock.now = RECEIVED_AT
    await world.runtime.repairs.desk.set_status(number, "received", "staff:ann")
    await world.run_jobs()
    return number


async def _escalations(world: World) -> list[Escalation]:
    async with world.runtime.database.sessions() as session:
        return list((await session.scalars(select(Escalation).order_by(Escalation.id))).all())


async def _timeline(world: World, number: str) -> list[ticket_events.TicketEvent]:
    async with world.runtime.database.sessions() as session:
        booking = await ticket_events.ticket(session, number)
        assert booking is not None
        return await ticket_events.events(session, booking.id)


class _Topics:
    """Just enough of the agents' forum for `DeskNotices` to post a note into an escalation's topic."""

    def __init__(self, service: Any) -> None:
        self.chat_id, self.language, self.service = -1001, "en", service
        self.posts: list[str] = []

    async def in_topic(self, view: Any, send: Any) -> Any:
        return await send(7)

    async def post(self, text: str, thread: int | None = None, markup: Any = None) -> Any:
        self.posts.append(text)
        return SimpleNamespace(message_thread_id=thread)


@pytest.mark.parametrize(
    ("model", "product_type", "policy"),
    [
        ("x20pro", "phone", "offer a new device of the same model (replacement policy)"),
        ("fiberrouter", "broadband", "no replacement under policy: offer compensation"),
    ],
)
async def test_day_14_reaches_a_supervisor_with_the_products_policy(world: World, model: str, product_type: str, policy: str) -> None:
    number = await _received(world, "50", model=model, product_type=product_type)
    world.clock.now = RECEIVED_AT + dt.timedelta(days=14) - dt.timedelta(minutes=1)
    await world.run_jobs()
    assert await _escalations(world) == []

    world.clock.now = RECEIVED_AT + dt.timedelta(days=14)
    await world.run_jobs()
    [escalation] = await _escalations(world)
    assert (escalation.reason, escalation.priority) == ("repair_overdue", 2)
    [event] = [e for e in await _timeline(world, number) if e.kind == ticket_events.ESCALATED]
    assert (event.actor, event.data["promise"], event.data["days"]) == ("system", "repair_days", 14)

    await world.publish()
    note = world.desk.events[-1]
    assert note.kind == desk_events.NOTE and note.payload["to"] == "supervisors"
    assert f"Supervisor: repair {number} ({model.upper()}) open for 14 days" in note.payload["text"]
    assert f"policy: {policy}" in note.payload["text"]

    # In the agents' chat the supervisors are mentioned, so Telegram notifies them.
    topics = _Topics(world.handoff)
    await DeskNotices(bot=None, topics=topics).show(note)  # type: ignore[arg-type]
    [post] = topics.posts
    assert policy in post
    assert all(f'<a href="tg://user?id={i}">supervisor</a>' in post for i in SUPERVISORS)

    # The customer: the operator's compensation text, once, in their language.
    [(customer, reply)] = world.channel.keyed("promises.customer.repair_overdue")
    assert customer == "50" and number in reply.text and DEFAULT_COMPENSATION["en"] in reply.text


async def test_ready_before_day_14_escalates_nothing(world: World) -> None:
    number = await _received(world, "51")
    world.clock.now = RECEIVED_AT + dt.timedelta(days=10)
    await world.runtime.repairs.desk.set_status(number, "repairing", "staff:ann")
    await world.runtime.repairs.desk.set_status(number, "ready", "staff:ann")
    world.clock.now = RECEIVED_AT + dt.timedelta(days=15)
    await world.run_jobs()
    assert await _escalations(world) == []
    assert not any(e.kind == ticket_events.ESCALATED for e in await _timeline(world, number))
    assert world.channel.keyed("promises.customer.repair_overdue") == []


async def test_a_vip_repair_goes_higher_still(world: World) -> None:
    number = await _received(world, "52", model="book16pro", product_type="laptop")
    world.clock.now = RECEIVED_AT + dt.timedelta(days=14)
    await world.run_jobs()
    [escalation] = await _escalations(world)
    assert (escalation.reason, escalation.priority) == ("repair_overdue", 3)
    [queued] = await world.handoff.queue()
    assert queued.vip and number
