"""Every notice and reminder exists in the three languages, names the ticket, and never carries a staff note."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.knowledge.catalog import load_catalog
from bot.repairs import notice_texts as words
from bot.repairs import statuses as st
from bot.settings import LANGUAGES
from bot.storage.booking import Booking
from bot.storage.repairs import MOVED, STATUS, TicketEvent
from tests.support import DEMO_KB

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 25)
NOTE = "internal: customer was rude, quoted 300"
_LOADED = load_catalog(DEMO_KB)
assert _LOADED is not None
CATALOG = _LOADED


def _booking(service: str, *, loaner_out: bool = False) -> Booking:
    start = dt.datetime(2026, 11, 26, 6, 0, tzinfo=dt.UTC)
    return Booking(
        id=1, ticket="R7K-4Q2", channel="sms", customer_id="+8613800138000", language="en", status=st.BOOKED,
        model_name="Acme X20 Pro", model_id="x20pro", warranty="in", warranty_until=dt.date(2027, 5, 1),
        service=service, centre_id="bj-chaoyang", address="Flat 3, 8 Guanghua Road" if service != "store" else None,
        slot_start=start, slot_end=start + dt.timedelta(hours=1), tracking_number="SF123",
        loaner_out_at=start if loaner_out else None, loaner_returned_at=None,
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("service", ["store", "onsite", "courier"])
def test_every_status_reads_in_every_language_without_the_note(language: str, service: str) -> None:
    booking = _booking(service, loaner_out=True)
    seen = set()
    for status in st.STATUSES:
        if status == st.BOOKED:
            continue
        event = TicketEvent(kind=STATUS, status=status, previous=st.BOOKED, actor="cli", note=NOTE, data={"tracking": "SF123"})
        body = words.status_text(CATALOG, booking, event, language, zone=ZONE, today=TODAY)  # type: ignore[arg-type]
        assert booking.ticket in body and NOTE not in body and "{" not in body
        seen.add(body)
    assert len(seen) == len(st.STATUSES) - 1  # each status says something of its own
    moved = TicketEvent(kind=MOVED, actor="cli", note=NOTE, data={"to": "2026-11-27T02:00:00+00:00"})
    body = words.status_text(CATALOG, booking, moved, language, zone=ZONE, today=TODAY)  # type: ignore[arg-type]
    assert "10:00" in body and NOTE not in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reminder_reads_in_every_language(language: str) -> None:
    for service in ("store", "onsite", "courier"):
        body = words.appointment_text(CATALOG, _booking(service), language, zone=ZONE, today=TODAY)  # type: ignore[arg-type]
        assert "R7K-4Q2" in body and "14:00" in body and "{" not in body
        if service != "store":
            assert "Flat 3, 8 Guanghua Road" in body
    store = _booking("store", loaner_out=True)
    for text in (
        words.uncollected_text(CATALOG, store, language, days=7, last=False),  # type: ignore[arg-type]
        words.loaner_text(CATALOG, store, language),  # type: ignore[arg-type]
    ):
        assert "R7K-4Q2" in text and CATALOG.centre("bj-chaoyang").address[language] in text  # type: ignore[union-attr, index]
    assert "2027" in words.warranty_text(store, language)  # type: ignore[arg-type]
    assert words.stop_label(language)  # type: ignore[arg-type]


def test_ready_in_store_says_where_when_and_what_to_bring() -> None:
    body = words.status_text(CATALOG, _booking("store", loaner_out=True),
                             TicketEvent(kind=STATUS, status=st.READY, actor="cli", data={}), "zh-Hans", zone=ZONE, today=TODAY)
    centre = CATALOG.centre("bj-chaoyang")
    assert centre is not None
    assert centre.name["zh-Hans"] in body and centre.address["zh-Hans"] in body and "营业时间：" in body
    assert "请携带：维修单号 R7K-4Q2、身份证件、备用机。" in body
