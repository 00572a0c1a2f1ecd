"""Office hours (knowledge/hours.yaml): loading, validation with file:line, staffed time, what customers hear."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.engine.messages import say
from bot.handoff.waits import format_when, wait_line
from bot.knowledge import KnowledgeErrors
from bot.knowledge.hours import load_hours
from tests.conftest import ROOT
from tests.handoff.conftest import HOURS_YAML, Clock, Desk

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI).astimezone(dt.UTC)


@pytest.fixture
def hours_dir(tmp_path: Path) -> Path:
    (tmp_path / "hours.yaml").write_text(HOURS_YAML, encoding="utf-8")
    return tmp_path


def test_without_the_file_the_team_is_always_staffed(tmp_path: Path) -> None:
    hours = load_hours(tmp_path)
    assert hours.always and hours.is_open(local(2026, 11, 29, 3, 0))
    assert hours.add_staffed(local(2026, 11, 29, 3, 0), 15) == local(2026, 11, 29, 3, 15)


def test_the_shipped_hours_load() -> None:
    hours = load_hours(ROOT / "knowledge")
    assert not hours.always and hours.region == "CN"
    assert hours.is_open(local(2026, 11, 25, 20, 30)) and not hours.is_open(local(2026, 11, 25, 21, 30))
    assert hours.is_open(local(2026, 11, 28, 11, 0))  # Saturday
    assert hours.spans_on(dt.date(2026, 10, 1)) == ((dt.time(10, 0), dt.time(18, 0)),)  # National Day


def test_weekdays_weekends_holidays_and_make_up_days(hours_dir: Path) -> None:
    hours = load_hours(hours_dir)
    assert hours.is_open(local(2026, 11, 25, 9, 0)) and not hours.is_open(local(2026, 11, 25, 18, 0))
    assert hours.is_open(local(2026, 11, 28, 15, 59)) and not hours.is_open(local(2026, 11, 28, 16, 0))  # Saturday
    assert not hours.is_open(local(2026, 11, 29, 12, 0))  # Sunday: closed
    assert not hours.is_open(local(2026, 10, 1, 10, 0))  # National Day (a Thursday): holidays closed
    assert hours.next_open(local(2026, 9, 30, 19, 0)) == local(2026, 10, 8, 9, 0)  # after the Golden Week
    assert hours.is_open(local(2026, 10, 10, 9, 30))  # a make-up working Saturday keeps Monday's hours


def test_service_level_counts_staffed_minutes_only(hours_dir: Path) -> None:
    hours = load_hours(hours_dir)
    # Friday 17:55 + 15 staffed minutes = Saturday 10:10.
    assert hours.add_staffed(local(2026, 11, 27, 17, 55), 15) == local(2026, 11, 28, 10, 10)
    # Saturday 20:00 (closed) + 15 = Monday 09:15 (Sunday closed).
    assert hours.add_staffed(local(2026, 11, 28, 20, 0), 15) == local(2026, 11, 30, 9, 15)
    assert hours.staffed_seconds(local(2026, 11, 27, 17, 55), local(2026, 11, 28, 10, 5)) == 600


def test_extra_closed_and_special_dates(tmp_path: Path) -> None:
    (tmp_path / "hours.yaml").write_text(
        HOURS_YAML + "closed_on: [2026-12-31]\nopen_on:\n  2026-11-29: \"10:00-12:00\"\n", encoding="utf-8"
    )
    hours = load_hours(tmp_path)
    assert not hours.is_open(local(2026, 12, 31, 10, 0))
    assert hours.is_open(local(2026, 11, 29, 11, 0))  # a Sunday opened specially


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hours: {mon-fri: \"09:00-18:00\"}\n", "hours.yaml:1: hours does not say when people work on sat, sun"),
        ("hours:\n  daily: \"9-18\"\n", "hours.yaml:2: hours daily: opening hours must look like"),
        ("hours:\n  daily: \"09:00-18:00\"\n  weekdays: closed\n", "hours.yaml:2: hours has unknown key 'weekdays'"),
        ("timezone: Mars/Olympus\nhours: {daily: closed}\n", "unknown timezone 'Mars/Olympus'"),
        ("hours: {daily: closed}\n", "hours are closed every day"),
        ("hours: {daily: \"09:00-18:00\"}\nclosed_on: [someday]\n", "closed_on: 'someday' is not a date"),
        ("hours: {daily: \"09:00-18:00\"}\nregion: XX\n", "region must be CN"),
        ("hours: {daily: \"09:00-18:00\"}\nopening: x\n", "unknown key 'opening'"),
        ("hours: [\n", "invalid YAML"),
    ],
)
def test_mistakes_are_reported_with_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "hours.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeErrors) as caught:
        load_hours(tmp_path)
    assert any(problem in str(error) for error in caught.value.errors), [str(e) for e in caught.value.errors]


def test_times_in_the_customers_words() -> None:
    now = local(2026, 11, 28, 20, 0)  # Saturday evening
    assert format_when(local(2026, 11, 28, 21, 0), now, "en", SHANGHAI) == "today at 21:00"
    assert format_when(local(2026, 11, 29, 9, 0), now, "zh-Hans", SHANGHAI) == "明天 09:00"
    assert format_when(local(2026, 11, 30, 9, 15), now, "zh-Hant", SHANGHAI) == "11月30日（週一）09:15"
    assert format_when(local(2026, 11, 30, 9, 15), now, "en", SHANGHAI) == "Mon 30 Nov at 09:15"


def test_wait_lines_round_to_plain_numbers() -> None:
    assert wait_line(None, "en") == say("handoff.wait.unknown", "en")
    assert wait_line(40, "en") == say("handoff.wait.minutes", "en", minutes=1)
    assert wait_line(40, "en") == "Recently people have waited about 1 minute for a person."  # CLDR "one"
    assert wait_line(90, "en") == "Recently people have waited about 2 minutes for a person."
    assert wait_line(40, "zh-Hans") == "最近大家等待人工的时间约为 1 分钟。"
    assert wait_line(40, "en").key == "handoff.wait.minutes" and wait_line(40, "en").values == {"minutes": 1}
    assert wait_line(6 * 60, "en") == say("handoff.wait.minutes", "en", minutes=10)
    assert wait_line(50 * 60, "zh-Hans") == say("handoff.wait.minutes", "zh-Hans", minutes=60)
    assert wait_line(3 * 3600 + 5, "en") == say("handoff.wait.hours", "en", hours=4)


@pytest.mark.parametrize("kb_dir", ["hours"], indirect=True)
async def test_out_of_hours_the_customer_hears_when_they_will_hear_back(hd: Desk, clock: Clock) -> None:
    clock.now = local(2026, 11, 29, 12, 0)  # Sunday noon: closed
    outcome = await hd.say("人工")
    text = outcome.replies[-1].text
    assert say("handoff.offline", "zh-Hans", opening="明天 09:00", due="明天 09:15") in text
    assert say("handoff.queue", "zh-Hans", position=1) not in text
    [row] = await hd.service.queue()
    assert row.due_at == local(2026, 11, 30, 9, 15)
    clock.advance(minutes=10)
    ack = await hd.say("我的电脑开不了机")
    assert ack.replies[0].text == say("handoff.ack.offline", "zh-Hans", opening="明天 09:00", due="明天 09:15")
    # Not overdue over the weekend: the clock of the service level stands still while nobody works.
    assert await hd.service.sweep(local(2026, 11, 30, 9, 10)) == 0
    assert await hd.service.sweep(local(2026, 11, 30, 9, 16)) == 1


@pytest.mark.parametrize("kb_dir", ["hours"], indirect=True)
async def test_in_hours_the_customer_hears_the_queue(hd: Desk, clock: Clock) -> None:
    clock.now = local(2026, 11, 25, 10, 0)
    outcome = await hd.say("人工")
    assert say("handoff.queue", "zh-Hans", position=1) in outcome.replies[-1].text
