"""Small statistics the dashboard needs, defined once so nobody reads them two ways.

* `percentile`: nearest rank (the value at rank ceil(p * n) of the sorted values): always a time
  somebody actually waited, never an interpolation between two people.
* `median`: the usual median (mean of the two middle values for an even count).
* CSAT: the share of scores 4 or 5 among all scores, and the mean score, always with the count `n`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

SATISFIED = 4  # a score of 4 or 5 out of 5 counts as satisfied

K = TypeVar("K")
R = TypeVar("R")


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile `p` (0 < p <= 1) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of some durations (seconds), with how many there were."""

    n: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), median(values), percentile(values, 0.9))


@dataclass
class Csat:
    """Satisfaction scores of one group: n, how many were 4-5, and their sum."""

    n: int = 0
    satisfied: int = 0
    total: int = 0
    scores: dict[int, int] = field(default_factory=dict)

    def add(self, score: int, count: int = 1) -> None:
        self.n += count
        self.total += score * count
        self.satisfied += count if score >= SATISFIED else 0
        self.scores[score] = self.scores.get(score, 0) + count

    @property
    def share(self) -> float | None:
        """Share of scores 4-5 (0..1); None without scores."""
        return self.satisfied / self.n if self.n else None

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


def csat_by(rows: Iterable[R], key: Callable[[R], K | None], score: Callable[[R], int], count: Callable[[R], int]) -> list[tuple[K, Csat]]:
    """Scores grouped by `key` (rows whose key is None are left out), largest group first."""
    groups: dict[K, Csat] = {}
    for row in rows:
        group = key(row)
        if group is None:
            continue
        groups.setdefault(group, Csat()).add(score(row), count(row))
    return sorted(groups.items(), key=lambda item: (-item[1].n, str(item[0])))
