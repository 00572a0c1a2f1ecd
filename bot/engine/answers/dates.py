"""Dates and times the way customers write them: "2025-03-01", "去年五月", "last March", "明天下午", "周六上午".

Chinese (both scripts, Traditional is converted first) goes to JioNLP's time parser, packaged alone as
`jionlp-time` (the full `jionlp` package installs 270 MB, 150 MB of it a word-segmentation model the time
parser never uses). English goes to `dateparser`, which reads almost none of the Chinese phrases but
the English ones well. Both are wrapped here so either can be swapped without touching the flow.

Everything works on naive local datetimes (the centre's or the operator's time zone); callers convert.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from bot.i18n.formats import month_names
from bot.nlu.normalize import to_simplified

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff]")
_ISO_LIKE = re.compile(r"\b\d{4}\s*[-/.年]\s*\d{1,2}")
_EXPLICIT_YEAR = re.compile(r"\d{2,4}\s*年|\d{4}|[今去前明后後]年|年前|\byears?\b|\blast\s+year\b", re.IGNORECASE)
# Full English month names, lower case, for reading "last March" (Babel's, like every month name).
_MONTHS = tuple(name.lower() for name in month_names("en", "wide"))
_LAST_MONTH_NAME = re.compile(r"\blast\s+(" + "|".join(m[:3] + r"[a-z]*" for m in _MONTHS) + r")\b", re.IGNORECASE)
_ENGLISH_TIME = re.compile(r"\d\s*(?:am|pm|a\.m\.|p\.m\.|o'?clock)\b|\d:\d\d|\bnoon\b|\bmidday\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"[周週]|星期|礼拜|禮拜|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_LAST_WEEK = re.compile(r"上[周週个個]|上星期|上礼拜|上禮拜|\blast\b|\bago\b", re.IGNORECASE)
_ENGLISH_PARTS: dict[str, tuple[int, int]] = {  # part of day -> [start hour, end hour)
    "morning": (7, 12),
    "afternoon": (12, 18),
    "evening": (18, 24),
    "tonight": (18, 24),
    "night": (18, 24),
}
OLDEST_PURCHASE_YEAR = 1990
# Numbers no calendar or clock has ("13月", "2025-13-01", "25点", "10:75", "15pm"): the parsers would
# quietly read them as something else (13 January, 5 o'clock), so such an answer is refused instead.
_NUMBERED = (
    (re.compile(r"(\d{1,3})\s*月"), 1, 12),
    (re.compile(r"(\d{1,3})\s*[日号號]"), 1, 31),
    (re.compile(r"(\d{1,3})\s*[点點时時]"), 0, 24),
    (re.compile(r"(\d{1,3})\s*(?:am|pm|a\.m\.|p\.m\.)", re.IGNORECASE), 1, 12),
)
_ISO_DATE = re.compile(r"\d{4}\s*[-/.]\s*(\d{1,3})(?:\s*[-/.]\s*(\d{1,3}))?")
_CLOCK = re.compile(r"(\d{1,3})\s*[:：]\s*(\d{2,3})")


def impossible_numbers(text: str) -> bool:
    """True when the text names a month, day, hour or minute that does not exist (see `_NUMBERED`)."""
    for pattern, low, high in _NUMBERED:
        if any(not low <= int(m.group(1)) <= high for m in pattern.finditer(text)):
            return True
    for m in _ISO_DATE.finditer(text):
        if not 1 <= int(m.group(1)) <= 12 or (m.group(2) and not 1 <= int(m.group(2)) <= 31):
            return True
    return any(int(m.group(1)) > 24 or int(m.group(2)) > 59 for m in _CLOCK.finditer(text))

PurchaseProblem = Literal["unparsed", "future", "too_old"]


@dataclass(frozen=True)
class DateSpan:
    """A purchase date as precisely as the customer said it: one day, or a range ("去年五月")."""

    first: dt.date
    last: dt.date

    @property
    def exact(self) -> bool:
        return self.first == self.last


@dataclass(frozen=True)
class When:
    """A wished-for time: a day (or range of days) and, when the customer said one, a time of day."""

    start: dt.datetime
    end: dt.datetime  # inclusive
    has_time: bool


def _clean(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).strip()


def _jionlp(text: str, base: dt.datetime) -> tuple[dt.datetime, dt.datetime, str] | None:
    """(start, end, definition) of a point or span JioNLP reads in the text, else None."""
    from jionlp_time import (
        parse_time,  # imported lazily: it is only needed once a date is asked for
    )

    try:
        result: dict[str, Any] = parse_time(text, time_base=base)
    except Exception:  # noqa: BLE001 - the parser raises ValueError and friends on anything it cannot read
        return None
    if result.get("type") not in ("time_point", "time_span"):
        return None  # a duration ("三天") or a recurrence ("每天") is no date
    times = result.get("time")
    if not isinstance(times, list) or len(times) != 2:
        return None
    try:
        start, end = (dt.datetime.fromisoformat(t) for t in times)
    except (TypeError, ValueError):
        return None
    return start, end, str(result.get("definition", ""))


def _english(text: str, base: dt.datetime, prefer: str) -> tuple[dt.datetime, str] | None:
    """(datetime, period) dateparser reads in English text; period is day, week, month, quarter or year.

    One reader gives both the date and its period: `dateparser.parse` builds the same reader, reads the
    same text and keeps only the date, and a second read of the text for the period was about 40 % of
    what a date cost a booking message."""
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "RETURN_AS_TIMEZONE_AWARE": False}
    try:
        reader = DateDataParser(languages=["en"], settings=settings)
        data = reader.get_date_data(text)
        value, period = data.date_obj, data.period
        if value is None:  # a sentence around the date: "I bought it 2 weeks ago"
            found = search_dates(text, languages=["en"], settings=settings)
            if not found:
                return None
            phrase, value = found[0]
            period = reader.get_date_data(phrase).period
    except Exception:  # noqa: BLE001 - dateparser raises on odd input; odd input is simply not a date
        log.debug("dateparser failed on %r", text, exc_info=True)
        return None
    return value, str(period or "day")


def _period_span(value: dt.datetime, period: str) -> tuple[dt.date, dt.date]:
    day = value.date()
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if period == "quarter":  # "Q1 2025": dateparser gives a day in the quarter's last month
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, _month_end(day.year, first.month + 2)
    if period == "month":
        return day.replace(day=1), _month_end(day.year, day.month)
    if period == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    return day, day


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _last_month_name(text: str, today: dt.date) -> str:
    """dateparser cannot read "last March": make it "March 2026" (or 2025 when March is not yet past)."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(1).lower()
        month = next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(word[:3]))
        year = today.year if month < today.month else today.year - 1
        return f"{_MONTHS[month - 1]} {year}"

    return _LAST_MONTH_NAME.sub(replace, text)


