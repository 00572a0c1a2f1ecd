"""The background loop of Telegram's queues: sweep for work others left, purge what is long done.

The inbox and the outbox each run one (bot/channels/telegram/inbox.py, outbox.py): a sweep every few
seconds finds what a dead instance left behind, and about once an hour old rows are purged. A failing
sweep (the database away for a moment) is logged and tried again; it never ends the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0  # seconds between purges of rows long done


class Sweep:
    """Call `sweep` every `every` seconds and `purge` about every hour, until `stop`."""

    def __init__(self, name: str, sweep: Callable[[], Awaitable[object]], purge: Callable[[], Awaitable[object]], every: float) -> None:
        self.name = name
        self.sweep = sweep
        self.purge = purge
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start the loop (the first sweep at once: a restart resumes what was left)."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """End the loop after the sweep under way, if any."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        purged_at: float | None = None
        while not self._stop.is_set():
            try:
                await self.sweep()
                if purged_at is None or loop.time() - purged_at >= PURGE_EVERY:
                    purged_at = loop.time()
                    await self.purge()
            except Exception:
                log.exception("%s failed; trying again in %ss", self.name, self.every)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every)
