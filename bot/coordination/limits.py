"""Rate limits and pacing, one facade over two stores.

* `MemoryRateLimiter`: one process (the embedded default). A moving window per key, on an injectable
  clock so tests can move time by hand; this is the window the Telegram flood limit always had.
* `RedisRateLimiter`: several instances. The `limits` library's moving window over Redis
  (`MovingWindowRateLimiter` + `limits.aio.storage.RedisStorage` on our redis-py pool): its Lua
  scripts make "count and take" one atomic step on the server, so two instances never both take the
  last slot of a window.

Both answer the same three questions: take a slot (`hit`), is there one (`test`), when is the next one
free (`free_in`); `take` combines several windows (a chat's and the bot's) for a pacer that waits.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

Clock = Callable[[], float]

# A window that is full "for 0 seconds" (clocks of two instances a few ms apart, a slot taken by another
# instance between our test and our hit): try again after this long rather than spinning.
MIN_RETRY = 0.05


@dataclass(frozen=True)
class Rate:
    """At most `amount` events in any `seconds` (whole seconds: the `limits` library's granularity)."""

    name: str  # what is limited: part of the key, so two rates on one key never share a window
    amount: int
    seconds: int

    def __post_init__(self) -> None:
        if self.amount < 1 or self.seconds < 1:
            raise ValueError(f"rate {self.name}: amount and seconds must be at least 1")

    @classmethod
    def per_second(cls, name: str, rate: float, burst: int) -> Rate:
        """`rate` a second on average with bursts of `burst`: `burst` in every burst/rate seconds."""
        return cls(name, burst, max(1, math.ceil(burst / rate)))


Slot = tuple[Rate, str]  # a rate and the key it counts for (a chat id, "all"...)


class RateLimiter(ABC):
    """Moving-window rate limits, in memory or shared."""

    distributed: bool = False

    @abstractmethod
    async def hit(self, rate: Rate, key: str) -> bool:
        """Take one slot; False (and nothing taken) when the window is full."""

    @abstractmethod
    async def test(self, rate: Rate, key: str) -> bool:
        """Whether a slot is free, without taking it."""

    @abstractmethod
    async def free_in(self, rate: Rate, key: str) -> float:
        """Seconds until a slot is free: 0 when one is free now."""

    async def take(self, slots: Sequence[Slot]) -> float:
        """One slot in every window, or none where possible: 0.0 when taken, else how long to wait.

        Waits are read from the windows (when their oldest entry leaves), never guessed. Between our
        check and our hit another instance may take the last slot; then the slots already taken in this
        call stay taken (conservative: never over a limit, at worst a little slower) and we wait.
        """
        waits = [await self.free_in(rate, key) for rate, key in slots]
        longest = max(waits, default=0.0)
        if longest > 0:
            return max(longest, MIN_RETRY)
        for rate, key in slots:
            if not await self.hit(rate, key):
                return max(await self.free_in(rate, key), MIN_RETRY)
        return 0.0

    async def clear(self, rate: Rate, key: str) -> None:  # noqa: B027 - optional: a store without it forgets nothing
        """Forget a window (a successful login clears its email's failures, an operator lifts a limit)."""

    async def close(self) -> None:
        """Release what the store holds (the Redis pool is closed by its owner)."""


class MemoryRateLimiter(RateLimiter):
    """Moving windows in this process: a deque of recent times per (rate, key), pruned as it goes."""

    def __init__(self, clock: Clock = time.monotonic, *, prune_every: int = 1000) -> None:
        self.clock = clock
        self._recent: dict[tuple[str, str], deque[float]] = {}
        self._windows: dict[str, int] = {}  # rate name -> its window, for pruning idle keys
        self._calls = 0
        self._prune_every = prune_every

    def _window(self, rate: Rate, key: str, now: float) -> deque[float]:
        self._calls += 1
        if self._calls % self._prune_every == 0:
            self._prune(now)
        self._windows[rate.name] = rate.seconds
        recent = self._recent.get((rate.name, key))
        if recent is None:
            recent = self._recent[(rate.name, key)] = deque()
        while recent and recent[0] <= now - rate.seconds:
            recent.popleft()
        return recent

    def _prune(self, now: float) -> None:
        idle = [k for k, r in self._recent.items() if not r or r[-1] <= now - self._windows.get(k[0], 0)]
        for k in idle:
            del self._recent[k]

    async def hit(self, rate: Rate, key: str) -> bool:
        now = self.clock()
        recent = self._window(rate, key, now)
        if len(recent) < rate.amount:
            recent.append(now)
            return True
        return False

    async def test(self, rate: Rate, key: str) -> bool:
        return len(self._window(rate, key, self.clock())) < rate.amount

    async def clear(self, rate: Rate, key: str) -> None:
        self._recent.pop((rate.name, key), None)

    async def free_in(self, rate: Rate, key: str) -> float:
        now = self.clock()
        recent = self._window(rate, key, now)
        if len(recent) < rate.amount:
            return 0.0
        # The window holds `amount` entries: a slot frees when the one `amount` back from the end leaves.
        return max(0.0, recent[-rate.amount] + rate.seconds - now)


class RedisRateLimiter(RateLimiter):
    """The `limits` library's moving window in Redis, shared by every instance on the same database.

    Keys: `<prefix>:limits:<rate name>/<key>/<amount>/<seconds>/second` (lists of timestamps
    the library's Lua scripts trim; they expire with their window). Times are the instances' own wall
    clocks (`limits` sends them to the script), so instances must be NTP-synchronised.
    """

    distributed = True

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        # Sharing the client's pool: one set of connections, closed once with the runtime.
        self.storage = RedisStorage(
            "async+redis://", implementation="redispy", key_prefix=f"{prefix}:limits",
            connection_pool=client.connection_pool,  # type: ignore[arg-type]
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._items: dict[Rate, RateLimitItem] = {}

    def _item(self, rate: Rate) -> RateLimitItem:
        item = self._items.get(rate)
        if item is None:
            item = self._items[rate] = RateLimitItemPerSecond(rate.amount, rate.seconds, namespace=rate.name)
        return item

    async def hit(self, rate: Rate, key: str) -> bool:
        return await self.limiter.hit(self._item(rate), key)

    async def test(self, rate: Rate, key: str) -> bool:
        return await self.limiter.test(self._item(rate), key)

    async def free_in(self, rate: Rate, key: str) -> float:
        stats = await self.limiter.get_window_stats(self._item(rate), key)
        if stats.remaining > 0:
            return 0.0
        return max(0.0, stats.reset_time - time.time())

    async def clear(self, rate: Rate, key: str) -> None:
        """Forget a window (tests, an operator lifting a limit)."""
        await self.limiter.clear(self._item(rate), key)
