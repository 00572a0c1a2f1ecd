"""First-response time and service levels of hand-offs, measured only on what people wrote.

The first response of a hand-off is the first message a person wrote to the customer while the
hand-off was open (an agent's reply in Telegram or the console; the bot's lines, "a person will be
with you", taking the conversation without writing, never count: Chatwoot PR #6409). It is measured
from the moment the hand-off was opened, in two ways:

* wall clock: seconds on the clock, nights and weekends included (what the customer lived);
* staffed: only the seconds within office hours (`knowledge/hours.yaml`; the same as wall clock when
  there is no such file), what the team can be held to.

A hand-off's service level is its first-answer deadline: opened + HANDOFF_SLA_MINUTES (URGENT:
HANDOFF_URGENT_SLA_MINUTES) of staffed time, recomputed with the hand-off's priority as stored (a
priority only ever goes up while waiting: the stricter deadline applies). It is

* met: the first response came by the deadline;
* breached: the first response came after it, or there was none and the deadline has passed (still
  waiting, or closed / given back / cancelled later than the deadline without a word from a person);
* pending: no response yet and the deadline is still ahead;
* none: ended before its deadline without a person writing (the customer went back to the bot).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.reports.figures import Spread


class Sla(StrEnum):
    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"
    NONE = "none"


class Hours(Protocol):
    """What is needed of office hours (`bot.knowledge.hours.OfficeHours`)."""

    def staffed_seconds(self, start: dt.datetime, end: dt.datetime) -> float: ...


class HandoffFacts(Protocol):
    """What is needed of a hand-off (`bot.storage.reports.HandoffRow`)."""

    created_at: dt.datetime
    resolved_at: dt.datetime | None
    first_response_at: dt.datetime | None
    priority: int


Deadline = Callable[[dt.datetime, int], dt.datetime]
"""When the first answer to a hand-off opened at (time, priority) is due (`HandoffCore.due`)."""


def sla(facts: HandoffFacts, due: dt.datetime, now: dt.datetime) -> Sla:
    """The service level of one hand-off, as of `now`."""
    if facts.first_response_at is not None:
        return Sla.MET if facts.first_response_at <= due else Sla.BREACHED
    ended = facts.resolved_at or now
    if ended > due:
        return Sla.BREACHED
    return Sla.PENDING if facts.resolved_at is None else Sla.NONE


def wall_seconds(facts: HandoffFacts) -> float | None:
    if facts.first_response_at is None:
        return None
    return max(0.0, (facts.first_response_at - facts.created_at).total_seconds())


def staffed_seconds(facts: HandoffFacts, hours: Hours) -> float | None:
    if facts.first_response_at is None:
        return None
    return hours.staffed_seconds(facts.created_at, facts.first_response_at)


@dataclass(frozen=True)
class ResponseFigures:
    """First-response times and service levels of the period's hand-offs."""

    handoffs: int
    wall: Spread  # over the hand-offs a person answered (n = how many)
    staffed: Spread
    sla: dict[Sla, int]

    @property
    def sla_met_share(self) -> float | None:
        """Met / (met + breached): pending and ended-without-answer hand-offs are not judged yet."""
        judged = self.sla[Sla.MET] + self.sla[Sla.BREACHED]
        return self.sla[Sla.MET] / judged if judged else None


def response_figures(rows: Iterable[HandoffFacts], hours: Hours, deadline: Deadline, now: dt.datetime) -> ResponseFigures:
    """Median and p90 first response (wall clock and staffed) and the service-level counts."""
    wall: list[float] = []
    staffed: list[float] = []
    levels = {level: 0 for level in Sla}
    count = 0
    for row in rows:
        count += 1
        levels[sla(row, deadline(row.created_at, row.priority), now)] += 1
        seconds = wall_seconds(row)
        if seconds is not None:
            wall.append(seconds)
            staffed.append(staffed_seconds(row, hours) or 0.0)
    return ResponseFigures(count, Spread.of(wall), Spread.of(staffed), levels)
