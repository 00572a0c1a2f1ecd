"""Client-session middlewares: what happens to every request the bot makes to the Bot API.

* `RetryAfterMiddleware` waits out a 429 (`TelegramRetryAfter`) and sends the request again, a bounded
  number of times; a 403 (`TelegramForbiddenError`: the customer blocked the bot, deleted the account...)
  marks the customer blocked and is never retried.
* `KeepResponseModels` keeps the model aiogram parses each answer with alive (see its docstring).
* `OutboundPacer` keeps the bot under Telegram's limits before it gets a 429 at all: about one message a
  second per chat (short bursts allowed) and thirty a second overall; with several instances, counted
  together in Redis (also 20 a minute per group).

All are registered with `bot.session.middleware(...)`, the documented place for request middlewares.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    CopyMessages,
    ForwardMessage,
    ForwardMessages,
    GetUpdates,
    SendChatAction,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType

from bot.coordination import REDIS_ERRORS, Degraded, Rate, RateLimiter
from bot.coordination.limits import Slot

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

OnBlocked = Callable[[str], Awaitable[None]]
OnRetryAfter = Callable[[str], None]  # told the API method of every 429 (the runtime's metrics count them)
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# A typing indicator is cosmetic: never delay an answer to retry one. getUpdates has its own back-off.
_NOT_RETRIED: tuple[type[TelegramMethod[Any]], ...] = (SendChatAction, GetUpdates)


def chat_of(method: TelegramMethod[Any]) -> str | None:
    """The chat a request goes to, if it goes to one."""
    chat_id = getattr(method, "chat_id", None)
    return None if chat_id is None else str(chat_id)


class KeepResponseModels(BaseRequestMiddleware):
    """Hold the `Response[...]` model of each method the bot calls for as long as the bot lives.

    aiogram parses every answer with `Response[method.__returning__]`, a parametrised pydantic generic.
    pydantic caches those only weakly, so once the garbage collector takes one (a turn allocates enough
    for it to, every few requests), the next request builds the class again from its schema: 2 to 3 ms
    of a sendMessage that otherwise costs 0.1 ms (`benchmarks/pipeline.py`). Holding one reference per
    method makes that a dictionary lookup.
    """

    def __init__(self) -> None:
        self.models: dict[type[TelegramMethod[Any]], Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self.models:
            self.models[kind] = Response[method.__returning__]  # type: ignore[name-defined,misc]
        return await make_request(bot, method)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Wait out flood-control errors and retry; mark customers who blocked the bot."""

    def __init__(
        self,
        on_blocked: OnBlocked | None = None,
        *,
        max_retries: int = 3,
        max_wait: float = 120.0,
        sleep: Sleep = asyncio.sleep,
        on_retry_after: OnRetryAfter | None = None,
    ) -> None:
        self.on_blocked = on_blocked
        self.on_retry_after = on_retry_after
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if self.on_retry_after is not None:
                    try:
                        self.on_retry_after(method.__api_method__)
                    except Exception:  # counting a 429 must never change how it is handled
                        log.debug("could not count a 429", exc_info=True)
                if isinstance(method, _NOT_RETRIED) or attempt > self.max_retries or exc.retry_after > self.max_wait:
                    log.warning(
                        "%s: flood control (retry after %ss), giving up after %d attempt(s)",
                        method.__api_method__, exc.retry_after, attempt,
                    )
                    raise
                log.info(
                    "%s to chat %s: flood control, retrying in %ss (attempt %d of %d)",
                    method.__api_method__, chat_of(method), exc.retry_after, attempt, self.max_retries,
                )
                await self._sleep(exc.retry_after)
            except TelegramForbiddenError as exc:
                chat = chat_of(method)
                log.info("%s to chat %s forbidden (%s): marking the customer blocked", method.__api_method__, chat, exc.message)
                if chat is not None and self.on_blocked is not None:
                    try:
                        await self.on_blocked(chat)
                    except Exception:
                        log.exception("could not mark chat %s blocked", chat)
                raise


