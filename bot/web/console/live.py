"""Live updates of the console, across instances: one database poller per instance wakes its streams.

The data is in the database, never only in this process: a customer's message handled by another
instance, or a `/take` in the Telegram agents' group, is a row there. Each instance runs ONE small task
that reads a cheap change figure (`bot.storage.console.change_mark`: the newest message and note ids
and a hash of the open queue) every `POLL_SECONDS`, and sooner when woken: a console action here pokes
it at once, and through `runtime.shared.wakeup("console")` so do the other instances' actions when they
share a Redis. When the figure moved, every open stream of this instance is woken and reads what is
new after its own cursor, so a reconnecting browser resumes where it was (SSE `Last-Event-ID`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.storage import console as console_repo
from bot.storage.console import ChangeMark

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
IDLE_SECONDS = 60.0  # no stream asked for this long: the poller stops (the next stream starts it again)
WAKEUP = "console"


class ConsoleFeed:
    """This instance's change detector; streams wait on `changed()`."""

    def __init__(self, runtime: Any, poll_seconds: float = POLL_SECONDS) -> None:
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.mark: ChangeMark | None = None
        self.closing = asyncio.Event()
        self._wake = runtime.shared.wakeup(WAKEUP)
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._wanted = 0.0

    def start(self) -> None:
        """Start polling (idempotent): on the first stream, so an instance nobody watches does no work."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="console-feed")

    def changed(self) -> asyncio.Event:
        """An event set at the next change: take it BEFORE reading, then wait on it, so nothing that
        changes between the read and the wait is missed. (Streams ask at least every keep-alive.)"""
        self._wanted = asyncio.get_running_loop().time()
        self.start()
        return self._changed

    def poke(self) -> None:
        """Something changed here (a console action): read the figure now, here and on the other instances."""
        self._wake.set()

    async def close(self) -> None:
        """End the streams and the poller (the application stops)."""
        self.closing.set()
        self._signal()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _signal(self) -> None:
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closing.is_set() and loop.time() - self._wanted < IDLE_SECONDS:
            try:
                async with self.runtime.database.sessions() as session:
                    mark = await console_repo.change_mark(session)
                if mark != self.mark:
                    self.mark = mark
                    self._signal()
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end live updates
                log.warning("console feed: cannot read changes: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
