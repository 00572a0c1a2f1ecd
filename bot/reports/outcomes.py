"""One outcome per conversation-period, so the rates add up to exactly 100%.

A conversation-period is a conversation in which the customer wrote in the period (or for which a
hand-off was opened in it). Its outcome is decided in this order, first match wins:

1. handed off: people had the conversation in the period: a hand-off opened in it, still open in it,
   or rated in it (whatever the bot said before);
2. answered: the bot gave at least one FAQ answer, or a flow finished (repair booked, form submitted);
3. abandoned: neither (the bot did not understand, or the customer left in the middle of a flow).

Chatwoot counted bot resolutions and hand-offs separately and showed rates above 100% (PR #14032):
here every conversation-period is counted in exactly one of the three.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """How a conversation-period ended, from the bot's point of view."""

    ANSWERED = "answered"
    HANDED_OFF = "handed_off"
    ABANDONED = "abandoned"


OUTCOMES: tuple[Outcome, ...] = (Outcome.ANSWERED, Outcome.HANDED_OFF, Outcome.ABANDONED)


def classify(handed_off: bool, answered: bool) -> Outcome:
    """The one outcome of a conversation-period (hand-off wins over an answer)."""
    if handed_off:
        return Outcome.HANDED_OFF
    if answered:
        return Outcome.ANSWERED
    return Outcome.ABANDONED


def shares_in_tenths(counts: Mapping[Outcome, int]) -> dict[Outcome, int]:
    """Each outcome's share in tenths of a percent, summing to exactly 1000 (largest remainder), so
    the percentages shown (33.3 + 33.3 + 33.4) add to 100.0; all zero when there is nothing."""
    total = sum(counts.get(o, 0) for o in OUTCOMES)
    if total == 0:
        return {o: 0 for o in OUTCOMES}
    # Integer arithmetic: remainders compare exactly; ties go to the larger count, then the fixed order.
    tenths = {o: counts.get(o, 0) * 1000 // total for o in OUTCOMES}
    remainder = {o: counts.get(o, 0) * 1000 % total for o in OUTCOMES}
    left = 1000 - sum(tenths.values())
    for outcome in sorted(OUTCOMES, key=lambda o: (-remainder[o], -counts.get(o, 0), OUTCOMES.index(o)))[:left]:
        tenths[outcome] += 1
    return tenths


@dataclass(frozen=True)
class OutcomeTally:
    """Conversation-periods counted by outcome."""

    counts: Mapping[Outcome, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, outcome: Outcome) -> int:
        return self.counts.get(outcome, 0)

    def rate(self, outcome: Outcome) -> float | None:
        """The share of conversation-periods with this outcome (0..1); None when there are none."""
        return self.count(outcome) / self.total if self.total else None

    @property
    def deflection(self) -> float | None:
        """Answered by the bot / all conversation-periods: the share nobody had to handle."""
        return self.rate(Outcome.ANSWERED)

    def percent(self, outcome: Outcome) -> str:
        """The share as shown ("33.4"), rounded so the three add to 100.0; "-" when there are none."""
        if not self.total:
            return "-"
        tenths = shares_in_tenths(self.counts)[outcome]
        return f"{tenths // 10}.{tenths % 10}"


def tally(flags: Iterable[tuple[bool, bool, int]]) -> OutcomeTally:
    """Outcomes of groups of conversation-periods given as (handed off?, answered?, how many)."""
    counts = {o: 0 for o in OUTCOMES}
    for handed_off, answered, count in flags:
        counts[classify(handed_off, answered)] += count
    return OutcomeTally(counts)
