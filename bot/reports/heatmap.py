"""Busiest hours: customer messages by weekday and hour of day, in the operator's time zone.

The database counts messages per UTC quarter hour (`bot.storage.reports.inbound_quarter_hours`);
each quarter hour is placed here in the local weekday and hour it falls in, so the figures stay right
across daylight-saving changes and for time zones a half or quarter hour off UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Heatmap:
    """`cells[weekday][hour]`: messages in (Monday = 0), local time."""

    cells: tuple[tuple[int, ...], ...]

    @property
    def peak(self) -> int:
        return max((max(row) for row in self.cells), default=0)

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.cells)

    def busiest(self, top: int = 3) -> list[tuple[int, int, int]]:
        """The `top` busiest (weekday, hour, count), busiest first; empty hours left out."""
        found = [(day, hour, n) for day, row in enumerate(self.cells) for hour, n in enumerate(row) if n]
        return sorted(found, key=lambda cell: (-cell[2], cell[0], cell[1]))[:top]

    def by_hour(self) -> list[int]:
        """Messages by hour of day, all weekdays together."""
        return [sum(row[hour] for row in self.cells) for hour in range(24)]


def heatmap(buckets: Iterable[tuple[int, int]], zone: dt.tzinfo) -> Heatmap:
    """Place (UTC epoch seconds, count) buckets in the local weekday and hour."""
    grid = [[0] * 24 for _ in range(7)]
    for epoch, count in buckets:
        local = dt.datetime.fromtimestamp(epoch, dt.UTC).astimezone(zone)
        grid[local.weekday()][local.hour] += count
    return Heatmap(tuple(tuple(row) for row in grid))
