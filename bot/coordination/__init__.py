"""What instances share: one `Shared` per process, built from REDIS_URL.

Without REDIS_URL (the embedded default) everything is in memory, exactly one process's view, and no
Redis is needed. With it, every instance behind the load balancer uses one Redis database for:

* rate limits and pacing (`limits`): the Telegram flood limit per customer, the outbound pacer
  (per chat, per group, for the whole bot: Telegram's limits are per bot, not per instance);
* one turn per customer at a time (`locks`), whichever instance the customer's message reached;
* wake-ups (`wakeups`): a desk event stored by one instance wakes the publisher on the others;
* button references made up at run time (`values`).

Redis being down never stops the bot: each shared feature falls back to this process's view and logs
a warning once a minute (`Degraded`); the database still refuses duplicates and serialises turns.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis

from bot.coordination.limits import (
    MemoryRateLimiter,
    Rate,
    RateLimiter,
    RedisRateLimiter,
)
from bot.coordination.locks import (
    LocalLocks,
    SharedLocks,
)
from bot.coordination.redis import PREFIX, REDIS_ERRORS, Degraded, connect
from bot.coordination.values import SharedValues
from bot.coordination.wakeups import Broadcast, Wakeup

log = logging.getLogger(__name__)

__all__ = [
    "REDIS_ERRORS", "Degraded", "MemoryRateLimiter", "Rate", "RateLimiter", "Shared",
    "SharedValues", "Wakeup", "build_shared",
]


class Shared:
    """The coordination of one process: memory-only when `client` is None, else Redis-backed."""

    def __init__(self, client: aioredis.Redis | None = None, *, prefix: str = PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self.limiter: RateLimiter | None = RedisRateLimiter(client, prefix) if client is not None else None
        self.broadcast: Broadcast | None = Broadcast(client, prefix) if client is not None else None
        self._wakeups: dict[str, Wakeup] = {}

    @property
    def distributed(self) -> bool:
        return self.client is not None

    def rate_limiter(self, clock: Callable[[], float] = time.monotonic) -> RateLimiter:
        """The shared limiter, or a new in-memory one on `clock` (tests move a fake clock by hand)."""
        return self.limiter if self.limiter is not None else MemoryRateLimiter(clock)

    def wakeup(self, name: str) -> Wakeup:
        """The wake-up called `name`; without Redis a plain local event."""
        if self.broadcast is not None:
            return self.broadcast.event(name)
        wakeup = self._wakeups.get(name)
        if wakeup is None:
            wakeup = self._wakeups[name] = Wakeup(name)
        return wakeup

    def locks(self, local: LocalLocks, name: str) -> LocalLocks:
        """`local` as it is in memory; with Redis, `local` then a Redis lock per key."""
        return SharedLocks(local, self.client, self.prefix, name) if self.client is not None else local

    def values(self, name: str, ttl: int) -> SharedValues | None:
        return SharedValues(self.client, self.prefix, name, ttl=ttl) if self.client is not None else None

    async def ping(self) -> bool:
        """Whether Redis answers (always True in memory): for start-up checks and health."""
        if self.client is None:
            return True
        try:
            return bool(await self.client.ping())
        except REDIS_ERRORS as exc:
            log.warning("redis at REDIS_URL does not answer: %s", exc)
            return False

    async def close(self) -> None:
        """Stop listening for wake-ups and release the Redis pool (idempotent)."""
        if self.broadcast is not None:
            await self.broadcast.close()
        if self.client is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await self.client.aclose()


def build_shared(redis_url: str | None, *, prefix: str = PREFIX) -> Shared:
    """The process's `Shared`, from REDIS_URL (memory-only when unset)."""
    return Shared(connect(redis_url), prefix=prefix)
