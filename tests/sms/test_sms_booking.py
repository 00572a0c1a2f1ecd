"""Booking by SMS: one message with everything, missing parts asked one short SMS at a time; status; cancel."""

from __future__ import annotations

import datetime as dt

from bot.channels.sms.segments import segment_count
from bot.engine.booking.prefill import read_request
from bot.knowledge.catalog import load_catalog
from bot.storage.booking import find_ticket
from tests.sms.conftest import CUSTOMER, DEMO_KB, SmsHarness

US = "+14155550100"


def test_reading_one_message() -> None:
    catalog = load_catalog(DEMO_KB)
    base = dt.datetime(2026, 11, 25, 10, 30)
    cases = {
        "报修 X20 Pro 屏幕碎了 北京朝阳 明天上午": {"fault": "屏幕碎了", "city": "北京 朝阳", "day": "明天上午"},
        "报修X20Pro屏幕碎了北京朝阳明天上午": {"fault": "屏幕碎了", "city": "北京 朝阳", "day": "明天上午"},
        "報修 X20 Pro 螢幕破了 台北 週六上午": {"fault": "螢幕破了", "city": "台北", "day": "週六上午"},
        "REPAIR Acme Book 14 no power Shanghai Saturday": {"fault": "no power", "city": "Shanghai", "day": "Saturday"},
        "REPAIR ThinkPad X1 no power Shanghai Saturday": {"fault": "ThinkPad X1 no power", "city": "Shanghai", "day": "Saturday"},
        "repair my printer, paper jam, Guangzhou Tianhe tomorrow 3pm": {"fault": "paper jam", "city": "Guangzhou Tianhe", "day": "tomorrow 3pm"},
        "报修 我的手机进水了 上海浦东 周六下午3点": {"fault": "我的手机进水了", "city": "上海 浦东", "day": "周六下午3点"},
        "报修": {},
        "报修电话是多少": {},  # a question, not a request
        "我要报修": {},
        "My X20 Pro screen is cracked": {},  # no booking word first: left to the questions
    }
    for text, expected in cases.items():
        assert read_request(catalog, text, base=base) == expected, text
    assert read_request(catalog, "报修", base=base, phone=CUSTOMER) == {"phone": CUSTOMER}


async def _answer_until_summary(harness: SmsHarness, answers: dict[str, str], number: str, first: str) -> list[str]:
    """Text `first`, then answer each question by the first key found in it; the SMS received, in order."""
    received = [await harness.chat(first, number)]
    for _ in range(12):
        last = received[-1]
        if "请确认预约信息" in last or "Please check your booking" in last:
            # The summary is long: by SMS it may come in parts, the rest on MORE.
            while received[-1].endswith(("（回复“更多”看余下内容）", "(reply MORE for the rest)")):
                received.append(await harness.chat("MORE", number))
            return received
        answer = next((value for marker, value in answers.items() if marker in last), None)
        assert answer is not None, f"unexpected question: {last}"
        received.append(await harness.chat(answer, number))
    raise AssertionError(received)


async def test_one_message_booking_in_chinese(harness: SmsHarness) -> None:
    received = await _answer_until_summary(
        harness,
        {"IMEI": "跳过", "怎样维修": "到店", "什么时候购买": "去年5月", "可预约的时间": "1", "称呼": "张三"},
        CUSTOMER,
        "报修 X20 Pro 屏幕碎了 北京朝阳 明天上午",
    )
    # Only what was missing was asked: not the product, the fault, the city, the centre, the day or the phone.
    asked = "\n".join(received)
    for question in ("哪类产品", "哪个型号", "描述一下故障", "哪个城市", "的服务中心：", "请选择日期", "联系电话"):
        assert question not in asked, question
    assert not any(r.startswith("请从下面") for r in received)  # no answer was refused
    assert all(segment_count(sms) <= 3 for sms in harness.fake.bodies_to(CUSTOMER))
    summary = "\n".join(r for r in received if "请确认预约信息" in r or r == received[-1])
    assert "1. 确认预约" in summary
    assert "屏幕碎了" in summary and "北京朝阳服务中心" in summary and "138" in summary and "09:00" in summary
    confirmation = await harness.chat("确认预约")
    ticket = find_ticket(confirmation)
    assert ticket is not None and "2小时内" in confirmation
    [item] = [m for m in await harness.outbox(CUSTOMER) if m.template_id]
    assert item.template_id == "booking.confirmed" and item.template_params["ticket"] == ticket
    # Status by SMS keyword, in the same language.
    status = await harness.chat("进度")
    assert ticket in status
    # Looked up by its number, the booking's status goes as a template too (the ticket comes from the
    # reply's data, never read back out of the text).
    looked_up = await harness.chat(ticket)
    assert ticket in looked_up
    templates = [(m.template_id, m.template_params.get("ticket")) for m in await harness.outbox(CUSTOMER) if m.template_id]
    assert ("booking.status", ticket) in templates


async def test_one_message_booking_in_english(harness: SmsHarness) -> None:
    received = await _answer_until_summary(
        harness,
        {"serial number": "skip", "When did you buy": "last March", "How would you like": "1", "service centre in Shanghai": "Xuhui",
         "Free times": "10:00", "loaner": "no", "What name": "John Smith"},
        US,
        "REPAIR Acme Book 14 no power Shanghai Saturday",
    )
    assert "Which type" not in "\n".join(received)
    summary = "\n".join(received[-2:])
    assert "no power" in summary and "Sat 28 Nov" in summary and "415" in summary
    confirmation = await harness.chat("1", US)
    assert find_ticket(confirmation) is not None and "call" in confirmation.lower()


async def test_booking_keyword_switches_a_chinese_conversation_to_english(harness: SmsHarness) -> None:
    await harness.chat("保修期多久", US)
    first = await harness.chat("REPAIR Acme Book 14 no power Shanghai Saturday", US)
    assert "serial number" in first


async def test_multi_turn_booking_and_cancel(harness: SmsHarness) -> None:
    first = await harness.chat("我要报修")
    assert "1. " in first  # numbered product types
    model_question = await harness.chat("1")
    assert "型号" in model_question or "机型" in model_question
    left = await harness.chat("取消")
    assert "退出" in left
