"""Reading one answer per field type: what is taken, what is refused and why."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.engine.answers.dates import parse_when
from bot.engine.forms.fields import Refusal, display, read_answer
from bot.knowledge.forms import FormField

SUNDAY = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ASK = {"zh-Hans": "?", "zh-Hant": "?", "en": "?"}
OPTIONS = (
    {"zh-Hans": "完全断网", "zh-Hant": "完全斷網", "en": "No connection at all"},
    {"zh-Hans": "网速很慢", "zh-Hant": "網速很慢", "en": "Very slow"},
)


def field(kind: str, **extra: object) -> FormField:
    return FormField("f", kind, ASK, **extra)  # type: ignore[arg-type]


def read(spec: FormField, text: str, language: str = "zh-Hans") -> object:
    value = read_answer(spec, text, SUNDAY, language)  # type: ignore[arg-type]
    return value.key if isinstance(value, Refusal) else value


@pytest.mark.parametrize(
    ("kind", "extra", "text", "expected"),
    [
        ("text", {}, "  ADSL-0012345 ", "ADSL-0012345"),
        ("text", {}, " ", "form.refused.empty"),
        ("text", {}, "x" * 501, "form.refused.too_long"),
        ("address", {}, "北京", "form.refused.address"),
        ("address", {}, "北京市海淀区中关村大街1号", "北京市海淀区中关村大街1号"),
        ("choice", {"options": OPTIONS}, "網速很慢", 1),
        ("choice", {"options": OPTIONS}, "very slw", 1),  # a typo in a label
        ("choice", {"options": OPTIONS}, "还行", "form.refused.choice"),
        ("yes_no", {}, "是的", True),
        ("yes_no", {}, "No", False),
        ("yes_no", {}, "也许", "form.refused.yes_no"),
        ("date", {}, "下周三", "2026-12-02"),
        ("date", {}, "周三", "2026-12-02"),  # a visit: the next Wednesday
        ("date", {}, "昨天", "form.refused.date_past"),
        ("date", {}, "2026-13-01", "form.refused.date"),
        ("date", {"when": "past"}, "周三", "2026-11-25"),  # when it arrived: the last Wednesday
        ("date", {"when": "past"}, "yesterday", "2026-11-28"),
        ("date", {"when": "past"}, "next Friday", "form.refused.date_future"),
        ("time", {}, "明天下午", {"start": "2026-11-30T13:00:00", "end": "2026-11-30T17:59:59", "has_time": True}),
        ("time", {}, "前天", "form.refused.date_past"),
        ("phone", {}, "138OO138OOO", "form.refused.phone_letters"),
        ("phone", {}, "12345", "form.refused.phone_invalid"),
        ("phone", {}, "电话：138 0013 8000", "+8613800138000"),
        ("number", {}, "２", "2"),
        ("number", {}, "two", "form.refused.number"),
        ("imei", {}, "49-015420-323751-8", "490154203237518"),
        ("imei", {}, "49015420323751O", "form.refused.imei_letters"),
        ("imei", {}, "SN5CD1234XYZ", "form.refused.bad_imei"),
        ("serial", {}, "sn: 5cd1234xyz", "5CD1234XYZ"),
    ],
)
def test_read_answer(kind: str, extra: dict[str, object], text: str, expected: object) -> None:
    assert read(field(kind, **extra), text) == expected


def test_a_number_without_country_code_is_read_where_the_customer_most_likely_is() -> None:
    assert read(field("phone"), "0912 345 678", "zh-Hant") == "+886912345678"
    assert read(field("phone"), "13800138000", "zh-Hant") == "+8613800138000"
    assert read(field("phone"), "+852 9123 4567", "en") == "+85291234567"


def test_display_in_each_language() -> None:
    choice = field("choice", options=OPTIONS)
    assert [display(choice, 0, lang) for lang in ("zh-Hans", "zh-Hant", "en")] == ["完全断网", "完全斷網", "No connection at all"]
    assert display(field("yes_no"), True, "en") == "Yes" and display(field("text"), None, "zh-Hant") == "（未填）"
    window = {"start": "2026-11-30T13:00:00", "end": "2026-11-30T17:59:59", "has_time": True}
    assert display(field("time"), window, "en") == "2026-11-30 13:00–18:00"


def test_a_day_said_as_past_is_not_moved_to_next_week() -> None:
    base = dt.datetime(2026, 11, 29, 9, 0)
    assert parse_when("昨天", base).start.date() == dt.date(2026, 11, 28)  # type: ignore[union-attr]
    assert parse_when("yesterday", base).start.date() == dt.date(2026, 11, 28)  # type: ignore[union-attr]
    assert parse_when("周三", base).start.date() == dt.date(2026, 12, 2)  # type: ignore[union-attr]