class _Gcra:
    """Generic cell rate algorithm: `rate` per second with bursts of `burst`, as reservations."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.tat = 0.0  # theoretical arrival time of the next request

    def reserve(self, now: float) -> float:
        """Reserve the next slot; return how long to wait before using it."""
        tat = max(self.tat, now)
        self.tat = tat + self.interval
        return max(0.0, tat - self.tolerance - now)

    def idle(self, now: float) -> bool:
        return self.tat <= now


def _is_paced(method: TelegramMethod[Any]) -> bool:
    if isinstance(method, SendChatAction):
        return False
    return method.__api_method__.startswith("send") or isinstance(
        method, (CopyMessage, CopyMessages, ForwardMessage, ForwardMessages)
    )


class OutboundPacer(BaseRequestMiddleware):
    """Delay messages so one chat gets about `per_chat_rate` a second and the bot sends `global_rate` at most.

    Telegram's limits are per bot, so with several instances they must be counted together: given a
    shared `limiter` (`bot.coordination`, Redis), every message takes a slot in the bot's window, its
    chat's window and, for a group, the group's 20-a-minute window, and waits (never refuses) until all
    are free, the wait read from the windows. Without one, this process reserves slots on its own
    (`_Gcra`: exact, no round trip), as one instance always did. Redis unreachable: paced per process.
    """

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        global_rate: float = 30.0,
        global_burst: int = 30,
        group_per_minute: int = 20,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_chats: int = 10_000,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self._global = _Gcra(global_rate, global_burst)
        self._chats: dict[str, _Gcra] = {}
        self._clock = clock
        self._sleep = sleep
        self._max_chats = max_chats
        self.limiter = limiter
        self.global_slot = Rate.per_second("pace-bot", global_rate, global_burst)
        self.chat_slot = Rate.per_second("pace-chat", per_chat_rate, per_chat_burst)
        self.group_slot = Rate("pace-group", group_per_minute, 60)
        self.waits = 0  # messages that had to wait (tests, diagnostics)
        self._degraded = Degraded("messages are paced per instance until it is back")

    def delay(self, chat: str | None) -> float:
        """Reserve a slot for one message to `chat` in this process and return how long to wait for it."""
        now = self._clock()
        wait = self._global.reserve(now)
        if chat is not None:
            bucket = self._chats.get(chat)
            if bucket is None:
                if len(self._chats) >= self._max_chats:
                    self._chats = {k: v for k, v in self._chats.items() if not v.idle(now)}
                bucket = self._chats[chat] = _Gcra(self.per_chat_rate, self.per_chat_burst)
            wait = max(wait, bucket.reserve(now))
        return wait

    def slots(self, chat: str | None) -> list[Slot]:
        """The shared windows one message to `chat` takes a slot in (the chat's first: it is the one
        most often full, so a refused attempt rarely holds a slot of the bot's window)."""
        slots: list[Slot] = []
        if chat is not None:
            slots.append((self.chat_slot, chat))
            if chat.startswith("-"):  # groups and channels have negative ids
                slots.append((self.group_slot, chat))
        slots.append((self.global_slot, "all"))
        return slots

    async def shared_delay(self, chat: str | None) -> float:
        """Try once to take the shared slots: 0.0 when taken, else how long to wait before trying again."""
        if self.limiter is None:  # nothing shared: this process's reservation is the answer
            return self.delay(chat)
        return await self.limiter.take(self.slots(chat))

    async def _pace(self, method: TelegramMethod[Any]) -> None:
        chat = chat_of(method)
        if self.limiter is None or self._degraded.active:
            wait = self.delay(chat)
            if wait > 0:
                self.waits += 1
                log.debug("pacing %s to chat %s: %.2fs", method.__api_method__, chat, wait)
                await self._sleep(wait)
            return
        waited = False
        while True:
            try:
                wait = await self.shared_delay(chat)
            except REDIS_ERRORS as exc:
                self._degraded(exc)
                wait = self.delay(chat)
                if wait > 0:
                    self.waits += 1
                    await self._sleep(wait)
                return
            if wait <= 0:
                return
            if not waited:
                self.waits += 1
                waited = True
            log.debug("pacing %s to chat %s (shared): %.2fs", method.__api_method__, chat, wait)
            await self._sleep(wait)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _is_paced(method):
            await self._pace(method)
        return await make_request(bot, method)
