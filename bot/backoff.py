"""The bot's one back-off policy: how long to wait after the n-th failure before trying again.

Every retry loop (agent messages to customers, the agents' desk, SMS sending, the console's database
retries) takes a named `Backoff` from here, so the waits are read and changed in one place. A
`Backoff` is a table of delays: the n-th failure waits the n-th delay, and the last one repeats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after the 1st, 2nd, ... failure; past the table the last delay repeats."""

    delays: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.delays or any(d < 0 for d in self.delays):
            raise ValueError("a back-off needs at least one delay, none negative")

    @classmethod
    def doubling(cls, base: float, cap: float) -> Backoff:
        """base, 2 x base, 4 x base ... up to `cap` (exponential back-off as a table)."""
        delays = [base]
        while delays[-1] * 2 < cap:
            delays.append(delays[-1] * 2)
        if delays[-1] < cap:
            delays.append(cap)
        return cls(tuple(delays))

    def seconds(self, attempt: int) -> float:
        """The wait after `attempt` failures (0 or less counts as the first)."""
        return self.delays[min(max(attempt, 1), len(self.delays)) - 1]

    def after(self, attempt: int) -> dt.timedelta:
        """`seconds` as a timedelta, to add to a clock's "now"."""
        return dt.timedelta(seconds=self.seconds(attempt))


# An agent's message the customer's channel refused for now (rate limit, provider down).
AGENT_MESSAGE = Backoff((30, 60, 120, 300, 600, 1800))
# An event the agents' desk could not show (Telegram error other than flood control, which says its wait).
DESK_EVENT = Backoff((5, 15, 60, 120, 300, 600))
# An SMS the provider did not take: doubling from 5 s to 15 minutes.
SMS_SEND = Backoff.doubling(5.0, 900.0)
# A reply Telegram did not take (network, server error, flood control past the session's own retries).
TELEGRAM_REPLY = Backoff.doubling(2.0, 300.0)
# A console turn while the database is unreachable: about a minute in all, then the console gives up.
CONSOLE_DATABASE = Backoff((1, 2, 4, 8, 15, 30))
