"""Waking the visitors' open event streams, on this instance and from the others.

The events are rows in the database; this only says "look again". Three paths, so a stream hears of
a new row within a second whichever instance stored it:

* a write on this instance wakes that visitor's streams at once (`Live.changed`);
* it also sets the shared wake-up "webchat" (`runtime.shared.wakeup`): with Redis that reaches every
  instance's poller at once;
* one poller per instance reads the ids stored since its last look (every `POLL` seconds at most) and
  wakes the streams of the visitors concerned. It re-reads a window of recent ids, because on
  PostgreSQL a row with a smaller id can commit after a larger one (another visitor's transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

from bot.storage.web import WebChatStore

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between two looks at the events table when nothing woke the poller
WINDOW = 200  # recent ids re-read on each look (late commits of smaller ids are still seen)


class Live:
    """The open streams of this instance, by visitor, and the poller that wakes them."""

    def __init__(self, store: WebChatStore, wakeup: Any = None) -> None:
        self.store = store
        self.wakeup = wakeup  # runtime.shared.wakeup("webchat"): an asyncio.Event, shared with Redis
        self._streams: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self.closing = False

    def subscribe(self, customer_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._streams[customer_id].add(event)
        return event

    def unsubscribe(self, customer_id: str, event: asyncio.Event) -> None:
        streams = self._streams.get(customer_id)
        if streams is not None:
            streams.discard(event)
            if not streams:
                self._streams.pop(customer_id, None)

    def wake(self, customer_id: str) -> None:
        """Wake this instance's streams of one visitor."""
        for event in self._streams.get(customer_id, ()):
            event.set()

    def changed(self, customer_id: str) -> None:
        """A row was stored for this visitor here: wake its streams here, and every other instance."""
        self.wake(customer_id)
        if self.wakeup is not None:
            self.wakeup.set()

    async def start(self) -> None:
        if self._task is None:
            self.closing = False
            self._task = asyncio.get_running_loop().create_task(self._poll(), name="webchat-poller")

    def end_streams(self) -> None:
        """The instance is stopping: every open stream returns now (clients resume elsewhere by id)."""
        self.closing = True
        for streams in list(self._streams.values()):
            for event in streams:
                event.set()

    async def stop(self) -> None:
        """Stop the poller and end the open streams."""
        self.end_streams()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self) -> None:
        seen: set[int] = set()
        floor = 0
        first = True  # the first look only learns what is there already (nobody waits for it)
        # `closing` as well as the cancellation: on Python 3.11 a cancel that lands as `wait_for` times out
        # comes back as a TimeoutError, which the sleep suppresses, and the loop would go on forever.
        while not self.closing:
            try:
                if first:
                    floor = max(0, await self.store.latest_event_id() - WINDOW)
                rows = await self.store.recent_events(floor)
                fresh = [(i, c) for i, c in rows if i not in seen]
                if not first:
                    for customer_id in {c for _i, c in fresh}:
                        self.wake(customer_id)
                first = False
                seen.update(i for i, _c in fresh)
                if seen:
                    floor = max(floor, max(seen) - WINDOW)
                    seen = {i for i in seen if i > floor}
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database away for a moment: streams keep their ids
                log.warning("webchat: could not read new events: %s", exc)
            await self._sleep()

    async def _sleep(self) -> None:
        if self.wakeup is None:
            await asyncio.sleep(POLL)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), POLL)
        self.wakeup.clear()
