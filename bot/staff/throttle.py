"""Login throttling: failed logins counted per email and per client address, in a moving window of 15
minutes, through bot/coordination/limits.py (shared by every instance when REDIS_URL is set).

Only failures count, and a full window refuses before any password is checked, so a guesser learns
nothing more until the window moves. The per-address limit is a few times the per-email one: an office
behind one address has many people who sometimes mistype.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.coordination.limits import Rate, RateLimiter

WINDOW_SECONDS = 15 * 60
ADDRESS_FACTOR = 4


class LoginThrottle:
    """Whether a login may be tried now, and counting the ones that failed."""

    def __init__(self, limiter: RateLimiter, attempts: int) -> None:
        self.limiter = limiter
        self.by_email = Rate("console_login_email", attempts, WINDOW_SECONDS)
        self.by_address = Rate("console_login_ip", attempts * ADDRESS_FACTOR, WINDOW_SECONDS)

    async def blocked_for(self, email: str, address: str | None) -> float:
        """Seconds until a login may be tried for this email from this address; 0 when it may now."""
        waits = [await self.limiter.free_in(self.by_email, email.strip().lower())]
        if address:
            waits.append(await self.limiter.free_in(self.by_address, address))
        return max(waits)

    async def failed(self, email: str, address: str | None) -> None:
        """Count a failed login for the email and the address."""
        await self.limiter.hit(self.by_email, email.strip().lower())
        if address:
            await self.limiter.hit(self.by_address, address)


def seconds_clock(clock: Callable[[], object]) -> Callable[[], float]:
    """The bot's clock as seconds, for the in-memory limiter (tests move the window with the bot's clock)."""
    return lambda: clock().timestamp()  # type: ignore[attr-defined,no-any-return]
