"""One holder at a time per customer, across instances.

Within a process an `asyncio.Lock` per key keeps arrival order (its waiters are FIFO) and costs
nothing; across instances a Redis lock with an expiry (redis-py's `Lock`, the same one aiogram's
`RedisEventIsolation` takes) keeps two instances from handling one customer at once. `SharedLocks`
wraps a process's own locks (e.g. `bot.engine.conversation.CustomerLocks`) with that Redis lock: the
local lock first (so this process's waiters queue in order and only one of them polls Redis), then the
shared one.

A shared lock is a guard, not the bot's only safety: when Redis is unreachable, or another instance
held the lock past `wait` seconds, the holder goes on without it (logged) rather than leave a customer
unanswered; the database's per-message uniqueness and turn transactions still hold. The lock is a
lease: it expires `ttl` seconds after it was taken or last renewed, and its holder renews it every third
of that while it works, so a turn may take as long as it needs while the lock of an instance that died
holding it (SIGKILL right after taking a customer's message) is free again `ttl` seconds later: before
the Telegram inbox's lease on that message (30 s) runs out and another instance takes it over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import LockError

from bot.coordination.redis import REDIS_ERRORS, Degraded

log = logging.getLogger(__name__)

LOCK_TTL = 15.0  # renewed while held; an instance that died holding it frees it after this
LOCK_WAIT = 60.0  # then go on without the shared lock rather than leave the customer waiting
LOCK_POLL = 0.02  # redis-py polls for a held lock; a turn takes tens of milliseconds


class LocalLocks(Protocol):
    """A process's per-key locks (`CustomerLocks` satisfies this)."""

    def hold(self, key: tuple[str, str]) -> AbstractAsyncContextManager[None]: ...


@asynccontextmanager
async def held_if_possible(lock: AbstractAsyncContextManager[object], what: str, degraded: Degraded) -> AsyncIterator[bool]:
    """Hold a shared lock for the block when it can be had; yields whether it is held.

    Entering and leaving by hand because failing to *take* the lock (go on without it) and failing to
    *release* it (it expired while held: the work is done, just log it) need different answers, and the
    block itself must run exactly once either way. Shortly after Redis failed it is not asked at all.
    """
    if degraded.active:
        yield False
        return
    try:
        await lock.__aenter__()
    except LockError as exc:
        log.warning("%s: another instance held it too long (%s); going on without it", what, exc)
        held = False
    except REDIS_ERRORS as exc:
        degraded(exc)
        held = False
    else:
        held = True
    try:
        yield held
    finally:
        if held:
            try:
                await lock.__aexit__(None, None, None)
            except LockError as exc:
                log.warning("%s: the shared lock expired while held (%s)", what, exc)
            except REDIS_ERRORS as exc:
                degraded(exc)


class SharedLocks:
    """`hold(key)`: the process's own lock for `key`, then the Redis lock `<prefix>:lock:<name>:<key>`."""

    def __init__(
        self, local: LocalLocks, client: aioredis.Redis, prefix: str, name: str, *,
        ttl: float = LOCK_TTL, wait: float = LOCK_WAIT,
    ) -> None:
        self.local = local
        self.client = client
        self.namespace = f"{prefix}:lock:{name}"
        self.ttl = ttl
        self.wait = wait
        self.degraded = Degraded(f"{name} locks are per process until it is back")

    def key(self, key: Hashable) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        return ":".join([self.namespace, *(str(p) for p in parts)])

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        async with self.local.hold(key):
            lock = self.client.lock(self.key(key), timeout=self.ttl, blocking_timeout=self.wait, sleep=LOCK_POLL)
            async with held_if_possible(lock, self.key(key), self.degraded) as held:
                keeper = asyncio.create_task(self._renew(lock)) if held else None
                try:
                    yield
                finally:
                    if keeper is not None:
                        keeper.cancel()
                        # Waited for, not awaited: a cancellation of the caller itself must not be swallowed.
                        await asyncio.wait([keeper])

    async def _renew(self, lock: Any) -> None:
        """Push the lock's expiry `ttl` seconds ahead every third of it, until cancelled or lost; a Redis
        error is retried at the next beat (the block goes on regardless)."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await lock.extend(self.ttl, replace_ttl=True)
            except LockError as exc:  # expired, or taken by another holder: nothing left to renew
                log.warning("%s: the shared lock was lost while held (%s)", lock.name, exc)
                return
            except REDIS_ERRORS as exc:
                self.degraded(exc)
