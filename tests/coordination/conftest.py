"""Two "instances" of the bot's shared state: on one Redis database (`redis`), or one process (`memory`).

Every test in this folder runs both ways: with Redis the two instances are separate clients, as two
processes behind a load balancer would be; in memory they are the same objects, the embedded default's
one process, which must behave the same without any Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.coordination import (
    MemoryRateLimiter,
    RateLimiter,
    Shared,
    build_shared,
)
from tests.conftest import IN_CI, REDIS_TEST_URL
from tests.telegram.conftest import FakeClock


@dataclass
class Instance:
    """What one bot process would have."""

    shared: Shared
    limiter: RateLimiter


@dataclass
class Pair:
    a: Instance
    b: Instance
    clock: FakeClock
    distributed: bool


@pytest.fixture(params=["memory", "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    clock = FakeClock()
    if request.param == "memory":
        shared = Shared()
        one = Instance(shared, MemoryRateLimiter(clock))
        yield Pair(one, one, clock, False)
        return
    url = await _empty_redis()
    instances = []
    for _ in range(2):
        shared = build_shared(url)
        assert shared.limiter is not None
        instances.append(Instance(shared, shared.limiter))
    try:
        yield Pair(instances[0], instances[1], clock, True)
    finally:
        for instance in instances:
            await instance.shared.close()
        await _empty_redis(check=False)


async def _empty_redis(check: bool = True) -> str:
    """The test Redis database, flushed; skipped (failed in CI) when no server answers, like the
    `redis_url` fixture, which an async fixture cannot ask for conditionally."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        try:
            await client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
            if not check:
                return REDIS_TEST_URL
            if IN_CI:
                pytest.fail(f"Redis is mandatory in CI and is not reachable at {REDIS_TEST_URL}: {exc}")
            pytest.skip("Redis not reachable (mandatory when CI=true)")
        await client.flushdb()
    finally:
        await client.aclose()
    return REDIS_TEST_URL
