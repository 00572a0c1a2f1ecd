"""When people answer hand-offs: `knowledge/hours.yaml`, the agents' weekly schedule, holidays included.

The file is optional. Without it the team counts as **always staffed**: the bot cannot know a team's
hours, and promising "we will call you back tomorrow" to a team that works nights would be worse than
promising a quick answer to one that does not (add the file to say otherwise). With it::

    timezone: Asia/Shanghai        # optional, default TIMEZONE
    region: CN                     # optional: CN applies mainland public holidays and make-up working
                                   # days (调休) from chinese-calendar; leave it out elsewhere
    hours:                         # mon..sun, mon-fri, sat-sun, daily, holidays
      mon-fri: "09:00-21:00"       # "09:00-12:00, 13:00-18:00" or closed
      sat-sun: "10:00-18:00"
      holidays: "10:00-18:00"      # public holidays (region CN); default: the weekday's hours
    closed_on: [2026-12-31]        # optional: extra closed dates
    open_on:                       # optional: special hours on given dates (wins over everything)
      2026-12-24: "09:00-15:00"
    calendar:                      # optional: a year's public holidays and make-up working days, for
      2027:                        # years chinese-calendar does not know (a year listed here wins;
        holidays: [2027-01-01, 2027-10-01..2027-10-07]   # these dates only show the format)
        workdays: [2027-09-26]

A make-up working day (a weekend day the mainland works, region CN) has Monday's hours. Every problem
is reported as file:line: message, like the FAQ files, and loading fails (`KnowledgeErrors`).
`OfficeHours.calendar_warning(today)` says when no calendar covers the next 60 days (see holidays.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.catalog import DAY_KEYS, Span, parse_spans
from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.holidays import (
    COVER_DAYS,
    LIBRARY_CALENDAR,
    HolidayCalendar,
    parse_calendar,
    parse_day,
)
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of, read_yaml

log = logging.getLogger(__name__)

HOURS_FILE = "hours.yaml"
TOP_KEYS = {"timezone", "region", "hours", "closed_on", "open_on", "calendar"}
REGIONS = ("CN",)
DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (index,) for index, name in enumerate(DAY_KEYS)},
    "mon-fri": (0, 1, 2, 3, 4),
    "sat-sun": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
}
HOLIDAYS = "holidays"
_SEARCH_DAYS = 400  # how far ahead an opening is looked for


@dataclass(frozen=True)
class OfficeHours:
    """The agents' schedule; `weekly is None` means always staffed."""

    timezone: str = "Asia/Shanghai"
    weekly: tuple[tuple[Span, ...], ...] | None = None  # index 0 = Monday
    holidays: tuple[Span, ...] | None = None
    region: str | None = None
    closed_on: frozenset[dt.date] = frozenset()
    open_on: dict[dt.date, tuple[Span, ...]] = field(default_factory=dict)
    source: Path | None = None
    calendar: HolidayCalendar = LIBRARY_CALENDAR  # mainland holidays: the operator's years, then chinese-calendar

    @property
    def always(self) -> bool:
        """Always staffed (no hours.yaml)."""
        return self.weekly is None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.zone)

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        """When people work on `day` (local date)."""
        if self.weekly is None:
            return ((dt.time(0, 0), dt.time(23, 59)),)
        if day in self.open_on:
            return self.open_on[day]
        if day in self.closed_on:
            return ()
        if self.region == "CN":
            if self.calendar.public_holiday(day):
                return self.holidays if self.holidays is not None else self.weekly[day.weekday()]
            if self.calendar.is_makeup_day(day):
                return self.weekly[0]
        return self.weekly[day.weekday()]

    def calendar_warning(self, today: dt.date, *, centres_in_mainland: bool = False, days: int = COVER_DAYS) -> str | None:
        """A warning when mainland holidays matter (region CN hours, or mainland service centres) and no
        calendar covers the `days` from `today` (a local date); None when all is known."""
        if not centres_in_mainland and (self.always or self.region != "CN"):
            return None
        return self.calendar.warning(today, days)

    def _intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        zone = self.zone
        out = []
        for start, end in self.spans_on(day):
            begin = dt.datetime.combine(day, start, tzinfo=zone)
            # "24:00" is stored as 23:59: the span runs to midnight.
            finish = (
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
                if end == dt.time(23, 59)
                else dt.datetime.combine(day, end, tzinfo=zone)
            )
            out.append((begin, finish))
        return out

    def _from(self, at: dt.datetime) -> Any:
        """Staffed intervals from `at` on, clipped to start no earlier than `at`."""
        local = self.local(at)
        day = local.date() - dt.timedelta(days=1)  # a span may run past midnight of the previous day
        for offset in range(_SEARCH_DAYS):
            for begin, finish in self._intervals(day + dt.timedelta(days=offset)):
                if finish > local:
                    yield max(begin, local), finish

    def is_open(self, at: dt.datetime) -> bool:
        """Whether people are at work at `at`."""
        if self.always:
            return True
        local = self.local(at)
        return any(begin <= local < finish for begin, finish in self._intervals(local.date()))

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """`at` when open, else the next time people start work (None: never within a year)."""
        if self.always:
            return at
        for begin, _ in self._from(at):
            return begin.astimezone(dt.UTC)
        return None

    def add_staffed(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment `minutes` of staffed time have passed after `start` (the service-level due time)."""
        if self.always:
            return start + dt.timedelta(minutes=minutes)
        remaining = dt.timedelta(minutes=minutes)
        for begin, finish in self._from(start):
            if finish - begin >= remaining:
                return (begin + remaining).astimezone(dt.UTC)
            remaining -= finish - begin
        return start + dt.timedelta(minutes=minutes)  # pragma: no cover - a schedule open at least once a year

    def staffed_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Seconds of staffed time in [start, end): a wait across a night counts only its working part."""
        if end <= start:
            return 0.0
        if self.always:
            return (end - start).total_seconds()
        total = 0.0
        local_end = self.local(end)
        for begin, finish in self._from(start):
            if begin >= local_end:
                break
            total += (min(finish, local_end) - begin).total_seconds()
        return total


ALWAYS_STAFFED = OfficeHours()


def load_hours(directory: Path | str, default_timezone: str = "Asia/Shanghai") -> OfficeHours:
    """Read `hours.yaml` from a knowledge directory; always staffed when there is none."""
    path = Path(directory) / HOURS_FILE
    if not path.exists():
        return OfficeHours(timezone=default_timezone)
    document, errors = read_yaml(path)
    if errors:
        raise KnowledgeErrors(errors)
    hours, errors = parse_hours(path, document, default_timezone)
    if errors or hours is None:
        raise KnowledgeErrors(errors)
    return hours


def parse_hours(path: Path, document: Any, default_timezone: str = "Asia/Shanghai") -> tuple[OfficeHours | None, list[KnowledgeError]]:
    """Validate a parsed hours.yaml; every problem with its line."""
    errors: list[KnowledgeError] = []

    def problem(line: int | None, message: str) -> None:
        errors.append(KnowledgeError(path, line, message))

    if not isinstance(document, dict):
        problem(None, "must be a mapping with hours: (and optionally timezone, region, closed_on, open_on)")
        return None, errors
    top = line_of(document)
    for key in document:
        if key != LINE_KEY and key not in TOP_KEYS:
            problem(top, f"unknown key {key!r} (use {', '.join(sorted(TOP_KEYS))})")

    timezone = document.get("timezone", default_timezone)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        problem(top, f"unknown timezone {timezone!r} (use an IANA name such as Asia/Shanghai)")
        timezone = default_timezone

    region = document.get("region")
    if region is not None and region not in REGIONS:
        problem(top, f"region must be CN (mainland public holidays) or left out (got {region!r})")
        region = None

    raw_hours = document.get("hours")
    weekly: list[tuple[Span, ...] | None] = [None] * 7
    holidays: tuple[Span, ...] | None = None
    if not isinstance(raw_hours, dict):
        problem(top, 'hours must be a mapping such as {mon-fri: "09:00-18:00", sat-sun: closed}')
    else:
        line = line_of(raw_hours)
        for key, value in raw_hours.items():
            if key == LINE_KEY:
                continue
            if key != HOLIDAYS and key not in DAY_GROUPS:
                problem(line, f"hours has unknown key {key!r} (use mon..sun, mon-fri, sat-sun, daily, holidays)")
                continue
            spans, message = parse_spans(value)
            if message or spans is None:
                problem(line, f"hours {key}: {message}")
                continue
            if key == HOLIDAYS:
                holidays = spans
                continue
            for day in DAY_GROUPS[key]:
                if weekly[day] is not None:
                    problem(line, f"hours gives {DAY_KEYS[day]} twice")
                weekly[day] = spans
        missing = [DAY_KEYS[i] for i, spans in enumerate(weekly) if spans is None]
        if missing and not any(e.message.startswith("hours ") for e in errors):
            problem(line, f"hours does not say when people work on {', '.join(missing)} (write closed for days off)")
        elif not missing and not any(weekly):
            problem(line, "hours are closed every day: nobody would ever answer (remove hours.yaml for always staffed)")

    closed: set[dt.date] = set()
    raw_closed = document.get("closed_on", [])
    if not isinstance(raw_closed, list):
        problem(top, "closed_on must be a list of dates such as [2026-12-31]")
    else:
        for value in raw_closed:
            day = parse_day(value)
            if day is None:
                problem(top, f"closed_on: {value!r} is not a date such as 2026-12-31")
            else:
                closed.add(day)

    special: dict[dt.date, tuple[Span, ...]] = {}
    raw_open = document.get("open_on", {})
    if not isinstance(raw_open, dict):
        problem(top, 'open_on must be a mapping such as {2026-12-24: "09:00-15:00"}')
    else:
        line = line_of(raw_open) or top
        for key, value in raw_open.items():
            if key == LINE_KEY:
                continue
            day = parse_day(key)
            if day is None:
                problem(line, f"open_on: {key!r} is not a date such as 2026-12-24")
                continue
            spans, message = parse_spans(value)
            if message or spans is None:
                problem(line, f"open_on {day}: {message}")
                continue
            special[day] = spans

    calendar, calendar_errors = parse_calendar(path, document.get("calendar"), key_line(document, "calendar") or top)
    errors += calendar_errors

    if errors:
        return None, errors
    return (
        OfficeHours(
            timezone=str(timezone),
            weekly=tuple(s or () for s in weekly),
            holidays=holidays,
            region=region,
            closed_on=frozenset(closed),
            open_on=special,
            source=path,
            calendar=calendar,
        ),
        [],
    )
