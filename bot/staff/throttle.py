"""Login throttling: login attempts counted per email and per client address, in a moving window of 15
minutes, through bot/coordination/limits.py (shared by every instance when REDIS_URL is set).

An attempt takes its slot BEFORE the password is checked: the check takes tens of milliseconds in a
thread, so counting only afterwards let many parallel guesses through before the first one was
counted. A full window refuses before any password is checked, so a guesser learns nothing more until
the window moves; a successful login clears its email's window (the person got in, their typos are
forgiven). The per-address limit is a few times the per-email one: an office behind one address has
many people who sometimes mistype.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.coordination.limits import Rate, RateLimiter

WINDOW_SECONDS = 15 * 60
ADDRESS_FACTOR = 4


class LoginThrottle:
    """Whether a login may be tried now, counting each attempt as it starts."""

    def __init__(self, limiter: RateLimiter, attempts: int) -> None:
        self.limiter = limiter
        self.by_email = Rate("console_login_email", attempts, WINDOW_SECONDS)
        self.by_address = Rate("console_login_ip", attempts * ADDRESS_FACTOR, WINDOW_SECONDS)

    async def attempt(self, email: str, address: str | None) -> float:
        """Take a slot for this attempt: 0 when it may go on, else seconds until one may be tried.

        The limiter's hit is one atomic step (in this process, or a Lua script in Redis), so concurrent
        attempts can never take more slots than the window holds.
        """
        key = email.strip().lower()
        if not await self.limiter.hit(self.by_email, key):
            return max(await self.limiter.free_in(self.by_email, key), 1.0)
        if address and not await self.limiter.hit(self.by_address, address):
            return max(await self.limiter.free_in(self.by_address, address), 1.0)
        return 0.0

    async def succeeded(self, email: str) -> None:
        """A right password: forget the email's attempts (the address keeps its count)."""
        await self.limiter.clear(self.by_email, email.strip().lower())


def seconds_clock(clock: Callable[[], object]) -> Callable[[], float]:
    """The bot's clock as seconds, for the in-memory limiter (tests move the window with the bot's clock)."""
    return lambda: clock().timestamp()  # type: ignore[attr-defined,no-any-return]
