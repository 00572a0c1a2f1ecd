"""Whole bookings through the engine, in three languages, on SQLite and PostgreSQL, with the demo knowledge."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from bot.engine import InboundKind, ReplyKind
from bot.runtime import Runtime
from bot.storage.booking import Booking, SlotSeat, as_utc
from tests.booking.conftest import DEMO_KB, Chat, Clock, book_to_confirm, open_runtime

TICKET = re.compile(r"R[2-9A-HJKMNP-Z]{2}-[2-9A-HJKMNP-Z]{3}")


async def bookings(runtime: Runtime) -> list[Booking]:
    async with runtime.database.sessions() as session:
        return list((await session.scalars(select(Booking).order_by(Booking.id))).all())


async def seat_count(runtime: Runtime) -> int:
    async with runtime.database.sessions() as session:
        return int(await session.scalar(select(func.count(SlotSeat.id))) or 0)


def keys(chat: Chat) -> list[str | None]:
    """The catalog keys of the last outcome's replies (see bot.i18n)."""
    return [reply.key for reply in chat.outcome.replies] if chat.outcome else []


async def test_whole_booking_in_simplified_chinese_typed(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    assert "预约维修" in chat.text and "手机/平板" in chat.labels
    await chat.send("手机")
    assert "哪个型号" in chat.last
    await chat.send("x20pro")  # typed without brand or spaces: "Acme X20 Pro"
    assert "IMEI" in chat.last
    await chat.send("4901 5420 3237 518")
    await chat.send("屏幕碎了，触摸失灵")
    await chat.send("2026年5月1日")
    warranty, question = chat.outcome.replies  # type: ignore[union-attr]
    assert "在保修期内" in warranty.text and "2027年4月30日" in warranty.text and "14天" in warranty.text
    assert "怎样维修" in question.text
    assert any("上门费50元" in label for label in chat.labels)  # phones: on-site visits are not free
    await chat.send("到店维修")
    await chat.send("北京朝阳")  # city and district at once: the Chaoyang centre is chosen
    assert "北京朝阳服务中心" in chat.last and "营业时间" in chat.last
    await chat.send("明天下午")
    assert all(label[:2] in {"13", "14", "15", "16", "17"} for label in chat.labels), chat.labels
    await chat.send("3点")
    assert "备用机" in chat.last
    await chat.send("需要")
    await chat.send("张三")
    await chat.send("138 0013 8000")
    summary = chat.last
    for part in (
        "Acme X20 Pro",
        "490154203237518",
        "屏幕碎了",
        "在保修期内",
        "到店维修",
        "北京朝阳服务中心",
        "11月26日",
        "15:00-16:00",
        "备用机：需要",
        "张三",
    ):
        assert part in summary, part
    await chat.send("确认")
    done = chat.text
    assert "预约成功" in done and "2小时内" in done and "身份证" in done
    ticket = TICKET.search(done)
    assert ticket is not None
    assert "flow" not in await chat.state()
    [stored] = await bookings(runtime)
    assert stored.ticket == ticket.group(0)
    assert (stored.model_id, stored.serial, stored.serial_kind, stored.warranty) == (
        "x20pro",
        "490154203237518",
        "imei",
        "in",
    )
    assert (stored.service, stored.centre_id, stored.phone, stored.loaner, stored.language) == (
        "store",
        "bj-chaoyang",
        "+8613800138000",
        True,
        "zh-Hans",
    )
    assert as_utc(stored.slot_start) == dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)
    assert await seat_count(runtime) == 1


async def test_whole_booking_in_traditional_chinese(runtime: Runtime) -> None:
    chat = Chat(runtime, customer="hk")
    await chat.send("預約維修")
    assert "預約維修" in chat.text
    await chat.send("筆電")
    await chat.send("Acme Book 14")
    await chat.send("C02XK1ABJG5J")
    await chat.send("無法開機，風扇狂轉")
    await chat.send("去年五月")
    assert "保固期內" in chat.text and "發票日期為準" in chat.text  # a month, not a day: estimated
    await chat.send("寄修")
    await chat.send("廣州")
    assert "廣州只有一個服務中心" in chat.text and "天河" in chat.text  # the only centre: chosen, and said
    assert "收件地址" in chat.last
    await chat.send("天河區天河路208號3樓1201室")
    await chat.send("週六上午")
    await chat.send("10點")
    assert "怎麼稱呼" in chat.last  # courier pickup: no loaner question
    await chat.send("陳小姐")
    await chat.send("020-3800 0005")
    assert "寄修" in chat.last and "天河區天河路208號" in chat.last and "11月28日 週六" in chat.last
    await chat.send("確認")
    assert "預約成功" in chat.text and "往返" not in chat.text and "來回運費全免" in chat.text
    [stored] = await bookings(runtime)
    assert (stored.service, stored.centre_id, stored.phone, stored.language) == (
        "courier",
        "gz-tianhe",
        "+862038000005",
        "zh-Hant",
    )
    assert stored.purchase_approx and stored.purchase_date == dt.date(2025, 5, 31)


