"""The small parsers: dates, IMEI and serial numbers, phones, ticket numbers, fuzzy names, opening hours."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.engine.answers.dates import DateSpan, parse_purchase_date, parse_when
from bot.engine.answers.identifiers import DeviceId, parse_device_id
from bot.engine.answers.phones import masked_phone, parse_phone
from bot.engine.booking.matching import (
    match_city,
    match_model,
    match_type,
    model_in_text,
    type_in_text,
)
from bot.engine.booking.schedule import (
    callback_promise,
    day_slots,
    opening_spans,
    public_holiday,
)
from bot.engine.booking.warranty import add_months, warranty_status
from bot.knowledge.catalog import Catalog, load_catalog
from bot.storage.booking import TICKET_ALPHABET, find_ticket, new_ticket
from tests.booking.conftest import DEMO_KB

TODAY = dt.date(2026, 11, 25)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    loaded = load_catalog(DEMO_KB)
    assert loaded is not None
    return loaded


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025-03-01", "2025-03-01", "2025-03-01"),
        ("2025/3/1", "2025-03-01", "2025-03-01"),
        ("2025年3月1日", "2025-03-01", "2025-03-01"),
        ("去年五月", "2025-05-01", "2025-05-31"),
        ("去年五月份買的", "2025-05-01", "2025-05-31"),
        ("前年3月", "2024-03-01", "2024-03-31"),
        ("十二月", "2025-12-01", "2025-12-31"),  # no year said: the last December that is not in the future
        ("昨天", "2026-11-24", "2026-11-24"),
        ("last March", "2026-03-01", "2026-03-31"),
        ("March 2025", "2025-03-01", "2025-03-31"),
        ("Q1 2025", "2025-01-01", "2025-03-31"),  # a quarter, not the one day dateparser returns in it
        ("2025 Q4", "2025-10-01", "2025-12-31"),
        ("3 months ago", "2026-08-01", "2026-08-31"),
        ("I bought it 2 weeks ago", "2026-11-09", "2026-11-15"),
        ("yesterday", "2026-11-24", "2026-11-24"),
    ],
)
def test_purchase_dates(text: str, first: str, last: str) -> None:
    assert parse_purchase_date(text, TODAY) == DateSpan(dt.date.fromisoformat(first), dt.date.fromisoformat(last))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("不知道什么时候", "unparsed"),
        ("hmm", "unparsed"),
        ("12", "unparsed"),
        ("三天", "unparsed"),
        ("保修期多久", "unparsed"),
        ("2027-01-01", "future"),
        ("明年", "future"),
        ("今年十二月", "future"),
        ("1985年", "too_old"),
    ],
)
def test_purchase_date_problems(text: str, problem: str) -> None:
    assert parse_purchase_date(text, TODAY) == problem


@pytest.mark.parametrize(
    ("text", "start", "end", "has_time"),
    [
        ("明天下午", "2026-11-26 13:00", "2026-11-26 17:59", True),
        ("周六上午", "2026-11-28 07:00", "2026-11-28 11:59", True),
        ("週六上午10點", "2026-11-28 10:00", "2026-11-28 10:59", True),
        ("下周一", "2026-11-30 00:00", "2026-11-30 23:59", False),
        ("tomorrow", "2026-11-26 00:00", "2026-11-26 23:59", False),
        ("Saturday morning", "2026-11-28 07:00", "2026-11-28 11:59", True),
        ("tomorrow 3pm", "2026-11-26 15:00", "2026-11-26 15:59", True),
    ],
)
def test_wished_times(text: str, start: str, end: str, has_time: bool) -> None:
    wish = parse_when(text, dt.datetime(2026, 11, 25, 10, 0))
    assert wish is not None
    assert (wish.start.strftime("%Y-%m-%d %H:%M"), wish.end.strftime("%Y-%m-%d %H:%M"), wish.has_time) == (
        start,
        end,
        has_time,
    )
    assert parse_when("hello there", dt.datetime(2026, 11, 25, 10, 0)) is None


def test_imei_and_serial_numbers() -> None:
    assert parse_device_id("490154203237518", "imei") == DeviceId("imei", "490154203237518")
    assert parse_device_id("IMEI: 49-015420-323751-8", "imei") == DeviceId("imei", "490154203237518")
    assert parse_device_id("４９０１５４２０３２３７５１８", "serial") == DeviceId("imei", "490154203237518")  # full-width
    assert parse_device_id("490154203237519", "imei") == "bad_imei"  # Luhn check digit
    assert parse_device_id("4901542032375", "imei") == "bad_imei"
    assert parse_device_id("SN: c02xk1abjg5j", "serial") == DeviceId("serial", "C02XK1ABJG5J")
    assert parse_device_id("序列号ABC123456", "imei") == DeviceId("serial", "ABC123456")
    assert parse_device_id("abc", "serial") == "bad_serial"
    assert parse_device_id("屏幕坏了", "serial") == "bad_serial"


def test_phone_numbers() -> None:
    assert parse_phone("13800138000") == "+8613800138000"
    assert parse_phone("138 0013 8000") == parse_phone("+86 138-0013-8000") == "+8613800138000"
    assert parse_phone("010-6500 0001") == "+861065000001"
    assert parse_phone("9123 4567", "HK") == "+85291234567"
    assert parse_phone("+886 912 345 678") == "+886912345678"
    assert parse_phone("12345") is None and parse_phone("1380013800") is None and parse_phone("张三") is None
    assert masked_phone("+8613800138000") == "138****8000"


def test_ticket_numbers() -> None:
    tickets = {new_ticket() for _ in range(200)}
    assert len(tickets) > 190
    for ticket in tickets:
        assert ticket[0] == "R" and ticket[3] == "-" and len(ticket) == 7
        assert set(ticket[1:3] + ticket[4:]) <= set(TICKET_ALPHABET)
        assert not set(ticket) & set("01OIL")
    assert find_ticket("我的单号是r7k4q2，修好了吗") == "R7K-4Q2"
    assert find_ticket("R7K 4Q2") == find_ticket("R7K-4Q2") == "R7K-4Q2"
    assert find_ticket("PR7K-4Q2X") is None and find_ticket("R7K-4Q") is None and find_ticket(None) is None


def test_models_types_and_cities_match_fuzzily(catalog: Catalog) -> None:
    def model(text: str) -> str | None:
        found = match_model(catalog, text)
        return found.sure.name if found.sure else None

    assert model("x20pro") == model("Acme X20-Pro") == model("ACME x20 PRO") == "Acme X20 Pro"
    assert model("x20") == "Acme X20" and model("laserjet 200 dn") == "Acme LaserJet 200dn"
    close = match_model(catalog, "x2o pro")
    assert close.sure is None and [m.name for m in close.suggestions] == ["Acme X20 Pro"]
    assert [m.name for m in match_model(catalog, "X20 pr").suggestions][:1] == ["Acme X20 Pro"]  # not "contains X20"
    assert match_model(catalog, "banana").suggestions == ()
    assert match_type(catalog, "手機").id == match_type(catalog, "smartphone").id == "phone"  # type: ignore[union-attr]
    assert match_type(catalog, "labtop").id == "laptop"  # type: ignore[union-attr]
    assert type_in_text(catalog, "my laptop is broken, can someone fix it").id == "laptop"  # type: ignore[union-attr]
    assert type_in_text(catalog, "我要报修") is None
    assert model_in_text(catalog, "我的X20 Pro屏幕碎了").name == "Acme X20 Pro"  # type: ignore[union-attr]
    for text, city in [
        ("北京", "beijing"),
        ("北京市", "beijing"),
        ("Beijing", "beijing"),
        ("beijing", "beijing"),
        ("beijin", "beijing"),
        ("上海", "shanghai"),
        ("Shanghai", "shanghai"),
        ("廣州", "guangzhou"),
        ("广州", "guangzhou"),
        ("Guangzhou", "guangzhou"),
        ("guangzou", "guangzhou"),
        ("香港", "hong-kong"),
        ("臺北", "taipei"),
        ("台北", "taipei"),
        ("Taipei", "taipei"),
    ]:
        assert match_city(catalog, text).sure == city, text
    assert match_city(catalog, "纽约").sure is None


def test_opening_hours_slots_and_holidays(catalog: Catalog) -> None:
    chaoyang, nanshan, hong_kong = catalog.centre("bj-chaoyang"), catalog.centre("sz-nanshan"), catalog.centre("hk-mongkok")
    assert chaoyang and nanshan and hong_kong
    national_day = dt.date(2026, 10, 1)
    assert public_holiday(national_day) is not None and public_holiday(dt.date(2026, 11, 28)) is None
    assert opening_spans(chaoyang, national_day) == ((dt.time(10), dt.time(18)),)  # holiday hours
    assert opening_spans(hong_kong, national_day) == hong_kong.weekly[national_day.weekday()]  # mainland holidays only
    assert opening_spans(hong_kong, dt.date(2026, 11, 29)) == ()  # closed on Sundays
    assert [s.strftime("%H:%M") for s, _ in day_slots(nanshan, "store", dt.date(2026, 11, 30))][:2] == [
        "13:00",
        "14:00",
    ]  # Monday
    onsite = day_slots(chaoyang, "onsite", dt.date(2026, 11, 26))
    assert len(onsite) == 6 and onsite[0][1] - onsite[0][0] == dt.timedelta(hours=2)
    assert len(day_slots(chaoyang, "store", national_day)) == 8
    # A year chinese-calendar does not know yet: ordinary weekdays, no holiday hours, no error.
    assert opening_spans(chaoyang, dt.date(2031, 10, 1)) == chaoyang.weekly[dt.date(2031, 10, 1).weekday()]


def test_when_an_engineer_calls_back() -> None:
    assert callback_promise(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI), SHANGHAI) is None  # Wednesday morning
    assert callback_promise(dt.datetime(2026, 11, 25, 19, 0, tzinfo=SHANGHAI), SHANGHAI) == dt.date(2026, 11, 26)
    assert callback_promise(dt.datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI), SHANGHAI) == dt.date(2026, 11, 25)
    assert callback_promise(dt.datetime(2026, 11, 27, 18, 30, tzinfo=SHANGHAI), SHANGHAI) == dt.date(
        2026, 11, 30
    )  # Friday evening
    assert callback_promise(dt.datetime(2026, 9, 30, 20, 0, tzinfo=SHANGHAI), SHANGHAI) == dt.date(
        2026, 10, 8
    )  # National Day week


def test_warranty_from_the_purchase_date(catalog: Catalog) -> None:
    phone, laptop = catalog.model("x20"), catalog.model("book14")
    assert phone and laptop
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    status = warranty_status(phone, dt.date(2025, 11, 25), dt.date(2025, 11, 25), TODAY)
    assert (status.state, status.until, status.days_owned) == ("out", dt.date(2026, 11, 24), 365)
    assert warranty_status(phone, dt.date(2025, 11, 26), dt.date(2025, 11, 26), TODAY).state == "in"
    assert warranty_status(phone, dt.date(2025, 11, 24), dt.date(2025, 11, 24), TODAY).state == "out"
    assert warranty_status(laptop, dt.date(2024, 1, 1), dt.date(2024, 12, 31), TODAY).until == dt.date(2027, 12, 30)
    assert warranty_status(phone, None, None, TODAY).state == "unknown"


