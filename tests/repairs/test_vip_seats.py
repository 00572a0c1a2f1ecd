"""Seats kept for VIP customers: a slot whose free seats are all reserved is full for everyone else,
open to a VIP (by the customer's key or by the model being booked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.booking import day_time
from bot.engine.booking.form import Problem
from bot.engine.booking.schedule import (
    NO_RESERVATION,
    SeatRule,
    booking_seat_rule,
    seat_rule,
)
from bot.engine.context import TurnContext
from bot.knowledge.policies import VipPolicy
from bot.storage import conversations
from bot.storage.booking import Booking, NewBooking, SlotFull, create_booking
from bot.storage.store import Turn
from tests.repairs.promises_support import (
    SHANGHAI,
    VIP_CHAT,
    World,
    knowledge_copy,
    open_world,
)
from tests.support import Clock, use_cached_matcher

WEDNESDAY = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)
THURSDAY = "2026-11-26"
FIRST_SLOT = "202611260900"  # bj-chaoyang's first on-site slot: 2 seats, 1 kept for VIPs (POLICIES_YAML)


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return knowledge_copy(tmp_path_factory.mktemp("seats"))


@pytest.fixture
async def world(database_url: str, kb: Path) -> AsyncIterator[World]:
    world = await open_world(database_url, kb, Clock(WEDNESDAY))
    try:
        yield world
    finally:
        await world.runtime.close()


def _data(model: str = "x20pro") -> dict[str, Any]:
    return {"type": "phone", "model": model, "service": "onsite", "city": "beijing", "centre": "bj-chaoyang", "day": THURSDAY}


class Customer:
    """One customer at the time question of the booking flow, with the flow's VIP rules (or none)."""

    def __init__(self, world: World, customer: str, model: str = "x20pro", *, rules: VipPolicy | None | str = "flow") -> None:
        self.world, self.customer, self.data = world, customer, _data(model)
        self.rules = world.runtime.repairs.lifecycle.policies.vip if rules == "flow" else rules
        self.greeted = False

    async def _turn(self, session: Any) -> Turn:
        """The customer's conversation in `session` (they said hello before, so it exists)."""
        conversation = await conversations.by_key(session, "telegram", self.customer)
        assert conversation is not None
        return Turn(session, conversation)

    async def _hello(self) -> None:
        if not self.greeted:
            await self.world.say(self.customer, "hello")
            self.greeted = True

    async def offered(self) -> dict[str, str]:
        """The slots of Thursday the customer is offered: key -> label."""
        await self._hello()
        catalog = self.world.runtime.engine.flows["booking"].catalog
        async with self.world.runtime.database.sessions() as session:
            ctx = TurnContext(language="en", brand="Acme", state={}, low_confidence_streak=0)
            bk = {"mode": "new", "data": dict(self.data), "old": {}}
            found = await day_time.slot_question(catalog, ctx, await self._turn(session), bk, WEDNESDAY, vip_rules=self.rules)
        if found is None:
            return {}
        return {str(o.action.value).rsplit(".", 1)[-1]: o.label for o in found[1]}

    async def take(self, key: str) -> bool:
        """Pick the slot and store the booking as the flow does (the seats this customer may take)."""
        await self._hello()
        catalog = self.world.runtime.engine.flows["booking"].catalog
        centre = catalog.centre("bj-chaoyang")
        async with self.world.runtime.database.sessions() as session, session.begin():
            turn = await self._turn(session)
            bk = {"mode": "new", "data": dict(self.data), "old": {}}
            picked = await day_time.answer_slot(catalog, turn, bk, "", key, WEDNESDAY, vip_rules=self.rules)
            if isinstance(picked, Problem):
                return False
            start = dt.datetime.fromisoformat(bk["data"]["slot"]["start"])
            rule = seat_rule(self.rules, centre.id, self.data, "telegram", self.customer)
            new = NewBooking(
                channel="telegram", customer_id=self.customer, conversation_id=turn.conversation.id, language="en",
                product_type="phone", model_id=self.data["model"], model_name=self.data["model"], serial=None,
                serial_kind=None, fault="broken", photos=(), purchase_date=None, purchase_approx=False,
                warranty="unknown", warranty_until=None, service="onsite", city="beijing", centre_id=centre.id,
                address="1 Road", slot_start=start, slot_end=start + dt.timedelta(hours=2), loaner=False,
                contact_name="Ada", phone="+8613800138000",
            )
            try:
                await create_booking(session, new, rule.seats(centre.modes["onsite"].capacity))
            except SlotFull:
                return False
            return True


