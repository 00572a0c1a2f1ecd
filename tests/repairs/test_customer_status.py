"""The customer's side of a repair ticket, through the engine on the real runtime: booking, moving and
cancelling leave their events and jobs; the status look-up says where the repair is and what comes next
in three languages; a ticket already in repair cannot be moved or cancelled by the customer."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.engine import Action, ActionKind
from bot.engine.booking.moments import moment
from bot.repairs import lifecycle as lc
from bot.runtime import Runtime
from bot.storage import jobs
from bot.storage import repairs as events
from bot.storage.booking import Booking
from tests.booking.conftest import Chat, book_to_confirm, open_runtime
from tests.support import SHANGHAI, Clock, use_cached_matcher

TICKET = re.compile(r"R[2-9A-HJKMNP-Z]{2}-[2-9A-HJKMNP-Z]{3}")


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def runtime(database_url: str, clock: Clock) -> AsyncIterator[Runtime]:
    runtime = await open_runtime(database_url, clock)
    yield runtime
    await runtime.close()


async def book(chat: Chat, **where: str) -> str:
    """A Simplified-Chinese store booking (tomorrow 10:00 at the Chaoyang centre), confirmed: its number."""
    await book_to_confirm(chat, **where)
    await chat.send("确认")
    match = TICKET.search(chat.text)
    assert match is not None, chat.text
    return match.group(0)


async def ticket_of(runtime: Runtime, number: str) -> tuple[Booking, list[events.TicketEvent], list[jobs.Job]]:
    async with runtime.database.sessions() as session:
        booking = await session.scalar(select(Booking).where(Booking.ticket == number))
        assert booking is not None
        return booking, await events.events(session, booking.id), list(await jobs.jobs_of(session, booking.id))


def pending(found: list[jobs.Job], kind: str) -> list[jobs.Job]:
    return [job for job in found if job.kind == kind and job.status == jobs.PENDING]


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


async def test_a_booking_leaves_its_event_its_jobs_and_the_call_back_promise(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime, customer="tg1", channel="telegram")  # a channel the call-back promise is made on
    number = await book(chat)
    booking, timeline, found = await ticket_of(runtime, number)
    assert [(e.kind, e.status, e.actor) for e in timeline] == [(events.STATUS, "booked", "customer")]
    assert booking.callback_due_at is not None
    [reminder] = pending(found, lc.REMIND_APPOINTMENT)
    assert utc(reminder.due_at) == dt.datetime(2026, 11, 25, 18, 0, tzinfo=SHANGHAI)  # the evening before
    [callback] = pending(found, lc.CALLBACK_DUE)
    assert utc(callback.due_at) == utc(booking.callback_due_at)
    # Wednesday 10:30 in office hours: two working hours later, today, said in the confirmation.
    promised = moment(booking.callback_due_at, clock.now, SHANGHAI, "zh-Hans")
    assert promised == "今天 12:30"
    assert f"2小时内（{promised}前）" in chat.text and "每一步进展都会在这里通知您" in chat.text
    # The look-up repeats the promise while it stands.
    await chat.send("/status")
    assert "工程师会在今天 12:30前给您打电话" in chat.text


async def test_a_console_booking_keeps_the_office_hours_line(runtime: Runtime) -> None:
    chat = Chat(runtime)  # console: not a channel of the operator's call-back policy
    number = await book(chat)
    booking, _, found = await ticket_of(runtime, number)
    assert booking.callback_due_at is None and not pending(found, lc.CALLBACK_DUE)
    assert "2小时内给您打电话确认" in chat.text


async def test_moving_replaces_the_reminder_and_cancelling_is_an_event(runtime: Runtime) -> None:
    chat = Chat(runtime)
    number = await book(chat)
    await chat.send("/status")
    await chat.press("改约时间")
    await chat.send("周五")
    await chat.press("14:00-")
    assert "已改约" in chat.text
    booking, timeline, found = await ticket_of(runtime, number)
    moved = [e for e in timeline if e.kind == events.MOVED]
    assert len(moved) == 1 and moved[0].actor == "customer"
    assert moved[0].data["to"] == dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC).isoformat()
    [reminder] = pending(found, lc.REMIND_APPOINTMENT)
    assert utc(reminder.due_at) == dt.datetime(2026, 11, 26, 18, 0, tzinfo=SHANGHAI)  # Thursday evening now
    old = [j for j in found if j.kind == lc.REMIND_APPOINTMENT and j.status == jobs.CANCELLED]
    assert len(old) == 1
    assert not pending(found, lc.NOTICE)  # the customer moved it and was told in the chat

    await chat.send("/status")
    assert "预约改到" in chat.text  # the move is in the timeline
    await chat.press("取消预约")
    await chat.press("确定取消")
    assert f"预约 {number} 已取消" in chat.text
    booking, timeline, found = await ticket_of(runtime, number)
    assert booking.status == "cancelled"
    last = timeline[-1]
    assert (last.kind, last.status, last.previous, last.actor) == (events.STATUS, "cancelled", "booked", "customer")
    assert not pending(found, lc.REMIND_APPOINTMENT) and not pending(found, lc.NOTICE)


LOOKUPS = {
    # status: what each language must say (the status in words, and what comes next)
    "received": {
        "zh-Hans": ["已收到设备（", "接下来：工程师会先检测设备", "14天内完成"],
        "zh-Hant": ["已收到裝置（", "接下來：工程師會先檢測裝置", "14天內完成"],
        "en": ["device received (since", "Next: an engineer diagnoses", "within 14 days"],
    },
    "waiting_parts": {
        "zh-Hans": ["等待配件（", "配件已订购", "进度："],
        "zh-Hant": ["等待零件（", "零件已訂購", "進度："],
        "en": ["waiting for parts (since", "the parts are ordered", "Progress:"],
    },
    "ready": {
        "zh-Hans": ["已修好，待取机", "请到北京朝阳服务中心取机", "朝阳区", "身份证"],
        "zh-Hant": ["已修好，待取機", "請到北京朝陽服務中心取機", "身分證"],
        "en": ["ready to collect", "collect it at Beijing Chaoyang Service Centre", "bring your ID"],
    },
    "shipped": {
        "zh-Hans": ["已寄回", "快递单号 SF1234567890"],
        "zh-Hant": ["已寄回", "物流單號 SF1234567890"],
        "en": ["shipped back to you", "tracking number SF1234567890"],
    },
    "closed": {
        "zh-Hans": ["已完成", "维修已完成，感谢您的信任"],
        "zh-Hant": ["已完成", "維修已完成，感謝您的信任"],
        "en": ["completed", "the repair is finished"],
    },
}
PATH = {  # how staff get a fresh booking there
    "received": ["received"],
    "waiting_parts": ["received", "diagnosing", "waiting_parts"],
    "ready": ["received", "diagnosing", "repairing", "ready"],
    "shipped": ["received", "repairing", "shipped"],
    "closed": ["received", "repairing", "ready", "closed"],
}


@pytest.mark.parametrize("status", list(LOOKUPS))
async def test_the_look_up_says_where_the_repair_is_and_what_comes_next(runtime: Runtime, clock: Clock, status: str) -> None:
    chat = Chat(runtime, customer=f"look-{status}")
    number = await book(chat)
    for step in PATH[status]:
        clock.advance(hours=3)
        tracking = "SF1234567890" if step == "shipped" else None
        await runtime.repairs.desk.set_status(number, step, "cli", note="internal: customer was rude", tracking=tracking)
    for language in ("zh-Hans", "zh-Hant", "en"):
        await chat.send(action=Action(ActionKind.LANGUAGE, language))
        await chat.send("/status")
        for expected in LOOKUPS[status][language]:
            assert expected in chat.text, (language, chat.text)
        assert "internal" not in chat.text  # staff notes are not the customer's
        assert not chat.labels  # nothing to move or cancel any more
    if status == "ready":
        assert "09:00" in chat.text  # the centre's opening hours


async def test_a_repair_under_way_cannot_be_cancelled_by_the_customer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    number = await book(chat)
    await runtime.repairs.desk.set_status(number, "received", "api")
    await runtime.repairs.desk.set_status(number, "repairing", "api")
    await chat.send("/status")
    assert f"单号 {number}：维修中" in chat.text and "工程师正在维修" in chat.text
    await chat.send("取消预约")
    assert "已是“维修中”，不能再在线改约或取消" in chat.text and "010-6500 0001" in chat.text
    assert "flow" not in await chat.state()
    booking, _, _ = await ticket_of(runtime, number)
    assert booking.status == "repairing"
