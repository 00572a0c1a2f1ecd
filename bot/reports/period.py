"""The period a supervisor looks at: whole days in the operator's time zone, turned into UTC bounds.

Dates come from the page's query string and are never trusted: unreadable dates give the default (the
last 7 days up to today), a reversed range is put right, and a range longer than `MAX_DAYS` is cut to
its last `MAX_DAYS` days, so no request can make the database read years of messages. Dates are kept
between `EARLIEST` and a year after today: near year 1 or 9999 the day arithmetic and the time zone
conversion would step outside what `datetime` can hold (an OverflowError, a 500).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DAYS = 7
MAX_DAYS = 92
EARLIEST = dt.date(1970, 1, 1)  # before the bot could have had a conversation; far from date.min
LATEST_AHEAD = dt.timedelta(days=366)  # how far past today a period may reach; far from date.max


@dataclass(frozen=True)
class Period:
    """Days `first` to `last` (both included, local dates in `zone`), optionally one channel."""

    first: dt.date
    last: dt.date
    zone: dt.tzinfo
    channel: str | None = None

    @property
    def start(self) -> dt.datetime:
        """Local midnight starting `first`, in UTC (what the database compares with)."""
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> dt.datetime:
        """Local midnight after `last`, in UTC: the period is [start, end)."""
        return _midnight(self.last + dt.timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).astimezone(dt.UTC)


def default_period(now: dt.datetime, zone: dt.tzinfo, channel: str | None = None) -> Period:
    """The last `DEFAULT_DAYS` days, today (in `zone`) included."""
    today = now.astimezone(zone).date()
    return Period(today - dt.timedelta(days=DEFAULT_DAYS - 1), today, zone, channel)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def _within(day: dt.date | None, latest: dt.date) -> dt.date | None:
    return None if day is None else min(max(day, EARLIEST), latest)


def parse_period(query: Mapping[str, str], now: dt.datetime, zone: dt.tzinfo, channels: frozenset[str] | set[str]) -> Period:
    """The period a page's query asks for (`from`, `to` as YYYY-MM-DD, `channel`), made safe.

    A channel not in `channels` means all channels (a typo shows everything rather than nothing).
    """
    default = default_period(now, zone)
    latest = default.last + LATEST_AHEAD
    first, last = (_within(_date(query.get(name)), latest) for name in ("from", "to"))
    if first is None and last is None:
        first, last = default.first, default.last
    elif first is None:
        first = last - dt.timedelta(days=DEFAULT_DAYS - 1)  # type: ignore[operator]
    elif last is None:
        last = min(first + dt.timedelta(days=DEFAULT_DAYS - 1), default.last)
    assert first is not None and last is not None
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    channel = query.get("channel") or None
    return Period(first, last, zone, channel if channel in channels else None)
