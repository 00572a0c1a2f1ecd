"""Client-session middlewares: what happens to every request the bot makes to the Bot API.

* `RetryAfterMiddleware` waits out a 429 (`TelegramRetryAfter`) and sends the request again, a bounded
  number of times; a 403 (`TelegramForbiddenError`: the customer blocked the bot, deleted the account...)
  marks the customer blocked and is never retried.
* `OutboundPacer` keeps the bot under Telegram's limits before it gets a 429 at all: about one message a
  second per chat (short bursts allowed) and thirty a second overall.

Both are registered with `bot.session.middleware(...)`, the documented place for request middlewares.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
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

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

OnBlocked = Callable[[str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# A typing indicator is cosmetic: never delay an answer to retry one. getUpdates has its own back-off.
_NOT_RETRIED: tuple[type[TelegramMethod[Any]], ...] = (SendChatAction, GetUpdates)


def chat_of(method: TelegramMethod[Any]) -> str | None:
    """The chat a request goes to, if it goes to one."""
    chat_id = getattr(method, "chat_id", None)
    return None if chat_id is None else str(chat_id)


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Wait out flood-control errors and retry; mark customers who blocked the bot."""

    def __init__(
        self,
        on_blocked: OnBlocked | None = None,
        *,
        max_retries: int = 3,
        max_wait: float = 120.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.on_blocked = on_blocked
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
                    except Exception:  # noqa: BLE001 - a storage hiccup must not hide the 403
                        log.exception("could not mark chat %s blocked", chat)
                raise


class _Gcra:
    """Generic cell rate algorithm: `rate` per second with bursts of `burst`, as reservations."""

    __slots__ = ("interval", "tolerance", "tat")

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
    """Delay messages so one chat gets about `per_chat_rate` a second and the bot sends `global_rate` at most."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        global_rate: float = 30.0,
        global_burst: int = 30,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_chats: int = 10_000,
    ) -> None:
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self._global = _Gcra(global_rate, global_burst)
        self._chats: dict[str, _Gcra] = {}
        self._clock = clock
        self._sleep = sleep
        self._max_chats = max_chats

    def delay(self, chat: str | None) -> float:
        """Reserve a slot for one message to `chat` and return how long to wait for it."""
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

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _is_paced(method):
            wait = self.delay(chat_of(method))
            if wait > 0:
                log.debug("pacing %s to chat %s: %.2fs", method.__api_method__, chat_of(method), wait)
                await self._sleep(wait)
        return await make_request(bot, method)
