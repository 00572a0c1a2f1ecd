"""A repair's statuses and the moves between them: the one place that says which change makes sense.

    booked → received → diagnosing → (waiting_parts ⇄ repairing) → ready → closed
                                                               ready → shipped → closed (courier return)
    booked → cancelled | no_show (before the device is handed in)

Staff may also step back one stage (repairing → diagnosing: the fix did not hold) and close a ticket
the service holds with a note (the customer took the device back unrepaired); a booking withdrawn
before the device came in is `cancelled`. `closed`, `cancelled` and
`no_show` are final: a ticket that needs more work is a new booking.
"""

from __future__ import annotations

from typing import Final

BOOKED: Final = "booked"
RECEIVED: Final = "received"
DIAGNOSING: Final = "diagnosing"
WAITING_PARTS: Final = "waiting_parts"
REPAIRING: Final = "repairing"
READY: Final = "ready"
SHIPPED: Final = "shipped"
CLOSED: Final = "closed"
CANCELLED: Final = "cancelled"
NO_SHOW: Final = "no_show"

STATUSES: Final = (BOOKED, RECEIVED, DIAGNOSING, WAITING_PARTS, REPAIRING, READY, SHIPPED, CLOSED, CANCELLED, NO_SHOW)
FINAL: Final = frozenset({CLOSED, CANCELLED, NO_SHOW})
OPEN: Final = frozenset(STATUSES) - FINAL
# The device is with the service (the repair clock runs, a loaner may be out).
IN_SERVICE: Final = frozenset({RECEIVED, DIAGNOSING, WAITING_PARTS, REPAIRING})

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    BOOKED: frozenset({RECEIVED, CANCELLED, NO_SHOW}),  # withdrawn before the device came in: cancelled
    RECEIVED: frozenset({DIAGNOSING, WAITING_PARTS, REPAIRING, READY, SHIPPED, CLOSED}),
    DIAGNOSING: frozenset({WAITING_PARTS, REPAIRING, READY, SHIPPED, CLOSED}),
    WAITING_PARTS: frozenset({REPAIRING, DIAGNOSING, CLOSED}),
    REPAIRING: frozenset({WAITING_PARTS, DIAGNOSING, READY, SHIPPED, CLOSED}),
    READY: frozenset({CLOSED, SHIPPED, REPAIRING}),  # collected; sent after all; the fix did not hold at pick-up
    SHIPPED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
    NO_SHOW: frozenset(),
}


def normalise(status: str) -> str:
    """A status as staff type it ("Waiting-Parts", "no show") in its canonical spelling."""
    return status.strip().lower().replace("-", "_").replace(" ", "_")


def can_move(current: str, new: str) -> bool:
    """Whether a ticket in `current` may go to `new`."""
    return new in TRANSITIONS.get(current, frozenset())


def next_statuses(current: str) -> tuple[str, ...]:
    """Where a ticket in `current` may go, in the lifecycle's order (for error messages and menus)."""
    allowed = TRANSITIONS.get(current, frozenset())
    return tuple(status for status in STATUSES if status in allowed)