async def test_whole_booking_in_english_with_buttons_and_numbers(runtime: Runtime) -> None:
    chat = Chat(runtime, customer="en", channel="telegram")
    await chat.send("my laptop is broken, can someone fix it")
    assert keys(chat) == ["booking.intro", "booking.ask.model"]
    assert chat.outcome.replies[-1].values == {"type": "Laptop", "example": "Acme Book 14"}  # type: ignore[union-attr]
    assert "Which model is it (Laptop)?" in chat.last  # the product type came from the sentence
    await chat.press("Acme Book 16 Pro")
    await chat.press("Skip")
    await chat.send("It won't turn on")
    await chat.send("last March")
    assert keys(chat) == ["booking.warranty.in", "booking.ask.service"]
    assert chat.outcome.replies[0].values["until"] == "30 Mar 2029"  # type: ignore[union-attr]
    assert "under warranty" in chat.text and "3+3" in chat.text
    assert "Engineer visit (50 yuan per visit)" in chat.labels  # laptops: on-site visits cost 50 yuan
    await chat.send("on-site please")
    assert chat.labels == ["Beijing", "Shanghai", "Guangzhou"]  # only cities whose centres do on-site visits
    await chat.send("shanghai")
    assert "one service centre in Shanghai" in chat.text and "Shanghai Pudong Service Centre" in chat.text
    await chat.send("Flat 1201, 500 Zhangyang Road, Pudong")
    await chat.send("tomorrow")
    assert keys(chat) == ["booking.ask.slot"] and chat.outcome.replies[0].values == {"day": "Tomorrow, Thu 26 Nov"}  # type: ignore[union-attr]
    assert "Free times on Tomorrow, Thu 26 Nov" in chat.last
    assert chat.labels[0].startswith("09:00-11:00")  # on-site slots are two hours long
    await chat.send("2")
    await chat.send("Ann Lee")
    await chat.send("+852 9123 4567")
    assert "Please check your booking" in chat.last and "Flat 1201" in chat.last
    await chat.press("Confirm booking")
    assert keys(chat) == ["booking.booked"]  # the next steps are appended to it
    assert "You're booked!" in chat.text and "within 2 hours" in chat.text
    [stored] = await bookings(runtime)
    assert (stored.service, stored.centre_id, stored.phone, stored.serial, stored.language) == (
        "onsite",
        "sh-pudong",
        "+85291234567",
        None,
        "en",
    )
    assert stored.address == "Flat 1201, 500 Zhangyang Road, Pudong"