def parse_purchase_date(text: str, today: dt.date) -> DateSpan | PurchaseProblem:
    """When the device was bought, or why that could not be read.

    A month or year without a year given means the latest one that is not in the future ("十二月"
    said in November is last December). A range reaching past today is cut at today.
    """
    cleaned = _clean(text)
    if not cleaned or (cleaned.isdigit() and len(cleaned) < 6) or impossible_numbers(cleaned):  # "12" is no date
        return "unparsed"
    base = dt.datetime.combine(today, dt.time(12, 0))
    first: dt.date | None = None
    last: dt.date | None = None
    if _CJK.search(cleaned) or _ISO_LIKE.search(cleaned):
        parsed = _jionlp(cleaned, base)
        if parsed is not None:
            first, last = parsed[0].date(), parsed[1].date()
    if first is None and not _CJK.search(cleaned):
        english = _english(_last_month_name(cleaned, today), base, "past")
        if english is not None:
            first, last = _period_span(*english)
    if first is None or last is None:
        return "unparsed"
    if first > today and not _EXPLICIT_YEAR.search(cleaned):
        first, last = _shift_year(first, -1), _shift_year(last, -1)
    if first > today:
        return "future"
    if first.year < OLDEST_PURCHASE_YEAR:
        return "too_old"
    return DateSpan(first, min(last, today))


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_when(text: str, base: dt.datetime) -> When | None:
    """A wished-for appointment time ("明天下午", "周六上午10点", "next Monday", "3pm"), relative to `base`.

    A weekday already past this week means the next one ("周三" said on Saturday is next Wednesday).
    """
    cleaned = _clean(text)
    if not cleaned or impossible_numbers(cleaned):
        return None
    if _CJK.search(cleaned) or _ISO_LIKE.search(cleaned) or re.fullmatch(r"\d{1,2}[:：]\d{2}", cleaned):
        parsed = _jionlp(cleaned, base)
        if parsed is None:
            return None
        start, end, _ = parsed
        has_time = not (start.time() == dt.time(0, 0) and end.time() >= dt.time(23, 59))
    else:
        english = _english(cleaned, base, "future")
        if english is None:
            return None
        value, period = english
        if period not in ("day", "time"):
            return None
        day = value.date()
        part = next(
            (hours for word, hours in _ENGLISH_PARTS.items() if re.search(rf"\b{word}\b", cleaned, re.IGNORECASE)), None
        )
        if _ENGLISH_TIME.search(cleaned):
            start = value.replace(minute=value.minute, second=0, microsecond=0)
            end = start + dt.timedelta(minutes=59, seconds=59)
            has_time = True
        elif part is not None:
            start = dt.datetime.combine(day, dt.time(part[0]))
            end = (
                dt.datetime.combine(day, dt.time(23, 59, 59))
                if part[1] == 24
                else dt.datetime.combine(day, dt.time(part[1] - 1, 59, 59))
            )
            has_time = True
        else:
            start, end, has_time = dt.datetime.combine(day, dt.time(0)), dt.datetime.combine(day, dt.time(23, 59, 59)), False
    explicit = _ISO_LIKE.search(cleaned) or re.search(r"\d\s*[月日号]|\d+\s*[/-]\s*\d+", cleaned)
    bare_weekday = _WEEKDAY.search(cleaned) and not _LAST_WEEK.search(cleaned)
    if bare_weekday and not explicit and start.date() < base.date() and end.date() < base.date() and (end.date() - start.date()).days < 1:
        # A weekday already past ("周三" on Saturday) is next week's; a date the customer wrote out, or a
        # day said as past ("昨天", "上周五", "yesterday"), is kept as said: the caller refuses a past day.
        start, end = start + dt.timedelta(days=7), end + dt.timedelta(days=7)
    return When(start=start, end=end, has_time=has_time)