async def test_reserved_seat_is_only_for_a_vip(world: World) -> None:
    first, second = Customer(world, "1"), Customer(world, "2")
    vip, vip_by_model = Customer(world, VIP_CHAT), Customer(world, "5", model="book16pro")

    assert (await first.offered())[FIRST_SLOT].endswith("(1 left)")  # 2 seats, 1 kept: 1 for everyone else
    assert (await vip.offered())[FIRST_SLOT].endswith("(2 left)")
    assert await first.take(FIRST_SLOT)

    assert FIRST_SLOT not in await second.offered()  # only the reserved seat is left
    assert not await second.take(FIRST_SLOT)

    assert (await vip.offered())[FIRST_SLOT].endswith("(1 left)")
    assert await vip.take(FIRST_SLOT)

    assert FIRST_SLOT not in await vip_by_model.offered()  # now full for everyone
    assert not await vip_by_model.take(FIRST_SLOT)


async def test_a_vip_by_model_sees_the_reserved_seat(world: World) -> None:
    assert await Customer(world, "1").take(FIRST_SLOT)
    assert FIRST_SLOT not in await Customer(world, "2").offered()
    assert FIRST_SLOT in await Customer(world, "5", model="book16pro").offered()


async def test_without_vip_rules_nothing_is_reserved(world: World) -> None:
    assert await Customer(world, "1", rules=None).take(FIRST_SLOT)
    assert FIRST_SLOT in await Customer(world, "2", rules=None).offered()
    assert await Customer(world, "2", rules=None).take(FIRST_SLOT)


def test_the_seat_rule() -> None:
    rules = VipPolicy(models=frozenset({"book16pro"}), customers=frozenset({"telegram:777"}), reserved_seats=1,
                      reserved_by_centre={"sh-xuhui": 0})
    assert seat_rule(rules, "bj-chaoyang", {"model": "x20"}, "telegram", "1") == SeatRule(reserved=1, vip=False)
    assert seat_rule(rules, "bj-chaoyang", {"model": "book16pro"}, "telegram", "1").vip
    assert seat_rule(rules, "bj-chaoyang", {}, "telegram", "777").vip
    assert seat_rule(rules, "sh-xuhui", {}, "telegram", "1") == NO_RESERVATION  # this centre keeps none
    assert seat_rule(None, "bj-chaoyang", {}, "telegram", "1") == NO_RESERVATION
    assert SeatRule(reserved=1).seats(2) == 1 and SeatRule(reserved=3).seats(2) == 0
    assert SeatRule(reserved=1, vip=True).seats(2) == 2


def test_a_moved_booking_keeps_its_vip_seats() -> None:
    rules = VipPolicy(models=frozenset({"book16pro"}), reserved_seats=1)
    booked = Booking(centre_id="bj-chaoyang", model_id="x20", phone="+8613800138000", channel="sms",
                     customer_id="+8613800138000", vip=True)
    assert booking_seat_rule(rules, booked) == SeatRule(reserved=1, vip=True)
    booked.vip = False
    assert booking_seat_rule(rules, booked) == SeatRule(reserved=1, vip=False)
    booked.model_id = "book16pro"
    assert booking_seat_rule(rules, booked).vip
    assert booking_seat_rule(None, booked) == NO_RESERVATION
