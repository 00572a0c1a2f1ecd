"""Geometry of the dashboard's charts, for server-rendered inline SVG (no JavaScript, no chart library).

Only numbers and the texts to show come out of here; the templates (bot/web/templates/dashboard/)
draw them with autoescaping on, so a label a customer or an agent wrote is never markup.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.reports.heatmap import Heatmap
from bot.reports.outcomes import OUTCOMES, Outcome, shares_in_tenths

LEVELS = 5  # heatmap colour steps besides "none"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label on a line of its own above it (any length, any script, never
    cut), its length, and its figure to its right."""

    label: str
    y: float  # top of the row: the label's line, then the bar
    width: float
    text: str
    value: float


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_space: int  # the longest bar's length
    row: int

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(items: Sequence[tuple[str, float, str]], *, top: float | None = None, width: int = 560, row: int = 38) -> BarChart:
    """Bars for (label, value, figure shown) rows: `top` (default the largest value) fills the space, so
    shares pass top=1.0 and a 50% bar is half the width. A value above zero always shows a sliver."""
    space = width - 210  # room on the right for a figure such as "100.0% · mean 4.50 · n = 1234"
    if top is None:
        top = max((value for _, value, _ in items), default=0)
    bars = tuple(
        Bar(label, index * row, (max(2.0, min(1.0, value / top) * space) if value > 0 else 0.0) if top else 0.0, text, value)
        for index, (label, value, text) in enumerate(items)
    )
    return BarChart(bars, width, max(row, len(bars) * row), space, row)


@dataclass(frozen=True)
class Segment:
    outcome: Outcome
    x: int  # in thousandths of the width (the chart's viewBox is 1000 wide)
    width: int  # in thousandths: the share in tenths of a percent
    percent: str  # "33.4"
    count: int


def outcome_segments(counts: Mapping[Outcome, int]) -> tuple[Segment, ...]:
    """The 100% bar of outcomes: segments side by side, widths from the rounded shares (sum 100)."""
    tenths = shares_in_tenths(counts)
    x = 0
    segments = []
    for outcome in OUTCOMES:
        width = tenths[outcome]
        segments.append(Segment(outcome, x, width, f"{tenths[outcome] // 10}.{tenths[outcome] % 10}", counts.get(outcome, 0)))
        x += width
    return tuple(segments)


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    count: int
    level: int  # 0 (none) .. LEVELS (the busiest)
    weekday: int
    hour: int


@dataclass(frozen=True)
class HeatGrid:
    cells: tuple[Cell, ...]
    width: int
    height: int
    cell: int
    left: int
    top: int


def heat_grid(heatmap: Heatmap, *, cell: int = 30, left: int = 44, top: int = 18) -> HeatGrid:
    """7 rows (Monday first) of 24 hours; a cell's level grows with its count, the busiest at LEVELS."""
    peak = heatmap.peak
    cells = tuple(
        Cell(
            left + hour * cell,
            top + weekday * cell,
            count,
            math.ceil(count / peak * LEVELS) if peak and count else 0,
            weekday,
            hour,
        )
        for weekday, row in enumerate(heatmap.cells)
        for hour, count in enumerate(row)
    )
    return HeatGrid(cells, left + 24 * cell + 4, top + 7 * cell + 4, cell, left, top)


def duration(seconds: float | None) -> str:
    """A duration for supervisors: 45s, 12m 05s, 3h 05m, 2d 4h; "-" for none."""
    if seconds is None:
        return "-"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
