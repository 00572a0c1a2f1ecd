"""The booking summary by SMS: its options are on the first page, and a digit only picks an option sent.

Issue 9, item 6: the Chinese summary was cut at the address line with "reply 更多", its confirm / change /
cancel options left for MORE, and yet "1" confirmed the booking. Now the SMS summary is four short
lines (the centre's address and the rest on request, option 4) and the options always fit; and if a
reply's options ever wait behind MORE, a digit naming one of them does nothing but show them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.channels.sms import render as sms_render
from bot.channels.sms.render import cut_reply, render_replies
from bot.channels.sms.segments import segment_count
from bot.engine.types import Action, ActionKind, Option, Reply, ReplyKind
from bot.storage.booking import Booking, find_ticket
from tests.sms.conftest import CUSTOMER, SmsHarness

US = "+14155550100"
TW = "+886912345678"
CHECK = ("请确认预约信息", "請確認預約資料", "Please check your booking")
MORE = ("（回复“更多”看余下内容）", "（回覆「更多」看其餘內容）", "(reply MORE for the rest)")

BOOKINGS = {
    "zh-Hans": (
        CUSTOMER,
        "报修 X20 Pro 屏幕碎了，充电口也松了，开机后屏幕一直闪 北京朝阳 明天上午",
        {"IMEI": "跳过", "怎样维修": "到店", "什么时候购买": "去年5月", "可预约的时间": "1", "称呼": "张三"},
        ("1. 确认预约", "2. 修改信息", "3. 取消", "4. 查看地址和详情", "明天 11月26日 周四 09:00-10:00", "张三 +86 138 0013 8000"),
        "建国路88号",
        "预约成功",
    ),
    "zh-Hant": (
        TW,
        "報修 X20 Pro 螢幕破了 台北 週六上午",
        {"IMEI": "略過", "怎樣維修": "到店", "什麼時候購買": "去年5月", "可預約的時段": "1", "稱呼": "陳小姐"},
        ("1. 確認預約", "2. 修改資料", "3. 取消", "4. 查看地址和詳情", "11月28日 週六 10:00-11:00", "陳小姐 +886 912 345 678"),
        "信義",
        "預約成功",
    ),
    "en": (
        US,
        "REPAIR Acme Book 14 no power Shanghai Saturday",
        {"serial number": "skip", "When did you buy": "last March", "How would you like": "1",
         "service centre in Shanghai": "Xuhui", "Free times": "10:00", "loaner": "no", "What name": "John Smith"},
        ("1. Confirm booking", "2. Change something", "3. Cancel", "4. Address and details", "Sat 28 Nov 10:00-11:00",
         "John Smith +1 415-555-0100"),
        "Xuhui",
        "You're booked",
    ),
}


async def _to_summary(harness: SmsHarness, number: str, first: str, answers: dict[str, str]) -> str:
    """Text `first`, answer each question by the first marker found in it; the SMS with the summary."""
    last = await harness.chat(first, number)
    for _ in range(12):
        if any(mark in last for mark in CHECK):
            return last
        answer = next((value for marker, value in answers.items() if marker in last), None)
        assert answer is not None, f"unexpected question: {last}"
        last = await harness.chat(answer, number)
    raise AssertionError(last)


async def _stored(harness: SmsHarness) -> list[Booking]:
    async with harness.runtime.database.sessions() as session:
        return list((await session.scalars(select(Booking))).all())


@pytest.mark.parametrize("language", list(BOOKINGS))
async def test_the_summary_and_its_options_fit_the_first_sms(harness: SmsHarness, language: str) -> None:
    number, first, answers, expected, address, booked = BOOKINGS[language]
    summary = await _to_summary(harness, number, first, answers)
    for text in expected:
        assert text in summary, (text, summary)
    assert not summary.endswith(MORE) and not any(m in summary for m in MORE)  # nothing waits for MORE
    assert segment_count(summary) <= 3
    # The centre's address is on request: option 4 shows the full summary, options still on the first page.
    details = await harness.chat("4", number)
    assert address in details and expected[0] in details and segment_count(details) <= 3
    confirmation = await harness.chat("1", number)
    assert booked in confirmation and find_ticket(confirmation) is not None
    [stored] = await _stored(harness)
    assert stored.ticket == find_ticket(confirmation)


async def test_a_long_turn_keeps_the_question_and_its_options_on_the_first_page(harness: SmsHarness) -> None:
    # The warranty explanation and the service question come in one turn: too long for three parts.
    first = await harness.chat("REPAIR Acme Book 14 no power Shanghai Saturday", US)
    assert "serial number" in first
    reply = await harness.chat("skip", US)
    reply = await harness.chat("last March", US)
    assert "How would you like it repaired?" in reply and "1. Bring it to a service centre" in reply
    assert segment_count(reply) <= 3


@pytest.mark.parametrize("digit", ["1", "1。", "１"])
async def test_a_digit_for_options_not_yet_sent_does_not_confirm(
    harness: SmsHarness, monkeypatch: pytest.MonkeyPatch, digit: str
) -> None:
    # As when the options alone do not fit the first page: the full summary is cut with its options
    # left for MORE.
    monkeypatch.setattr(sms_render, "_cut_keeping", lambda body, tail, max_segments: None)
    number, first, answers, _, _, _ = BOOKINGS["zh-Hans"]
    await _to_summary(harness, number, first, answers)
    details = await harness.chat("详情")  # the full summary: too long, so its options wait behind MORE
    assert details.endswith(MORE[0]) and "1. 确认预约" not in details
    pending = await harness.chat(digit)
    assert "选项1还没有发给您" in pending and find_ticket(pending) is None
    assert "1. 确认预约" in pending  # the rest of the message, with the options
    assert await _stored(harness) == []
    confirmation = await harness.chat(digit)
    assert find_ticket(confirmation) is not None and len(await _stored(harness)) == 1


def test_a_cut_counts_how_many_options_reached_the_customer() -> None:
    """Only options still waiting behind MORE are refused: the cut says how many of them were sent."""
    options = tuple(Option(f"选项{n}" + "很长的说明" * 12, Action(ActionKind.MENU, "faq")) for n in range(1, 7))
    page = cut_reply(render_replies([Reply("请选择：", ReplyKind.MENU, "zh-Hans", options)]), "zh-Hans")
    assert page.rest is not None and page.options_sent is not None and 0 < page.options_sent < 6
    assert f"{page.options_sent}. 选项{page.options_sent}" in page.head
    assert f"{page.options_sent + 1}. 选项" not in page.head
