"""The bot's one source of "now".

Every timestamp the bot stores or compares (rows, service-level deadlines, booking slots, SMS retries)
comes from a `Clock` passed down from `build_runtime`, storage included, so a test or a replay can fix
the time for the whole bot at once and nothing depends on the day it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import overload

Clock = Callable[[], dt.datetime]
"""Returns the current time as an aware datetime (UTC by convention)."""


def system_clock() -> dt.datetime:
    """The real time, in UTC: the default clock of a running bot."""
    return dt.datetime.now(dt.UTC)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime in UTC; a naive one is taken as UTC already (SQLite hands back naive values)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def stored_time(value: object) -> dt.datetime | None:
    """A time kept as ISO text (conversation state, job payloads) read back in UTC; None when absent or
    unreadable (state written by an older release, or by hand)."""
    if not isinstance(value, str):
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        return None
