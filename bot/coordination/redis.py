"""The one Redis client of a process (None without REDIS_URL), and how its failures are reported.

Every shared thing (limits, pacing, locks, wake-ups, button references) uses this client, so
one pool serves them all and one `close` releases it with the runtime.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "supportbot"  # every key this bot writes starts with it: one Redis database per deployment
CONNECT_TIMEOUT = 2.0
COMMAND_TIMEOUT = 5.0  # a hung Redis must not hang a customer's update for longer than this

# What a Redis outage looks like to callers: the client's own errors, and the OS-level ones it lets through.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def connect(url: str | None) -> aioredis.Redis | None:
    """A client for REDIS_URL (no connection is made until first use); None when unset."""
    if not url:
        return None
    return aioredis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=COMMAND_TIMEOUT,
        health_check_interval=30,
    )


class Degraded:
    """A shared feature's fallback switch: after Redis failed, use this process's state for `cooldown`
    seconds (so an unreachable Redis costs one timeout per feature now and then, not one per message),
    and log "Redis is unreachable, doing X locally instead" at most once a minute.

    Every shared feature fails open (see `bot.coordination`): the bot keeps answering customers with
    per-process state, and the operator sees why limits are now per instance.
    """

    def __init__(self, what: str, every: float = 60.0, cooldown: float = 5.0) -> None:
        self.what = what
        self.every = every
        self.cooldown = cooldown
        self._last = float("-inf")
        self._until = float("-inf")
        self.count = 0  # how many times it happened (tests, diagnostics)

    @property
    def active(self) -> bool:
        """True while Redis is being left alone after a failure."""
        return time.monotonic() < self._until

    def __call__(self, exc: BaseException) -> None:
        self.count += 1
        now = time.monotonic()
        self._until = now + self.cooldown
        if now - self._last >= self.every:
            self._last = now
            log.warning("redis unreachable (%s: %s): %s", type(exc).__name__, exc, self.what)
