"""Mainland public holidays and make-up working days (调休): the operator's list first, then chinese-calendar.

chinese-calendar only knows the years published when it was released (1.11: up to 2026); for any later
year every weekday would count as a working day. The operator can list a year's holidays in
`hours.yaml`, under `calendar:`; a year listed there replaces the library's data for that year::

    calendar:
      2027:
        holidays: [2027-01-01, 2027-02-05..2027-02-11]   # single dates or first..last ranges
        workdays: [2027-02-14]                            # make-up working days on a weekend

`HolidayCalendar.gap` says when neither knows the days ahead, so `kb check` and the start-up can warn.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of

log = logging.getLogger(__name__)

COVER_DAYS = 60  # how far ahead a calendar must reach before `kb check` and the start-up warn
CALENDAR_KEYS = ("holidays", "workdays")
OPERATOR_HOLIDAY = "public holiday (hours.yaml)"


@lru_cache(maxsize=64)
def library_knows(year: int) -> bool:
    """Whether the installed chinese-calendar has data for `year`."""
    import chinese_calendar

    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8)
def _warn_unknown_year(year: int) -> None:
    log.warning(
        "no holiday calendar for %s (chinese-calendar does not know it and hours.yaml lists none): "
        "Monday to Friday count as working days, no public holidays",
        year,
    )


@dataclass(frozen=True)
class HolidayCalendar:
    """Which days are mainland public holidays and which weekend days are worked; the operator's years win."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()  # the years the operator listed (replacing the library's)

    def covers(self, day: dt.date) -> bool:
        """Whether some calendar (the operator's or the library's) knows `day`'s year."""
        return day.year in self.years or library_knows(day.year)

    def public_holiday(self, day: dt.date) -> str | None:
        """The name of the public holiday `day` belongs to, or None (also for a year nobody knows)."""
        if day.year in self.years:
            return OPERATOR_HOLIDAY if day in self.holidays else None
        if not library_knows(day.year):
            _warn_unknown_year(day.year)
            return None
        import chinese_calendar

        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return str(name) if on_holiday and name else None

    def is_working_day(self, day: dt.date) -> bool:
        """A mainland working day: Monday to Friday except public holidays, plus make-up working days."""
        if day.year in self.years:
            if day in self.workdays:
                return True
            return day.weekday() < 5 and day not in self.holidays
        if not library_knows(day.year):
            _warn_unknown_year(day.year)
            return day.weekday() < 5
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))

    def is_makeup_day(self, day: dt.date) -> bool:
        """A weekend day the mainland works (调休)."""
        return day.weekday() >= 5 and self.is_working_day(day)

    def gap(self, today: dt.date, days: int = COVER_DAYS) -> tuple[dt.date, dt.date] | None:
        """The first and last day in the `days` from `today` on that no calendar covers, or None."""
        uncovered = [d for d in (today + dt.timedelta(days=n) for n in range(days)) if not self.covers(d)]
        return (uncovered[0], uncovered[-1]) if uncovered else None

    def warning(self, today: dt.date, days: int = COVER_DAYS) -> str | None:
        """What to tell the operator when the next `days` are not all covered, or None."""
        gap = self.gap(today, days)
        if gap is None:
            return None
        first, last = gap
        years = sorted({first.year, last.year})
        listed = ", ".join(map(str, years))
        return (
            f"no holiday calendar covers {first} to {last}: chinese-calendar does not know {listed} yet and "
            f"hours.yaml does not list it, so public holidays there count as working days "
            f"(add {listed} under calendar: in hours.yaml, or update chinese-calendar)"
        )


LIBRARY_CALENDAR = HolidayCalendar()


def parse_day(value: Any) -> dt.date | None:
    """A calendar date from YAML (a date, or an ISO string); None for anything else, datetimes included."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _days(value: Any) -> list[dt.date] | None:
    """A date, or a "first..last" range of dates; None when it is neither."""
    if isinstance(value, str) and ".." in value:
        first, _, last = value.partition("..")
        start, end = parse_day(first), parse_day(last)
        if start is None or end is None or end < start or (end - start).days > 31:
            return None
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    day = parse_day(value)
    return None if day is None else [day]


def parse_calendar(path: Any, raw: Any, fallback_line: int | None) -> tuple[HolidayCalendar, list[KnowledgeError]]:
    """Validate the `calendar:` mapping of hours.yaml; every problem with its line."""
    errors: list[KnowledgeError] = []

    def problem(line: int | None, message: str) -> None:
        errors.append(KnowledgeError(path, line or fallback_line, message))

    if raw is None:
        return LIBRARY_CALENDAR, []
    if not isinstance(raw, dict):
        problem(line_of(raw), "calendar must map years to holidays and workdays, e.g. {2027: {holidays: [2027-01-01], workdays: []}}")
        return LIBRARY_CALENDAR, errors
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    years: set[int] = set()
    for year, entry in raw.items():
        if year == LINE_KEY:
            continue
        line = key_line(raw, year)
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2200:
            problem(line, f"calendar: {year!r} is not a year such as 2027")
            continue
        if not isinstance(entry, dict):
            problem(line, f"calendar {year} must have holidays: [...] and optionally workdays: [...]")
            continue
        for key in entry:
            if key != LINE_KEY and key not in CALENDAR_KEYS:
                problem(key_line(entry, key), f"calendar {year} has unknown key {key!r} (use holidays, workdays)")
        if "holidays" not in entry:
            problem(line, f"calendar {year} has no holidays: list the year's public holidays")
        found: dict[str, set[dt.date]] = {}
        for key in CALENDAR_KEYS:
            values = entry.get(key, [])
            key_at = key_line(entry, key) or line
            if not isinstance(values, list):
                problem(key_at, f"calendar {year} {key} must be a list of dates such as [{year}-10-01..{year}-10-07]")
                continue
            days: set[dt.date] = set()
            for value in values:
                parsed = _days(value)
                if parsed is None:
                    problem(key_at, f"calendar {year} {key}: {value!r} is not a date such as {year}-10-01 or a range such as {year}-10-01..{year}-10-07")
                    continue
                outside = [d for d in parsed if d.year != year]
                if outside:
                    problem(key_at, f"calendar {year} {key}: {outside[0]} is not in {year}")
                    continue
                days.update(parsed)
            found[key] = days
        both = sorted(found.get("holidays", set()) & found.get("workdays", set()))
        if both:
            problem(key_line(entry, "workdays") or line, f"calendar {year}: {both[0]} is both a holiday and a working day")
        weekday_workdays = sorted(d for d in found.get("workdays", set()) if d.weekday() < 5)
        if weekday_workdays:
            problem(
                key_line(entry, "workdays") or line,
                f"calendar {year} workdays: {weekday_workdays[0]} is a weekday (list only weekend days that are worked)",
            )
        holidays |= found.get("holidays", set())
        workdays |= found.get("workdays", set())
        years.add(year)
    if errors:
        return LIBRARY_CALENDAR, errors
    return HolidayCalendar(frozenset(holidays), frozenset(workdays), frozenset(years)), []
