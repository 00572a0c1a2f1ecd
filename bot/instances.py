"""Several instances on one database: who is running, and when a second one must not start.

Every `supportbot serve` registers in `bot_instances` (bot/storage/instances.py), heartbeats every
`HEARTBEAT_EVERY` seconds and removes its row when it stops cleanly; an instance that died stops
heartbeating and counts as gone after `FRESH`. The work that must happen once (outbox rows, the
overdue sweep, replays) is claimed in the database, but per-customer locks and rate limits are only
shared through Redis, so a second instance is refused (one line, non-zero exit) unless the database is
PostgreSQL and REDIS_URL is set: SQLite is one process's database, and without Redis two instances
would each keep their own limits. The embedded default (one process, SQLite, no Redis) is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket

from bot.clock import Clock, as_utc
from bot.storage import instances as repo
from bot.storage.database import Database
from bot.storage.instances import FRESH

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 10.0  # seconds; a heartbeat older than `FRESH` (30 s) is a dead instance's


class InstanceRefused(Exception):
    """Another instance runs on this database and this setup cannot share the work; the one line to print."""


def refusal(backend: str, redis_url: str | None, others: list[tuple[str, int]], *, polling: bool = False) -> str | None:
    """Why this instance must not start next to `others` (live (host, pid) pairs), or None when it may.

    Alone, anything goes. Next to another instance: only PostgreSQL with REDIS_URL set, and Telegram by
    webhook (Telegram gives updates to one getUpdates poller per bot; a second one gets 409 Conflict).
    """
    if not others:
        return None
    host, pid = others[0]
    if backend != "postgresql":
        why = f"{backend} is one process's database"
    elif not redis_url:
        why = "REDIS_URL is not set"
    elif polling:
        why = "Telegram long polling has one poller per bot (set WEBHOOK_URL)"
    else:
        return None
    return (
        f"another instance ({host}:{pid}) is running on this database and {why}; "
        'several instances need PostgreSQL and REDIS_URL (see README "Several instances")'
    )


class InstanceRegistry:
    """This process's row in `bot_instances`: `register` (or refuse), then `start` heartbeating, `stop`."""

    def __init__(self, database: Database, *, clock: Clock | None = None, host: str | None = None, pid: int | None = None,
                 heartbeat_every: float = HEARTBEAT_EVERY, fresh: dt.timedelta = FRESH) -> None:
        self.database = database
        self.clock = clock or database.clock
        self.id = database.instance
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.heartbeat_every = heartbeat_every
        self.fresh = fresh
        self._task: asyncio.Task[None] | None = None

    def _now(self) -> dt.datetime:
        return as_utc(self.clock())

    async def register(self, redis_url: str | None, *, polling: bool = False) -> None:
        """Check for live instances and register, as one step; raises `InstanceRefused` when refused.

        `polling`: this instance would poll Telegram for updates (BOT_TOKEN set, no WEBHOOK_URL)."""
        now = self._now()
        backend = self.database.engine.dialect.name
        async with self.database.sessions() as session, session.begin():
            await repo.lock_registry(session)
            await repo.forget_dead(session, now - self.fresh)
            rows = await repo.live_others(session, self.id, now - self.fresh)
            dead = [row_id for row_id, host, pid in rows if not self._may_be_alive(host, pid)]
            await repo.forget(session, dead)
            others = [(host, pid) for row_id, host, pid in rows if row_id not in dead]
            why = refusal(backend, redis_url, others, polling=polling)
            if why is not None:
                raise InstanceRefused(why)
            await repo.register(session, self.id, self.host, self.pid, now)
        if others:
            log.info("instances: %s other instance(s) on this database: %s", len(others),
                     ", ".join(f"{h}:{p}" for h, p in others))

    def _may_be_alive(self, host: str, pid: int) -> bool:
        """False for an instance of this host whose process is gone: restarted right after a crash (or
        a container restarted with the same pid) need not wait for its heartbeat to age."""
        if host != self.host:
            return True
        if pid == self.pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:  # exists, owned by someone else
            return True
        return True

    async def beat(self) -> None:
        """One heartbeat; the row is put back if it was swept meanwhile (the process stalled past FRESH)."""
        now = self._now()
        async with self.database.sessions() as session, session.begin():
            if not await repo.heartbeat(session, self.id, now):
                log.warning("instances: this instance's registration had expired (stalled?); registering again")
                await repo.register(session, self.id, self.host, self.pid, now)

    def start(self) -> None:
        """Heartbeat in the background until `stop`."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="instance-heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_every)
            try:
                await self.beat()
            except Exception:
                log.warning("instances: heartbeat failed", exc_info=True)

    async def stop(self) -> None:
        """Stop heartbeating and remove the row (best effort: a dead row expires after FRESH anyway)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        try:
            async with self.database.sessions() as session, session.begin():
                await repo.unregister(session, self.id)
        except Exception:
            log.warning("instances: could not remove this instance's row", exc_info=True)
