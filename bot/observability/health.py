"""The dependency checks behind GET /healthz: the database, and Redis when REDIS_URL is set.

A load balancer takes an instance out of rotation on a 503, so a check must answer within its timeout
whatever the dependency does (a host that drops packets included), and must say which one failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.errors import mask_url

log = logging.getLogger(__name__)

TIMEOUT = 5.0


async def database_ok(store: Any, timeout: float = TIMEOUT) -> bool:
    """Whether the database answers a trivial query within `timeout` seconds."""
    try:
        return bool(await asyncio.wait_for(store.ping(), timeout))
    except Exception:  # a failing check is a 503, not a 500
        log.warning("health check: database ping failed", exc_info=True)
        return False


async def redis_ok(url: str, timeout: float = TIMEOUT) -> bool:
    """Whether the Redis server at `url` answers PING within `timeout` seconds.

    A connection of its own, closed at once: the check must not share (or wait behind) the pool the
    bot's shared limits use, and a health check every few seconds is cheap."""
    import redis.asyncio as redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a malformed URL is a failing dependency, not a 500
        log.warning("health check: bad REDIS_URL %s: %s", mask_url(url), exc)
        return False
    try:
        return bool(await asyncio.wait_for(client.ping(), timeout))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: Redis at %s did not answer PING (%s: %s)", mask_url(url), type(exc).__name__, exc)
        return False
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too; nothing to do
            await client.aclose()
