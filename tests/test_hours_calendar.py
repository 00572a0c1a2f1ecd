"""The operator's holiday calendar in hours.yaml (issue 9, item 10): it is checked with file:line, wins
over chinese-calendar for the years it lists, and `kb check` (and the start-up, through
`OfficeHours.calendar_warning`) warns when no calendar covers the next 60 days.

Years far ahead (2040, 2041) are used so that no future chinese-calendar release changes the outcome,
and every "today" is passed in: nothing here depends on the day the tests run."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeErrors
from bot.knowledge.holidays import HolidayCalendar, library_knows
from bot.knowledge.hours import load_hours
from tests.conftest import SMALL_FAQ
from tests.support import run_supportbot

NINE_TO_SIX = (dt.time(9, 0), dt.time(18, 0))
TEN_TO_FOUR = (dt.time(10, 0), dt.time(16, 0))

HOURS = """\
timezone: Asia/Shanghai
region: CN
hours:
  mon-fri: "09:00-18:00"
  sat-sun: closed
  holidays: "10:00-16:00"
calendar:
  2040:
    holidays: [2040-01-01, 2040-10-01..2040-10-05]
    workdays: [2040-09-29]
"""


def knowledge(tmp_path: Path, hours: str) -> Path:
    (tmp_path / "faq").mkdir(exist_ok=True)
    (tmp_path / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    (tmp_path / "hours.yaml").write_text(hours, encoding="utf-8")
    return tmp_path


def kb_check(directory: Path, today: str) -> subprocess.CompletedProcess[str]:
    return run_supportbot("kb", "check", "--kb", str(directory), "--today", today)


def test_operator_holidays_and_makeup_days_shape_the_office_hours(tmp_path: Path) -> None:
    assert not library_knows(2040)
    hours = load_hours(knowledge(tmp_path, HOURS))
    assert hours.calendar.years == frozenset({2040})
    assert hours.spans_on(dt.date(2040, 10, 1)) == (TEN_TO_FOUR,)  # a listed holiday, a Monday
    assert hours.spans_on(dt.date(2040, 10, 5)) == (TEN_TO_FOUR,)  # inside the range
    assert hours.spans_on(dt.date(2040, 10, 8)) == (NINE_TO_SIX,)  # the Monday after: ordinary
    assert hours.spans_on(dt.date(2040, 9, 29)) == (NINE_TO_SIX,)  # a worked Saturday has Monday's hours
    assert hours.spans_on(dt.date(2040, 9, 30)) == ()  # an ordinary Sunday: closed
    assert hours.calendar.is_working_day(dt.date(2040, 9, 29))
    assert not hours.calendar.is_working_day(dt.date(2040, 10, 2))
    # The next opening after the National Day Monday morning is 10:00 Beijing time, holiday hours.
    opening = hours.next_open(dt.datetime(2040, 10, 1, 0, 30, tzinfo=dt.UTC))
    assert opening == dt.datetime(2040, 10, 1, 2, 0, tzinfo=dt.UTC)


def test_a_listed_year_wins_over_the_library(tmp_path: Path) -> None:
    assert library_knows(2026)
    library = HolidayCalendar()
    assert library.public_holiday(dt.date(2026, 10, 1))  # National Day in chinese-calendar
    hours = load_hours(knowledge(tmp_path, HOURS.replace("2040:\n    holidays: [2040-01-01, 2040-10-01..2040-10-05]\n    workdays: [2040-09-29]", "2026:\n    holidays: [2026-12-24]")))
    assert hours.calendar.public_holiday(dt.date(2026, 10, 1)) is None  # the operator's 2026 has no such day
    assert hours.spans_on(dt.date(2026, 10, 1)) == (NINE_TO_SIX,)
    assert hours.spans_on(dt.date(2026, 12, 24)) == (TEN_TO_FOUR,)


def test_calendar_mistakes_are_errors_with_their_line(tmp_path: Path) -> None:
    broken = HOURS.replace(
        "    holidays: [2040-01-01, 2040-10-01..2040-10-05]\n    workdays: [2040-09-29]\n",
        "    holidays: [2040-01-01, 2040-10-01..2040-09-05, 2041-01-01, soon]\n"
        "    workdays: [2040-01-01, 2040-10-08]\n"
        "    extra: []\n"
        "  next: {holidays: []}\n",
    )
    with pytest.raises(KnowledgeErrors) as caught:
        load_hours(knowledge(tmp_path, broken))
    found = [str(e).split("hours.yaml", 1)[1] for e in caught.value.errors]
    assert ":9: calendar 2040 holidays: '2040-10-01..2040-09-05' is not a date" in "\n".join(found)
    assert ":9: calendar 2040 holidays: 2041-01-01 is not in 2040" in found
    assert ":9: calendar 2040 holidays: 'soon' is not a date such as 2040-10-01 or a range such as 2040-10-01..2040-10-07" in found
    assert ":11: calendar 2040 has unknown key 'extra' (use holidays, workdays)" in found
    assert ":10: calendar 2040: 2040-01-01 is both a holiday and a working day" in found
    assert ":10: calendar 2040 workdays: 2040-10-08 is a weekday (list only weekend days that are worked)" in found
    assert ":12: calendar: 'next' is not a year such as 2027" in found


def test_warning_when_no_calendar_covers_the_next_60_days(tmp_path: Path) -> None:
    hours = load_hours(knowledge(tmp_path, HOURS))
    assert hours.calendar_warning(dt.date(2040, 6, 1)) is None  # 60 days inside 2040
    warning = hours.calendar_warning(dt.date(2040, 11, 15))
    assert warning is not None and "2041-01-01 to 2041-01-13" in warning and "2041" in warning
    both = load_hours(knowledge(tmp_path, HOURS + "  2041:\n    holidays: [2041-01-01]\n"))
    assert both.calendar_warning(dt.date(2040, 11, 15)) is None
    # Office hours without mainland holidays need no calendar, unless mainland centres take bookings.
    plain = load_hours(knowledge(tmp_path, HOURS.replace("region: CN\n", "")))
    assert plain.calendar_warning(dt.date(2040, 11, 15)) is None
    assert plain.calendar_warning(dt.date(2040, 11, 15), centres_in_mainland=True) is not None
    (tmp_path / "hours.yaml").unlink()
    always = load_hours(tmp_path)
    assert always.calendar_warning(dt.date(2040, 11, 15)) is None
    assert always.calendar_warning(dt.date(2040, 11, 15), centres_in_mainland=True) is not None


def test_kb_check_warns_but_passes_and_reports_calendar_errors(tmp_path: Path) -> None:
    directory = knowledge(tmp_path, HOURS)
    result = kb_check(directory, "2040-11-15")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 5 entries")
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "hours.yaml" in warning and "no holiday calendar covers 2041-01-01 to 2041-01-13" in warning
    assert "own holiday list for 2040" in result.stdout

    quiet = kb_check(directory, "2040-03-01")
    assert quiet.returncode == 0 and "warning" not in quiet.stderr

    (directory / "hours.yaml").write_text(HOURS.replace("workdays: [2040-09-29]", "workdays: [2040-09-31]"), encoding="utf-8")
    broken = kb_check(directory, "2040-03-01")
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "hours.yaml:10: invalid YAML: '2040-09-31' is not a valid date" in broken.stderr


async def test_the_start_up_warns_when_no_calendar_covers_the_next_60_days(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.runtime import build_runtime
    from bot.settings import load_settings
    from tests.support import Clock

    directory = knowledge(tmp_path, HOURS)
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", knowledge_dir=directory)
    covered = Clock(dt.datetime(2040, 3, 1, 4, 0, tzinfo=dt.UTC))  # 2040 is listed: no warning
    runtime = await build_runtime(settings, clock=covered)
    await runtime.close()
    assert not [r for r in caplog.records if "calendar" in r.getMessage()]
    uncovered = Clock(dt.datetime(2040, 12, 1, 4, 0, tzinfo=dt.UTC))  # the next 60 days reach into 2041
    runtime = await build_runtime(settings, clock=uncovered)
    await runtime.close()
    [warning] = [r for r in caplog.records if "calendar" in r.getMessage()]
    assert warning.levelname == "WARNING" and "2041-01-01" in warning.getMessage()


async def test_the_operator_s_calendar_shapes_booking_slots_and_call_back_promises(tmp_path: Path) -> None:
    """hours.yaml's calendar reaches the booking flow: a centre's holiday hours and the engineers' call-back
    day follow the operator's list for a year chinese-calendar does not know."""
    import shutil

    from bot.engine.booking.schedule import callback_promise, opening_spans
    from bot.runtime import build_runtime
    from bot.settings import load_settings
    from tests.support import DEMO_KB, Clock

    directory = tmp_path / "kb"
    shutil.copytree(DEMO_KB, directory)
    (directory / "hours.yaml").write_text(HOURS, encoding="utf-8")  # 2040: 1 Jan and 1-5 Oct off, Sat 29 Sep worked
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", knowledge_dir=directory)
    runtime = await build_runtime(settings, clock=Clock(dt.datetime(2040, 9, 1, 2, 0, tzinfo=dt.UTC)))
    try:
        catalog = runtime.engine.flows["booking"].catalog  # type: ignore[attr-defined]
        chaoyang = catalog.centre("bj-chaoyang")
        national_day = dt.date(2040, 10, 2)  # a Tuesday the operator listed as a holiday
        assert opening_spans(chaoyang, national_day) == chaoyang.holidays != chaoyang.weekly[national_day.weekday()]
        shanghai = dt.timezone(dt.timedelta(hours=8))
        friday_evening = dt.datetime(2040, 9, 28, 19, 0, tzinfo=shanghai)
        assert callback_promise(friday_evening, shanghai, catalog.calendar) == dt.date(2040, 9, 29)  # the make-up Saturday
        before_holiday = dt.datetime(2040, 9, 30, 19, 0, tzinfo=shanghai)  # Sunday evening, then 1-5 Oct off
        assert callback_promise(before_holiday, shanghai, catalog.calendar) == dt.date(2040, 10, 8)
    finally:
        await runtime.close()
