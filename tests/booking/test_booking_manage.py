"""Status, move and cancel of a booking: only the customer's own tickets, free up to 2 hours before."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from bot.engine import Action, ActionKind, ReplyKind
from bot.runtime import Runtime
from bot.storage.booking import Booking, SlotSeat
from tests.booking.conftest import Chat, Clock, book_to_confirm

TICKET = re.compile(r"R[2-9A-HJKMNP-Z]{2}-[2-9A-HJKMNP-Z]{3}")


async def booked(chat: Chat, **where: str) -> str:
    await book_to_confirm(chat, **where)
    await chat.send("确认")
    match = TICKET.search(chat.text)
    assert match is not None, chat.text
    return match.group(0)


async def stored(runtime: Runtime, ticket: str) -> tuple[Booking, list[SlotSeat]]:
    async with runtime.database.sessions() as session:
        booking = await session.scalar(select(Booking).where(Booking.ticket == ticket))
        assert booking is not None
        seats = list((await session.scalars(select(SlotSeat).where(SlotSeat.booking_id == booking.id))).all())
        return booking, seats


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


async def test_status_then_move_to_another_slot(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat, slot="10:00")
    await chat.send("维修进度")  # the repair-status FAQ entry opens the customer's bookings
    assert f"单号 {ticket}：已预约" in chat.text and "Acme X20 Pro" in chat.text and "北京朝阳服务中心" in chat.text
    assert chat.labels == ["改约时间", "取消预约", "没有了，谢谢"]
    await chat.send("1")
    assert "选择新的时间" in chat.last
    await chat.send("周五")
    assert "11月27日" in chat.last
    await chat.press("14:00-")
    assert "已改约" in chat.text and "11月27日 周五 14:00-15:00" in chat.text
    booking, [seat] = await stored(runtime, ticket)
    assert utc(booking.slot_start) == utc(seat.slot_start) == dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
    assert "flow" not in await chat.state()


async def test_cancel_frees_the_seat(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat)
    await chat.send("/status")
    await chat.press("取消预约")
    assert f"确定要取消预约 {ticket}" in chat.last
    await chat.press("不取消")
    assert "预约保留不变" in chat.text
    await chat.send("取消预约")  # typed in words this time
    await chat.send("是的")
    assert f"预约 {ticket} 已取消" in chat.text
    booking, seats = await stored(runtime, ticket)
    assert booking.status == "cancelled" and booking.cancelled_at is not None and seats == []
    await chat.send("/status")
    assert "已取消" in chat.text and not any("改约" in label for label in chat.labels)


async def test_someone_elses_ticket_reads_like_a_missing_one(runtime: Runtime) -> None:
    owner = Chat(runtime, customer="owner")
    ticket = await booked(owner)
    other = Chat(runtime, customer="stranger")
    await other.send("/status")
    assert "没有找到您的预约" in other.text
    await other.send(ticket)
    refused = other.last
    assert f"没有找到您名下单号为 {ticket} 的预约" in refused
    for secret in ("Acme", "朝阳", "张三", "138", "10:00"):
        assert secret not in refused
    await other.send("RZZ-ZZZ")
    assert other.last == refused.replace(ticket, "RZZ-ZZZ")  # same answer as a ticket that does not exist
    # Same customer id on another channel is someone else too.
    telegram = Chat(runtime, customer="owner", channel="telegram")
    await telegram.send(f"/status {ticket}")
    await telegram.send(ticket.lower().replace("-", " "))
    assert "没有找到您名下单号" in telegram.last
    booking, seats = await stored(runtime, ticket)
    assert booking.status == "booked" and len(seats) == 1
    # Nothing the stranger typed can move or cancel it either.
    await other.send("取消预约")
    await other.send("是的")
    booking, seats = await stored(runtime, ticket)
    assert booking.status == "booked" and len(seats) == 1


async def test_own_ticket_typed_in_any_form(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat)
    await chat.send("/start")
    await chat.send("/status")
    await chat.send(f"我的单号是{ticket.lower().replace('-', '')}，修到哪了")
    assert f"单号 {ticket}：已预约" in chat.text


async def test_no_changes_online_within_two_hours(runtime: Runtime, clock: Clock) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat, day="明天", slot="10:00")
    clock.now = dt.datetime(2026, 11, 26, 8, 30, tzinfo=clock.now.tzinfo)  # 90 minutes before
    await chat.send("/status")
    assert "不足2小时" in chat.text and "010-6500 0001" in chat.text and not chat.labels
    await chat.send("取消预约")
    assert "不能在线修改" in chat.text
    booking, _ = await stored(runtime, ticket)
    assert booking.status == "booked"


async def test_english_status_and_several_tickets(runtime: Runtime) -> None:
    chat = Chat(runtime, customer="multi")
    first = await booked(chat, slot="10:00")
    second = await booked(chat, slot="11:00")
    await chat.send("Where can I track my repair?")
    assert "Here are your bookings" in chat.text and len(chat.labels) == 2
    await chat.press(second)
    assert f"Repair {second}: booked" in chat.text
    await chat.send("back")
    await chat.press(first)
    await chat.press("Move to another time")
    await chat.send("cancel")  # leaves the move, nothing changed
    assert "Ask me anything else" in chat.text
    booking, _ = await stored(runtime, first)
    assert booking.status == "booked"


async def test_status_question_without_bookings_gets_the_faq_answer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    outcome = await chat.send("怎么查维修进度")
    [reply] = outcome.replies
    assert reply.kind is ReplyKind.ANSWER and reply.intent_id == "repair.status"
    assert "flow" not in await chat.state()


# -- the desk as a form: earlier stored states, "back", buttons of another question ----------------------


async def put_state(runtime: Runtime, chat: Chat, booking: dict[str, object]) -> None:
    """Store a desk state as an earlier version of the bot left it in the conversation."""
    async with runtime.store.turn(chat.channel, chat.customer, language="zh-Hans") as turn:
        turn.conversation.state = {"flow": "booking", "booking": booking}


def earlier(stage: str, ticket: str | None, **more: object) -> dict[str, object]:
    return {"mode": "manage", "stage": stage, "ticket": ticket, "fails": 0, "language": "zh-Hans", **more}


def test_earlier_stage_states_convert_to_answers() -> None:
    from bot.engine.booking.draft import stored_booking

    def data(bk: dict[str, object]) -> object:
        converted = stored_booking({"booking": bk})
        assert converted is not None and "stage" not in converted and "ticket" not in converted
        return converted["data"]

    assert data(earlier("pick", "R7K-4Q2")) == {}
    assert data(earlier("action", "R7K-4Q2")) == {"ticket": "R7K-4Q2"}
    assert data(earlier("mday", "R7K-4Q2")) == {"ticket": "R7K-4Q2", "action": "move"}
    assert data(earlier("mslot", "R7K-4Q2", day="2026-11-27")) == {"ticket": "R7K-4Q2", "action": "move", "day": "2026-11-27"}
    assert data(earlier("cancel", "R7K-4Q2")) == {"ticket": "R7K-4Q2", "action": "cancel"}
    assert data(earlier("action", None)) == {}
    assert data(earlier("nonsense", "R7K-4Q2")) == {}
    today = {"mode": "manage", "data": {"ticket": "R7K-4Q2", "action": "move"}, "fails": 1}
    assert stored_booking({"booking": today}) == today


async def test_an_earlier_desk_state_resumes_at_the_same_question(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat, slot="10:00")
    await put_state(runtime, chat, earlier("mslot", ticket, day="2026-11-27"))
    await chat.send("14:00")
    assert "已改约" in chat.text and "11月27日 周五 14:00-15:00" in chat.text
    booking, [seat] = await stored(runtime, ticket)
    assert utc(booking.slot_start) == utc(seat.slot_start) == dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)

    await put_state(runtime, chat, earlier("mday", ticket))
    await chat.send("周五")
    assert "11月27日" in chat.last and any(label.startswith("09:00") for label in chat.labels)
    state = await chat.state()
    assert state["booking"]["data"] == {"ticket": ticket, "action": "move", "day": "2026-11-27"}
    assert "stage" not in state["booking"]

    await put_state(runtime, chat, earlier("action", ticket))
    await chat.send("改约")
    assert f"为单号 {ticket} 选择新的时间" in chat.last

    await put_state(runtime, chat, earlier("pick", None))
    await chat.send(ticket)
    assert f"单号 {ticket}：已预约" in chat.text

    # A button sent by the earlier desk still works on the converted state.
    await put_state(runtime, chat, earlier("cancel", ticket))
    await chat.send(action=Action(ActionKind.INTENT, "bk.c.yes"))
    assert f"预约 {ticket} 已取消" in chat.text
    assert "flow" not in await chat.state()


async def test_back_walks_the_desk_back_one_question_at_a_time(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat, slot="10:00")
    await chat.send("/status")
    await chat.press("改约时间")
    await chat.send("周五")
    assert "11月27日" in chat.last
    await chat.send("返回")
    assert f"为单号 {ticket} 选择新的时间" in chat.last
    await chat.send("返回")
    assert f"单号 {ticket}：已预约" in chat.text and chat.labels == ["改约时间", "取消预约", "没有了，谢谢"]
    await chat.send("返回")
    assert "您的预约如下" in chat.last and len(chat.labels) == 1
    await chat.send("返回")
    assert "还有其他问题随时问我" in chat.text and "flow" not in await chat.state()


async def test_a_button_of_another_question_is_counted_and_asked_again(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat)
    await chat.send("/status")
    move = chat.option("改约时间")
    await chat.press("取消预约")
    for _ in range(2):
        await chat.send(action=move)  # the earlier question's button
        assert "请回答“是”或“否”" in chat.text and f"确定要取消预约 {ticket}" in chat.last
    outcome = await chat.send(action=move)
    assert outcome.handoff is not None and outcome.handoff.reason == "booking_stuck"
    assert "查询或修改您的预约一直没能顺利完成" in chat.text
    booking, _ = await stored(runtime, ticket)
    assert booking.status == "booked"


async def test_cancel_words_answer_the_desk_where_cancelling_is_the_answer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    ticket = await booked(chat)
    await chat.send("/status")
    await chat.send("取消预约")  # what to do: cancel the booking, not leave the desk
    assert f"确定要取消预约 {ticket}" in chat.last
    await chat.send("不")
    assert "预约保留不变" in chat.text
    await chat.send("改约")
    await chat.send("取消")  # while choosing a day: leaves the desk
    assert "还有其他问题随时问我" in chat.text and "flow" not in await chat.state()
    booking, _ = await stored(runtime, ticket)
    assert booking.status == "booked"
