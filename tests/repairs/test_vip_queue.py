"""VIP customers jump the human queue and are marked wherever agents look at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram.agents.card import card_text, queue_text, topic_name
from bot.handoff import desk as desk_events
from bot.i18n import text
from bot.storage import Store
from bot.storage import handoff as repo
from bot.storage.repairs import ticket
from tests.repairs.promises_support import (
    SHANGHAI,
    VIP_CHAT,
    World,
    knowledge_copy,
    open_world,
)
from tests.support import Clock, use_cached_matcher

# Wednesday 25 November 2026, 10:30 in Beijing: the team is in.
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return knowledge_copy(tmp_path_factory.mktemp("vip"))


@pytest.fixture
async def world(database_url: str, kb: Path) -> AsyncIterator[World]:
    world = await open_world(database_url, kb, Clock(WEDNESDAY))
    try:
        yield world
    finally:
        await world.runtime.close()


async def test_a_vip_goes_ahead_of_earlier_customers_and_is_marked(world: World) -> None:
    for customer in ("1", "2"):
        await world.ask_for_person(customer)
        world.clock.advance(minutes=1)
    outcome = await world.ask_for_person(VIP_CHAT)  # on the VIP list by its key, telegram:777

    # The VIP is told they are next, because they are.
    first = text("handoff.queue", outcome.language, position=1)
    assert any(first in reply.text for reply in outcome.replies)

    queue = await world.handoff.queue()
    assert [(v.customer_id, v.vip) for v in queue] == [(VIP_CHAT, True), ("1", False), ("2", False)]
    assert [v.priority for v in queue] == [2, 1, 1]  # "human" is 1; the VIP boost adds 1
    async with world.runtime.database.sessions() as session:
        positions = []
        for view in queue:
            escalation = await repo.get(session, view.id)
            assert escalation is not None
            positions.append(await repo.queue_position(session, escalation))
    assert positions == [1, 2, 3]

    # The agents' chat: the card, the topic's name, /queue.
    await world.publish()
    cards = {e.escalation.customer_id: e for e in world.desk.events if e.kind == desk_events.OPENED}
    vip_card = cards[VIP_CHAT]
    assert vip_card.escalation.vip
    assert "⭐ VIP customer" in card_text(vip_card.escalation, vip_card.messages, vip_card.bookings, "en", world.clock.now, SHANGHAI)
    plain = cards["1"]
    assert "VIP" not in card_text(plain.escalation, plain.messages, plain.bookings, "en", world.clock.now, SHANGHAI)
    assert topic_name(vip_card.escalation, "en").startswith("🔴⭐")
    listing = queue_text(queue, "en", world.clock.now, SHANGHAI, -1001).splitlines()
    assert "⭐" in listing[1] and VIP_CHAT in listing[1] and "⭐" not in listing[2]


async def test_a_vip_booking_marks_its_customer_in_the_cli_queue(world: World) -> None:
    await world.ask_for_person("1")
    world.clock.advance(minutes=1)
    await world.say("3", "hello")
    number = await world.book("3", model="book16pro", product_type="laptop")  # a VIP model
    await world.ask_for_person("3")

    rows = await Store(world.runtime.database).queue()  # what `supportbot queue` lists
    assert [(r.customer_id, r.vip, r.priority) for r in rows] == [("3", True, 2), ("1", False, 1)]

    await world.publish()
    card = next(e for e in world.desk.events if e.kind == desk_events.OPENED and e.escalation.customer_id == "3")
    [line] = card.bookings
    assert line.ticket == number and line.vip
    assert f"⭐ {number}" in card_text(card.escalation, card.messages, card.bookings, "en", world.clock.now, SHANGHAI)


async def test_a_vip_phone_on_an_open_booking_counts_and_a_closed_one_does_not(world: World) -> None:
    await world.say("4", "hello")
    number = await world.book("4")
    async with world.runtime.database.sessions() as session, session.begin():
        booking = await ticket(session, number)
        assert booking is not None and not booking.vip
        booking.phone = "+86 139 0000 0000"  # on the VIP list (the list grew after the booking)
    await world.ask_for_person("4")
    [view] = await world.handoff.queue()
    assert view.vip and view.priority == 2

    await world.runtime.repairs.desk.set_status(number, "cancelled", "staff:ann")
    assert not (await world.handoff.queue())[0].vip
