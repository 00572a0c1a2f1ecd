"""What the customer is told about the wait: measured from recent hand-offs, never a constant.

The estimate is the median staffed time (office hours only: a hand-off at 20:55 taken at 09:05 the
next morning waited ten minutes of working time, not twelve hours) between a hand-off and a person
taking it, over the last `SAMPLE` hand-offs taken within `WINDOW`. With fewer than `MIN_SAMPLES`
measurements there is no honest number, and the customer hears "usually within a few minutes".
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence

from bot.engine.messages import MONTH_NAMES_EN, WEEKDAY_NAMES, say
from bot.knowledge.hours import OfficeHours
from bot.settings import Language

WINDOW = dt.timedelta(days=7)
SAMPLE = 30
MIN_SAMPLES = 3
_NICE_MINUTES = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90)


def estimate(waits: Sequence[tuple[dt.datetime, dt.datetime]], hours: OfficeHours) -> float | None:
    """Median staffed seconds from hand-off to a person, or None without enough data."""
    seconds = [hours.staffed_seconds(created, taken) for created, taken in waits if created and taken]
    if len(seconds) < MIN_SAMPLES:
        return None
    return statistics.median(seconds)


def wait_line(seconds: float | None, language: Language) -> str:
    """"Recently people have waited about 10 minutes", rounded up to a plain number; the no-data line otherwise."""
    if seconds is None:
        return say("handoff.wait.unknown", language)
    minutes = max(1.0, seconds / 60)
    if minutes <= _NICE_MINUTES[-1]:
        nice = next(n for n in _NICE_MINUTES if n >= minutes - 1e-9)
        if nice < 90:
            return say("handoff.wait.minutes", language, minutes=nice)
    return say("handoff.wait.hours", language, hours=max(2, math.ceil(minutes / 60)))


def format_when(at: dt.datetime, now: dt.datetime, language: Language, zone: dt.tzinfo) -> str:
    """A moment in the customer's words: "today at 09:00", "明天 09:00", "Mon 1 Dec at 09:00"."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    time = f"{local:%H:%M}"
    if local.date() == today:
        return say("when.today", language, time=time)
    if local.date() == today + dt.timedelta(days=1):
        return say("when.tomorrow", language, time=time)
    weekday = WEEKDAY_NAMES[language][local.weekday()]
    month = MONTH_NAMES_EN[local.month - 1] if language == "en" else local.month
    return say("when.date", language, month=month, day=local.day, weekday=weekday, time=time)


def agent_time(at: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo) -> str:
    """A moment for agents: "14:05" today, "11-30 14:05" otherwise, "-" for none."""
    if at is None:
        return "-"
    local = at.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{local:%m-%d %H:%M}"


def duration(seconds: float) -> str:
    """A short duration for agents: 45s, 12m, 3h05m, 2d4h."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"