async def test_bad_answers_are_asked_again_with_an_example(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("banana 9")
    assert keys(chat) == ["booking.bad.model"] and chat.outcome.replies[0].values == {"text": "banana 9"}  # type: ignore[union-attr]
    assert "Acme X20 Pro" in chat.labels
    await chat.send("x2o pro")  # a close miss: "did you mean"
    assert chat.outcome.replies[-1].kind is ReplyKind.CLARIFY  # type: ignore[union-attr]
    assert keys(chat) == ["booking.did_you_mean"] and chat.outcome.replies[0].values == {"name": "Acme X20 Pro"}  # type: ignore[union-attr]
    await chat.send("是的")
    await chat.send("490154203237519")  # the Luhn check digit is wrong
    assert keys(chat) == ["booking.bad.imei"]
    assert "校验位" in chat.last and "490154203237518" in chat.last and "IMEI" in chat.last
    await chat.send("490154203237518")
    await chat.send("屏幕碎了")
    await chat.send("某个时候吧")
    assert keys(chat) == ["booking.bad.purchase"]
    assert "2025-03-01" in chat.last
    await chat.send("2027-01-01")
    assert "还没到" in chat.last
    await chat.send("2026-05-01")
    await chat.send("到店")
    await chat.send("纽约")
    assert "北京、上海" in chat.last
    await chat.send("北京")
    await chat.send("朝阳")
    await chat.send("明天")
    await chat.send("1")
    await chat.send("不要")
    await chat.send("张三")
    await chat.send("12345")
    assert "号码好像不对" in chat.last and "13800138000" in chat.last
    await chat.send("13800138000")
    assert "请确认预约信息" in chat.last


async def test_three_bad_answers_in_a_row_hand_off(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20")
    for attempt in ("123", "abc"):
        outcome = await chat.send(attempt)
        assert outcome.handoff is None
    outcome = await chat.send("49015420323751")
    assert outcome.handoff is not None and outcome.handoff.reason == "booking_stuck"
    assert outcome.replies[-1].kind is ReplyKind.HANDOFF and "人工客服" in outcome.replies[-1].text
    assert "flow" not in await chat.state()
    [row] = await runtime.store.queue()
    assert (row.customer_id, row.reason) == ("c1", "booking_stuck")


async def test_a_good_answer_resets_the_count_of_bad_ones(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("坏香蕉")
    await chat.send("也不对")
    await chat.send("手机")
    await chat.send("不存在的型号")
    outcome = await chat.send("还是不对")
    assert outcome.handoff is None


async def test_a_question_in_the_middle_is_answered_then_the_step_repeated(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20")
    await chat.send("跳过")
    await chat.send("开不了机")
    outcome = await chat.send("备用机要押金吗？")
    answer, again = outcome.replies
    assert (answer.kind, answer.intent_id) == (ReplyKind.ANSWER, "repair.loaner") and "押金" in answer.text
    assert "继续" in again.text and "什么时候购买" in again.text
    # Questions don't count as failed answers.
    await chat.send("保修期多久？")
    await chat.send("维修要多少钱？")
    outcome = await chat.send("2026-05-01")
    assert outcome.handoff is None and "保修期内" in chat.text


async def test_back_cancel_and_start_over(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20")
    assert "IMEI" in chat.last
    await chat.send("上一步")
    assert "哪个型号" in chat.last
    await chat.send("返回")
    assert "哪类产品" in chat.last
    await chat.send("back")
    assert "第一步" in chat.last
    await chat.send("笔记本")
    assert "笔记本电脑" in chat.last
    await chat.send("取消")
    assert "已退出预约" in chat.last
    assert "flow" not in await chat.state()
    # Out of the flow, "1" is a main-menu number again.
    await chat.send("预约维修")
    await chat.send("/start")
    state = await chat.state()
    assert "flow" not in state and "booking" not in state
    assert chat.outcome.replies[0].kind is ReplyKind.MENU  # type: ignore[union-attr]


async def test_a_restart_in_the_middle_loses_nothing(database_url: str, clock: Clock) -> None:
    first = await open_runtime(database_url, clock)
    chat = Chat(first)
    await chat.send("我要报修")
    await chat.send("打印机")
    await chat.send("laserjet 200dn")
    await chat.send("跳过")
    await chat.send("卡纸，打印有黑线")
    await first.close()
    clock.advance(hours=3)  # the customer comes back later
    second = await open_runtime(database_url, clock)
    chat = Chat(second)
    await chat.send("2026-03-01")
    assert "Acme LaserJet 200dn在保修期内" in chat.text
    assert "工程师上门（保修期内免费）" in chat.labels  # printers: on-site free under warranty
    await chat.send("上门")
    await chat.send("北京")
    await chat.send("海淀")
    await chat.send("北京市海淀区中关村大街1号")
    await chat.send("后天")
    await chat.send("1")
    await chat.send("李四")
    await chat.send("13900139000")
    await chat.send("确认")
    assert "预约成功" in chat.text
    [stored] = await bookings(second)
    assert (stored.model_id, stored.service, stored.fault) == ("laserjet200dn", "onsite", "卡纸，打印有黑线")
    await second.close()


async def test_photos_are_attached_to_the_booking(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="telegram")
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20")
    await chat.send("跳过")
    await chat.photo("telegram:photo:AAA")
    assert "照片已收到" in chat.last and "描述" in chat.last
    await chat.photo("telegram:photo:BBB", caption="后盖裂了")
    assert "什么时候购买" in chat.last
    await chat.send(None, kind=InboundKind.STICKER)
    assert "文字" in chat.text and "什么时候购买" in chat.last
    await chat.send("2026-05-01")
    await chat.send("到店")
    await chat.send("北京")
    await chat.send("朝阳")
    await chat.press("明天")
    await chat.press("10:00")
    await chat.send("不需要")
    await chat.send("王五")
    await chat.send("13800138000")
    assert "附照片2张" in chat.last
    await chat.press("确认预约")
    [stored] = await bookings(runtime)
    assert stored.photos == ["telegram:photo:AAA", "telegram:photo:BBB"] and stored.fault == "后盖裂了"


async def test_change_a_field_from_the_summary(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await book_to_confirm(chat)
    await chat.press("修改信息")
    assert "修改哪一项" in chat.last
    await chat.press("预约时间")
    assert "请选择日期" in chat.last
    await chat.press("11月27日")
    await chat.press("16:00-")
    assert "请确认预约信息" in chat.last and "11月27日 周五 16:00-17:00" in chat.last  # straight back to the summary
    await chat.send("修改")
    await chat.send("联系人和电话")
    await chat.send("赵六")
    await chat.send("13700137000")
    assert "赵六，+86 137 0013 7000" in chat.last
    await chat.send("好的")
    [stored] = await bookings(runtime)
    assert (stored.contact_name, stored.phone) == ("赵六", "+8613700137000")


async def test_a_city_without_the_chosen_service_asks_for_another_one(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("note 12")
    await chat.send("跳过")
    await chat.send("充不进电")
    await chat.send("不记得了")
    assert "工程师会根据发票" in chat.text
    await chat.send("上门")
    assert "深圳" not in chat.last  # only cities with on-site visits are offered...
    await chat.send("深圳")  # ...but the customer lives where they live
    assert "深圳暂时不提供上门维修" in chat.text
    assert chat.labels == ["到店维修（预约用户优先接待）", "寄修（快递上门取件，往返免运费，24小时内取件）"]
    await chat.send("寄修")
    assert "南山" in chat.text and "取件地址" in chat.last  # the city is kept, and its only centre chosen


async def test_past_slots_of_today_are_not_offered(runtime: Runtime, clock: Clock) -> None:
    clock.now = clock.now.replace(hour=19, minute=30)
    chat = Chat(runtime)
    await book_to_confirm(chat, day="今天", slot="20:00")
    assert "今天 11月25日 周三 20:00-21:00" in chat.last
    await chat.send("修改")
    await chat.send("预约时间")
    today = [label for label in chat.labels if label.startswith("今天")]
    assert today == ["今天 11月25日 周三（1个时段可约）"]
    clock.now = clock.now.replace(hour=20, minute=5)
    await chat.press("明天")
    assert "09:00-10:00" in chat.labels[0]
    await chat.send("返回")
    assert chat.labels and not [label for label in chat.labels if label.startswith("今天")]  # 20:00 has started


async def test_slot_taken_while_on_the_summary(runtime: Runtime) -> None:
    chats = [Chat(runtime, customer=f"c{i}") for i in range(4)]
    for chat in chats:
        await book_to_confirm(chat, slot="10:00")
    for chat in chats[:3]:
        await chat.send("确认")
        assert "预约成功" in chat.text
    await chats[3].send("确认")
    assert "刚刚被约满" in chats[3].last and "可预约的时间" in chats[3].last
    assert not any(label.startswith("10:00") for label in chats[3].labels)
    assert len(await bookings(runtime)) == 3


async def test_the_menu_button_and_book_command_start_the_flow(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("/start")
    await chat.press("预约维修")
    assert "哪类产品" in chat.last
    await chat.send("/start")
    await chat.send("/book")
    assert "哪类产品" in chat.last
    await chat.press("打印机")
    assert "打印机" in chat.last and "Acme LaserJet 200" in chat.labels
    await chat.send("转人工")
    assert chat.outcome.handoff is not None  # type: ignore[union-attr]
    assert "flow" not in await chat.state()
    assert runtime.features()["booking"] is True


async def test_no_free_slot_in_seven_days_hands_off(database_url: str, clock: Clock, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(DEMO_KB / "faq", directory / "faq")
    shutil.copy(DEMO_KB / "products.yaml", directory / "products.yaml")
    (directory / "service_centers.yaml").write_text(
        """\
centres:
  - id: closed
    city: {zh-Hans: 北京, zh-Hant: 北京, en: Beijing}
    district: {zh-Hans: 东城区, zh-Hant: 東城區, en: Dongcheng}
    name: {zh-Hans: 东城服务中心, zh-Hant: 東城服務中心, en: Dongcheng Service Centre}
    address: {zh-Hans: 东城路1号, zh-Hant: 東城路1號, en: 1 Dongcheng Road}
    phone: 010-0000 0000
    hours: {daily: closed}
    modes: {store: {capacity: 1}, courier: {capacity: 1}, onsite: {capacity: 1}}
""",
        encoding="utf-8",
    )
    runtime = await open_runtime(database_url, clock, directory)
    try:
        chat = Chat(runtime)
        await chat.send("我要报修")
        for answer in ("手机", "x20", "跳过", "开不了机", "不记得了", "到店"):
            await chat.send(answer)
        outcome = await chat.send("北京")  # its only centre is chosen, and has no free slot
        assert outcome.handoff is not None and outcome.handoff.reason == "no_slot"
        assert "未来7天已经约满" in outcome.replies[-1].text and "010-0000 0000" in outcome.replies[-1].text
        assert "flow" not in await chat.state()
    finally:
        await runtime.close()


async def test_answers_the_knowledge_no_longer_has_are_asked_again(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.send("我要报修")
    await chat.send("手机")
    await chat.send("x20")
    state = await chat.state()
    state["booking"]["data"].update({"model": "removed-model", "centre": "gone"})
    async with runtime.store.turn("console", "c1", language="zh-Hans") as turn:
        turn.conversation.state = state
    await chat.send("跳过")
    assert "哪个型号" in chat.last  # the removed model is asked again instead of failing
