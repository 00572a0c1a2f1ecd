"""The booking form is a list of fields: a new question is one entry there and its lines in the catalog.

The "accessories included?" question below is added the way a developer would add it (an entry in
`bot.engine.booking.fields.FIELDS`, three lines in `bot/i18n/texts/booking_*.py`), here by
monkeypatching both; the rest of the booking takes it in: it is asked in its place, "back" returns
to it, the summary shows it and offers to change it. Also: a conversation stored in the middle of a
booking by the code before the form engine resumes where it was.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from types import MappingProxyType

import pytest

from bot.engine.booking import fields
from bot.i18n import catalog
from bot.runtime import Runtime
from bot.storage.store import Turn
from tests.booking.conftest import Chat, Clock, open_runtime

ACCESSORIES_LINES = {
    "booking.ask.accessories": {
        "zh-Hans": "送修时会附带配件（充电器、保护壳等）吗？",
        "zh-Hant": "送修時會附帶配件（充電器、保護殼等）嗎？",
        "en": "Will you hand in accessories (charger, case...) with the device?",
    },
    "booking.summary.accessories": {"zh-Hans": "附带配件：{answer}", "zh-Hant": "附帶配件：{answer}", "en": "Accessories: {answer}"},
    "booking.change.accessories": {"zh-Hans": "配件", "zh-Hant": "配件", "en": "Accessories"},
}


@pytest.fixture
async def accessories(monkeypatch: pytest.MonkeyPatch, database_url: str, clock: Clock) -> AsyncIterator[Runtime]:
    """The demo runtime, its booking form with "accessories included?" right after the fault."""
    listed = list(fields.FIELDS)
    listed.insert([f.id for f in listed].index("fault") + 1, fields.yes_no_field("accessories", group="accessories"))
    monkeypatch.setattr(fields, "FIELDS", tuple(listed))
    monkeypatch.setattr(catalog, "CATALOG", MappingProxyType({**catalog.CATALOG, **ACCESSORIES_LINES}))
    runtime = await open_runtime(database_url, clock)
    yield runtime
    await runtime.close()


async def test_a_question_added_to_the_list_is_asked_in_its_place_and_summarised(accessories: Runtime) -> None:
    chat = Chat(accessories)
    for answer in ("我要报修", "手机", "x20pro", "490154203237518"):
        await chat.send(answer)
    await chat.send("屏幕碎了，触摸失灵")
    assert "附带配件" in chat.last and chat.labels == ["是", "否"]
    await chat.send("蓝色的")  # not a yes or a no: refused like any other answer
    assert "请回答“是”或“否”" in chat.last and "附带配件" in chat.last
    await chat.send("是")
    assert "什么时候购买" in chat.last
    await chat.send("返回")  # "back" from the next question returns to it
    assert "附带配件" in chat.last
    await chat.press("否")
    for answer in ("2026-05-01", "到店", "北京", "朝阳"):
        await chat.send(answer)
    await chat.press("明天")
    await chat.press("10:00-")
    for answer in ("不需要", "张三", "13800138000"):
        await chat.send(answer)
    assert "请确认预约信息" in chat.last and "附带配件：否" in chat.last
    await chat.send("修改信息")
    assert "配件" in chat.labels
    await chat.press("配件")
    assert "附带配件" in chat.last
    await chat.send("是")
    assert "请确认预约信息" in chat.last and "附带配件：是" in chat.last
    await chat.send("确认预约")
    assert re.search(r"R[2-9A-HJKMNP-Z]{2}-[2-9A-HJKMNP-Z]{3}", chat.text), chat.text  # booked: a ticket
    assert "flow" not in await chat.state()


async def test_the_original_form_has_no_such_question(runtime: Runtime) -> None:
    chat = Chat(runtime)
    for answer in ("我要报修", "手机", "x20pro", "490154203237518", "屏幕碎了，触摸失灵"):
        await chat.send(answer)
    assert "什么时候购买" in chat.last


async def test_a_booking_stored_by_the_earlier_code_resumes_where_it_was(runtime: Runtime) -> None:
    """The state as the if-chain flow wrote it (no key this version added), mid-way: the fault is next."""
    chat = Chat(runtime)
    await chat.send("你好")
    stored = {
        "flow": "booking",
        "booking": {
            "mode": "new",
            "data": {"type": "phone", "model": "x20pro", "serial": {"kind": "imei", "value": "490154203237518"}},
            "old": {},
            "fails": 0,
            "language": "zh-Hans",
            "choices": {},
        },
    }
    async with stored_turn(chat) as turn:
        turn.conversation.state = stored
    await chat.send("屏幕碎了，触摸失灵")
    assert "什么时候购买" in chat.last
    state = await chat.state()
    assert state["booking"]["data"]["fault"] == "屏幕碎了，触摸失灵"


async def test_an_older_booking_without_its_bookkeeping_keys_still_resumes(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("你好")
    async with stored_turn(chat) as turn:
        turn.conversation.state = {"flow": "booking", "booking": {"mode": "new", "data": {"type": "phone"}}}
    await chat.send("返回")  # "back" needs the kept-aside answers ("old"), missing in this state
    assert "哪类产品" in chat.last
    await chat.send("手机")
    assert "哪个型号" in chat.last


def stored_turn(chat: Chat) -> AbstractAsyncContextManager[Turn]:
    """Write a conversation's state directly, as a stored conversation from an earlier version would be."""
    return chat.runtime.store.turn(chat.channel, chat.customer, language="zh-Hans")
