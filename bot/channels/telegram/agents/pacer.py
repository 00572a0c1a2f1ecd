"""A paced outgoing queue for the agents' group: Telegram allows about 20 messages a minute into one group.

Every message the bot posts into the agents' chat (cards, relayed customer messages, notices, replies to
commands, new topics) first takes a slot here: at most `per_minute` in any sliding 60-second window,
waiting (never dropping) when the window is full. Callers are served in arrival order. Clock and sleep
are injectable so tests never wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class GroupPacer:
    """At most `per_minute` messages in any `window` seconds."""

    def __init__(self, per_minute: int = 20, *, window: float = 60.0, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waited = 0.0  # total seconds spent waiting (logs, tests)

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    async def acquire(self) -> None:
        """Wait for a slot (in order of arrival) and take it."""
        async with self._lock:
            now = self.clock()
            self._expire(now)
            while len(self._sent) >= self.per_minute:
                wait = self._sent[0] + self.window - now
                if wait > 0:
                    log.debug("agents' chat: %d messages in the last minute, waiting %.1fs", len(self._sent), wait)
                    self.waited += wait
                    await self.sleep(wait)
                now = self.clock()
                self._expire(now)
            self._sent.append(now)
