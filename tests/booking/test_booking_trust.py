"""Booking answers are never silently coerced, and the flow has no dead ends (issue 9, items 3, 7 and 11).

Everything goes through the real entry point: signed Twilio posts to the SMS webhook over HTTP (the
harness of tests/sms), the real engine and storage on SQLite and PostgreSQL, a hand-set clock
(Wednesday 25 November 2026, 10:30 in Beijing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.channels.sms.segments import segment_count
from bot.engine.answers.dates import parse_purchase_date, parse_when
from bot.engine.answers.identifiers import parse_device_id
from bot.engine.answers.phones import parse_phone
from bot.storage.booking import Booking, find_ticket
from tests.fakes.sms_provider import FakeTwilio
from tests.sms.conftest import CUSTOMER, SmsHarness, open_harness
from tests.support import WEDNESDAY_MORNING

US = "+14155550100"
TW = "+886912345678"


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[SmsHarness]:
    """The SMS harness of tests/sms: the real webhook, engine and storage, a fake Twilio, a fixed clock."""
    fake = await FakeTwilio().start()
    opened, client = await open_harness(database_url, fake)
    yield opened
    await client.close()
    await opened.runtime.close()
    await fake.stop()


async def _bookings(harness: SmsHarness) -> list[Booking]:
    async with harness.runtime.database.sessions() as session:
        return list((await session.scalars(select(Booking).order_by(Booking.id))).all())


async def _to_summary(harness: SmsHarness) -> str:
    """A Simplified-Chinese booking by SMS up to its summary (the phone comes from the sender's number)."""
    assert "IMEI" in await harness.chat("报修 X20 Pro 屏幕碎了 北京朝阳 明天上午")
    assert "什么时候购买" in await harness.chat("跳过")
    assert "怎样维修" in await harness.chat("去年5月")
    assert "可预约的时间" in await harness.chat("到店")
    assert "称呼" in await harness.chat("1")
    summary = await harness.chat("张三")
    assert "请确认预约信息" in summary
    return summary


# -- item 3: letters in a phone number, and the other parsers ------------------------------------------


async def test_letters_in_a_phone_number_are_refused_and_explained(harness: SmsHarness) -> None:
    await _to_summary(harness)
    assert "联系人和电话" in await harness.chat("修改信息")
    assert "称呼" in await harness.chat("联系人和电话")
    assert "联系电话" in await harness.chat("李四")
    refused = await harness.chat("139OO139OOO")  # letter O for zero: a keypad would read 139 6613 9666
    assert "不能有字母" in refused and "例如 13800138000" in refused
    summary = await harness.chat("139 1234 5678")
    assert "李四 +86 139 1234 5678" in summary
    everything = "\n".join(harness.fake.bodies_to(CUSTOMER))
    assert "6613" not in everything and "9666" not in everything  # the letters were never read as digits
    confirmation = await harness.chat("1")
    assert find_ticket(confirmation) is not None
    [stored] = await _bookings(harness)
    assert stored.phone == "+8613912345678" and stored.contact_name == "李四"


def test_phone_letters_in_every_form() -> None:
    from bot.engine.answers.phones import phone_problem  # new with the fix

    for text in ("138OO138OOO", "1-800-FLOWERS", "138 0013 800O", "+86 l38 0013 8000", "138００１38000x"):
        assert parse_phone(text) is None and phone_problem(text) == "letters", text
    # A label before the number is words, not part of the number.
    for text in ("13800138000", "电话：13800138000", "我的手机号是 138 0013 8000", "my number is 138 0013 8000", "１３８００１３８０００"):
        assert parse_phone(text) == "+8613800138000" and phone_problem(text) is None, text
    assert phone_problem("12345") == "invalid"


def test_an_imei_with_a_letter_is_pointed_out_not_stored_as_a_serial() -> None:
    assert parse_device_id("49015420323751O", "imei") == "imei_letters"
    assert parse_device_id("4901 542O 3237 518", "imei") == "imei_letters"
    assert parse_device_id("١٢٣٤٥٦٧٨٩٠١٢٣٤٥", "imei") == "bad_imei"  # digits of another script: not coerced
    assert parse_device_id("490154203237518", "imei").value == "490154203237518"  # type: ignore[union-attr]
    assert parse_device_id("SN: C02XK1ABJG5J", "serial").value == "C02XK1ABJG5J"  # type: ignore[union-attr]


def test_dates_and_times_that_do_not_exist_are_refused() -> None:
    base, today = dt.datetime(2026, 11, 25, 10, 30), dt.date(2026, 11, 25)
    for text in ("13月5日", "2025-13-01", "32号", "25点", "10:75", "15pm"):
        assert parse_when(text, base) is None, text
        assert parse_purchase_date(text, today) == "unparsed", text
    # A date written out is kept as written, not moved a week on.
    assert parse_when("2025-03-01", base).start.date() == dt.date(2025, 3, 1)  # type: ignore[union-attr]
    assert parse_when("周三", dt.datetime(2026, 11, 28, 10)).start.date() == dt.date(2026, 12, 2)  # type: ignore[union-attr]


async def test_an_imei_typed_with_a_letter_o_is_asked_again_by_sms(harness: SmsHarness) -> None:
    assert "IMEI" in await harness.chat("报修 X20 Pro 屏幕碎了 北京朝阳 明天上午")
    refused = await harness.chat("49015420323751O")
    assert "不能有字母" in refused and "IMEI" in refused
    assert "什么时候购买" in await harness.chat("490154203237518")


async def test_a_month_that_does_not_exist_is_not_read_as_another_date(harness: SmsHarness) -> None:
    await harness.chat("报修 X20 Pro 屏幕碎了 北京朝阳 明天上午")
    await harness.chat("跳过")
    refused = await harness.chat("13月5日")
    assert "没看懂这个日期" in refused and "保修" not in refused.split("\n")[0]


# -- item 7: dead ends -----------------------------------------------------------------------------------


async def test_the_only_centre_of_a_city_is_chosen_and_said(harness: SmsHarness) -> None:
    await harness.chat("报修 X20 Pro 屏幕碎了 广州 明天上午")
    await harness.chat("跳过")
    await harness.chat("去年5月")
    reply = await harness.chat("到店")
    assert "广州只有一个服务中心，已为您选好：天河服务中心" in reply or "广州只有一个服务中心，已为您选好：广州天河服务中心" in reply
    assert "请选择广州的服务中心" not in reply and "可预约的时间" in reply  # straight on to the time
    # "Back" goes past the centre the bot chose, to the customer's own answer: from the time ("明天上午"
    # came with the first message) to the day, then straight to the city, not the centre nobody chose.
    day = await harness.chat("返回")
    assert "个时段可约" in day and "哪个城市" not in day
    assert "哪个城市" in await harness.chat("返回")


async def test_a_day_and_time_given_at_the_centre_question_are_kept(harness: SmsHarness) -> None:
    harness.clock.now = WEDNESDAY_MORNING + dt.timedelta(days=3)  # Saturday: next Wednesday is bookable
    await harness.chat("報修 X20 Pro 螢幕破了")
    await harness.chat("略過")
    await harness.chat("去年5月")
    await harness.chat("到店")
    assert "北京" in await harness.chat("北京")
    first = await harness.chat("下週三")
    assert "記下了" in first and "服務中心" in first  # noted, and the centre asked again
    second = await harness.chat("上午")
    assert "記下了" in second
    slots = await harness.chat("朝陽")
    assert "12月2日 週三" in slots and "09:00-10:00" in slots and "14:00" not in slots  # Wednesday morning only
    assert await harness.runtime.store.queue() == []  # no booking_stuck hand-off


async def test_a_kept_day_that_is_full_is_said_not_dropped(harness: SmsHarness) -> None:
    await harness.chat("报修 X20 Pro 屏幕碎了")
    await harness.chat("跳过")
    await harness.chat("去年5月")
    await harness.chat("到店")
    await harness.chat("北京")
    assert "记下了" in await harness.chat("12月20日")  # beyond the 7 days that can be booked
    reply = await harness.chat("朝阳")
    assert "12月20日" in reply and "没有可预约的时间" in reply and "1. 今天 11月25日" in reply


async def test_tomorrow_3pm_at_the_centre_question_picks_that_slot_later(harness: SmsHarness) -> None:
    await harness.chat("REPAIR Acme X20 Pro cracked screen", US)
    await harness.chat("skip", US)
    await harness.chat("last March", US)
    await harness.chat("store", US)
    assert "Beijing" in await harness.chat("Beijing", US)
    noted = await harness.chat("tomorrow 3pm", US)
    assert "noted" in noted
    loaner = await harness.chat("Chaoyang", US)
    assert "loaner" in loaner  # day and slot both taken from "tomorrow 3pm": no day or time question
    assert "What name" in await harness.chat("no", US)
    summary = await harness.chat("Ann Lee", US)
    assert "Thu 26 Nov 15:00-16:00" in summary
    assert await harness.runtime.store.queue() == []


async def test_a_model_name_does_not_switch_a_chinese_booking_to_english(harness: SmsHarness) -> None:
    assert "哪类产品" in await harness.chat("我要报修")
    reply = await harness.chat("Acme Book 16 Pro")
    assert "序列号" in reply and "serial" not in reply.lower()
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None and conversation.language == "zh-Hans"


async def test_a_model_name_does_not_switch_a_chinese_faq_conversation(harness: SmsHarness) -> None:
    await harness.chat("保修期多久")
    await harness.chat("Acme Book 16 Pro")
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None and conversation.language == "zh-Hans"
    await harness.chat("my Acme Book 16 Pro is broken")  # a real English sentence still switches
    conversation = await harness.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None and conversation.language == "en"


# -- item 11: the status look-up's own words when it fails ---------------------------------------------


async def test_a_failing_status_lookup_hands_off_in_its_own_words(harness: SmsHarness) -> None:
    assert "没有找到您的预约" in await harness.chat("进度")
    for ticket in ("R7K-4Q2", "R7K-4Q3"):
        assert "没有找到您名下单号" in await harness.chat(ticket)
    last = await harness.chat("R7K-4Q4")
    assert "查询或修改您的预约一直没能顺利完成" in last and "这一步不太顺利" not in last
    [escalation] = await harness.runtime.store.queue()
    assert escalation.reason == "booking_stuck"
    assert all(segment_count(body) <= 3 for body in harness.fake.bodies_to(CUSTOMER))
