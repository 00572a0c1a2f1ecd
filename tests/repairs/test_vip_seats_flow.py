"""The seats kept for VIP customers, through the booking conversation itself (not only the slot functions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.storage.booking import create_booking
from tests.booking.conftest import Chat, book_to_confirm
from tests.booking.test_booking_concurrency import _request
from tests.repairs.promises_support import SHANGHAI, VIP_CHAT, World, knowledge_copy, open_world
from tests.support import Clock, use_cached_matcher

WEDNESDAY = dt.datetime(2026, 11, 25, 10, 30, tzinfo=SHANGHAI)
THURSDAY_TEN = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    world = await open_world(database_url, knowledge_copy(tmp_path), Clock(WEDNESDAY))
    try:
        yield world
    finally:
        await world.runtime.close()


async def test_the_last_seat_kept_for_vips_is_offered_to_a_vip_only(world: World) -> None:
    # bj-chaoyang's store slots hold 3; policies.yaml keeps 1 for VIP customers. Two are taken.
    async with world.runtime.database.sessions() as session, session.begin():
        for index in range(2):
            await create_booking(session, replace(_request(index, THURSDAY_TEN), centre_id="bj-chaoyang"), capacity=3)
    someone = Chat(world.runtime, customer="555", channel="telegram")
    with pytest.raises(AssertionError):  # 10:00 is not among the times offered to a customer who is not a VIP
        await book_to_confirm(someone, slot="10:00")
    assert "10:00-" not in " ".join(someone.labels)
    vip = Chat(world.runtime, customer=VIP_CHAT, channel="telegram")
    await book_to_confirm(vip, slot="10:00")
    await vip.send("确认")
    assert "预约成功" in vip.text
