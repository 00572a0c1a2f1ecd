"""Wake-ups that reach every instance: an `asyncio.Event` here, a Redis pub/sub message for the others.

The hand-off's desk outbox worker sleeps on `HandoffCore.wake` until something new is stored; with
several instances the row may be stored by another one. `Wakeup` is an `asyncio.Event` (the worker's
`clear()` / `wait()` / `set()` are unchanged) whose `set()` also publishes `<prefix>:wake:<name>`;
`Broadcast` listens on `<prefix>:wake:*` and sets the local event of that name on every other instance.

Pub/sub is fire-and-forget: a message published while an instance is reconnecting is lost. That is
acceptable because a wake-up only shortens a sleep: the workers also poll (the desk outbox every 30 s
at most, sooner when a row is due), so a lost wake-up delays, it never loses work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import redis.asyncio as aioredis

from bot.coordination.redis import REDIS_ERRORS, Degraded

log = logging.getLogger(__name__)

RECONNECT = 1.0  # seconds between attempts to subscribe again after Redis went away


class Wakeup(asyncio.Event):
    """An event set locally by `set()` and, through its `Broadcast`, on every instance."""

    def __init__(self, name: str, broadcast: Broadcast | None = None) -> None:
        super().__init__()
        self.name = name
        self.broadcast = broadcast

    def set(self) -> None:
        super().set()
        if self.broadcast is not None:
            self.broadcast.publish(self.name)

    def set_here(self) -> None:
        """Set on this instance only (a wake-up that came from another)."""
        super().set()

    async def wait(self) -> bool:
        if self.broadcast is not None:
            self.broadcast.start()  # the first sleeper starts listening; nothing runs until something waits
        return await super().wait()


class Broadcast:
    """Publishes wake-ups by name and sets the named `Wakeup`s when another instance publishes."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.instance = uuid.uuid4().hex  # so an instance ignores its own messages (it already woke)
        self.events: dict[str, Wakeup] = {}
        self.subscribed = asyncio.Event()
        self.received = 0  # wake-ups from other instances (tests, diagnostics)
        self._listener: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._degraded = Degraded("wake-ups reach this instance only; others notice new work when they next poll")

    def event(self, name: str) -> Wakeup:
        """The wake-up called `name` (one per name per process)."""
        wakeup = self.events.get(name)
        if wakeup is None:
            wakeup = self.events[name] = Wakeup(name, self)
        return wakeup

    def channel(self, name: str) -> str:
        return f"{self.prefix}:wake:{name}"

    def publish(self, name: str) -> None:
        """Tell the other instances, in the background: `Event.set()` is synchronous."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): only this instance is woken
        task = loop.create_task(self._publish(name), name=f"wake-{name}")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, name: str) -> None:
        try:
            await self.client.publish(self.channel(name), self.instance)
        except REDIS_ERRORS as exc:
            self._degraded(exc)

    def start(self) -> None:
        """Listen for other instances' wake-ups (idempotent)."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="wake-listener")

    async def ready(self, timeout: float = 5.0) -> None:
        """Start listening and wait until subscribed (tests; a caller that must not miss the next one)."""
        self.start()
        await asyncio.wait_for(self.subscribed.wait(), timeout)

    async def _listen(self) -> None:
        pattern = self.channel("*")
        skip = len(self.channel(""))
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(pattern)
                self.subscribed.set()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    if _text(message.get("data")) == self.instance:
                        continue
                    wakeup = self.events.get(_text(message.get("channel"))[skip:])
                    if wakeup is not None:
                        self.received += 1
                        wakeup.set_here()
            except REDIS_ERRORS as exc:
                self.subscribed.clear()
                self._degraded(exc)
                await asyncio.sleep(RECONNECT)
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        for task in list(self._sending):
            with contextlib.suppress(asyncio.CancelledError, *REDIS_ERRORS):
                await task


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
