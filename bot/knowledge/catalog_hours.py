"""Opening hours of a service centre as written in service_centers.yaml (also read by hours.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.knowledge.catalog_model import Span
from bot.knowledge.yamlfile import LINE_KEY

_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (index,) for index, name in enumerate(DAY_KEYS)},
    "mon-fri": (0, 1, 2, 3, 4),
    "sat-sun": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
}
HOLIDAYS_KEY = "holidays"


def parse_spans(value: Any) -> tuple[tuple[Span, ...] | None, str | None]:
    """ "09:00-12:00, 13:00-18:00" -> spans; "closed" -> (); anything else -> an error message."""
    if isinstance(value, str) and value.strip().lower() == "closed":
        return (), None
    if not isinstance(value, str) or not value.strip():
        return None, f'opening hours must look like "09:00-21:00" or "09:00-12:00, 13:00-18:00" or closed (got {value!r})'
    spans: list[Span] = []
    for part in value.split(","):
        match = _TIME_RANGE.match(part)
        if not match:
            return None, f'opening hours must look like "09:00-21:00" (got {part.strip()!r})'
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and 0 <= h2 <= 24 and 0 <= m2 <= 59) or (h2, m2) > (24, 0):
            return None, f"{part.strip()!r} is not a time of day"
        start = dt.time(h1, m1)
        end = dt.time(23, 59) if h2 == 24 else dt.time(h2, m2)
        if end <= start:
            return None, f"{part.strip()!r} closes before it opens"
        if spans and start < spans[-1][1]:
            return None, f"{part.strip()!r} overlaps the range before it"
        spans.append((start, end))
    return tuple(spans), None


def read_opening_hours(value: Any, problems: list[str]) -> tuple[tuple[tuple[Span, ...], ...], tuple[Span, ...] | None]:
    if not isinstance(value, dict):
        problems.append('hours must be a mapping such as {daily: "09:00-21:00", holidays: "10:00-18:00"}')
        return (), None
    weekly: list[tuple[Span, ...] | None] = [None] * 7
    holidays: tuple[Span, ...] | None = None
    allowed = {*_DAY_GROUPS, HOLIDAYS_KEY}
    for key, raw in value.items():
        if key == LINE_KEY:
            continue
        if key not in allowed:
            problems.append(f"hours has unknown key {key!r} (use mon..sun, mon-fri, sat-sun, daily, holidays)")
            continue
        spans, problem = parse_spans(raw)
        if problem:
            problems.append(f"hours {key}: {problem}")
            continue
        if key == HOLIDAYS_KEY:
            holidays = spans
            continue
        for day in _DAY_GROUPS[key]:
            if weekly[day] is not None:
                problems.append(f"hours gives {DAY_KEYS[day]} twice")
            weekly[day] = spans
    missing = [DAY_KEYS[i] for i, spans in enumerate(weekly) if spans is None]
    if missing:
        problems.append(f"hours does not say when the centre opens on {', '.join(missing)} (write closed for closed days)")
    return tuple(s or () for s in weekly), holidays
