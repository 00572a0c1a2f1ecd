"""Update middlewares, outermost first: de-duplication, error guard, flood limit, per-customer order
(and, with several instances, resolving buttons made by another).

They wrap every update the dispatcher gets (polling or webhook alike), before any router runs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.event.bases import CancelHandler, SkipHandler
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import Chat, TelegramObject, Update, User
from sqlalchemy.exc import DBAPIError

from bot.channels.telegram.callbacks import REF_TTL, IntentChoice, parse_callback
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbox import FROM_INBOX
from bot.channels.telegram.texts import channel_text
from bot.coordination import (
    REDIS_ERRORS,
    Degraded,
    MemoryRateLimiter,
    Rate,
    RateLimiter,
    Shared,
)

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Clock = Callable[[], float]


def _customer_chat(update: Update, data: dict[str, Any]) -> Chat | None:
    """The private chat a message or button press came from; None for anything else."""
    if update.message is None and update.callback_query is None:
        return None
    chat: Chat | None = data.get("event_chat")
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    return chat


def _ordered_chat(update: Update, data: dict[str, Any]) -> Chat | None:
    """The private chat whose updates must be handled in order: messages, button presses and the
    customer blocking or restarting the bot (a "member" update followed by a message must not race)."""
    if update.my_chat_member is not None:
        chat: Chat | None = data.get("event_chat")
        return chat if chat is not None and chat.type == ChatType.PRIVATE else None
    return _customer_chat(update, data)


class UpdateDedup(BaseMiddleware):
    """Drop an update whose update_id was seen recently, for a dispatcher without the database inbox.

    aiogram has no de-duplication of its own. With the inbox (every `supportbot serve`) the update id is
    the key of `telegram_updates`, which recognises a redelivery on every instance; without it (a
    dispatcher on a runtime without a database) a bounded LRU of this process's recent ids is enough.
    """

    def __init__(self, channel: TelegramChannel, size: int = 10_000) -> None:
        self.channel = channel
        self.size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    def seen(self, update_id: int) -> bool:
        """Remember the id; True if it was already there."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            return True
        self._seen[update_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and self.seen(event.update_id):
            self.channel.stats.duplicate_updates += 1
            log.info("update %s delivered again: dropped", event.update_id)
            return None
        return await handler(event, data)


class UpdateNotHandled(Exception):
    """A failure that may pass (database, network) while handling an update from the inbox: retried."""


# Failures that pass: the database unreachable or restarting, a connection reset.
TRANSIENT: tuple[type[BaseException], ...] = (DBAPIError, OSError)


class ErrorGuard(BaseMiddleware):
    """Any exception while handling an update: log it with the update id, apologise to the customer.

    Except a failure that may pass (`TRANSIENT`) on an update the database inbox handles: that update
    is given back to the inbox (`UpdateNotHandled`) and handled again, so no message is dropped.

    A customer who blocked the bot gets nothing (the session middleware already marked them blocked).
    """

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except (SkipHandler, CancelHandler):
            raise
        except TelegramForbiddenError as exc:
            log.info("update %s: cannot write to the customer (%s)", _update_id(event), exc.message)
            return None
        except TelegramRetryAfter as exc:
            self.channel.stats.errors += 1
            log.error("update %s: still rate limited after retrying (%s); reply dropped", _update_id(event), exc.message)
            return None
        except TRANSIENT as exc:
            if not data.get(FROM_INBOX):
                raise
            # The database or the network failed for a moment: the inbox gives the update back and it is
            # handled again later (the turn was rolled back), rather than apologised for and dropped.
            self.channel.stats.errors += 1
            raise UpdateNotHandled(f"update {_update_id(event)}: {type(exc).__name__}") from exc
        except Exception:
            self.channel.stats.errors += 1
            log.exception("update %s failed", _update_id(event))
            if isinstance(event, Update):
                await self._apologise(event, data)
            return None

    async def _apologise(self, update: Update, data: dict[str, Any]) -> None:
        bot: Bot = data["bot"]
        chat = _customer_chat(update, data)
        user: User | None = data.get("event_from_user")
        if update.callback_query is not None:
            try:
                await bot.answer_callback_query(callback_query_id=update.callback_query.id)
            except Exception as exc:  # noqa: BLE001 - already answered, or too old
                log.debug("could not answer callback %s: %s", update.callback_query.id, exc)
        if chat is not None:
            await self.channel.apologise(bot, chat.id, user)


class FloodLimit(BaseMiddleware):
    """At most `limit` messages and button presses per customer in any `window` seconds.

    The first update over the limit gets a polite notice (one per window); the rest of the burst is
    dropped (and logged). The windows live in the given `RateLimiter`: in memory on `clock` by default,
    in Redis when instances share it, so a customer's 21st message of a minute is over the limit
    whichever instances the 20 others reached. Redis unreachable: counted in this process meanwhile.
    """

    def __init__(
        self, channel: TelegramChannel, limit: int, window: float = 60.0, clock: Clock = time.monotonic,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.channel = channel
        self.limit = limit
        self.window = window
        self.local = MemoryRateLimiter(clock)
        self.limiter = limiter or self.local
        seconds = max(1, math.ceil(window))
        self.rate = Rate("flood", limit, seconds)
        self.notice = Rate("flood-notice", 1, seconds)
        self._degraded = Degraded("the flood limit counts per instance until it is back")

    async def _hit(self, rate: Rate, chat_id: int) -> bool:
        if self.limiter is not self.local and not self._degraded.active:
            try:
                return await self.limiter.hit(rate, str(chat_id))
            except REDIS_ERRORS as exc:
                self._degraded(exc)
        return await self.local.hit(rate, str(chat_id))

    async def allow(self, chat_id: int) -> bool:
        """Count one update; False when it is over the limit."""
        return await self._hit(self.rate, chat_id)

    async def first_notice(self, chat_id: int) -> bool:
        """Whether this customer is owed the "slow down" notice (once per window)."""
        return await self._hit(self.notice, chat_id)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        chat = _customer_chat(event, data)
        if chat is None or await self.allow(chat.id):
            return await handler(event, data)
        bot: Bot = data["bot"]
        language = self.channel.language_of(data.get("event_from_user"))
        first = await self.first_notice(chat.id)
        self.channel.stats.flood_dropped += 1
        log.info("update %s from chat %s over the flood limit (%d/min): dropped", event.update_id, chat.id, self.limit)
        if event.callback_query is not None:
            await event.callback_query.answer(text=channel_text("flood", language) if first else None)
        elif first:
            await bot.send_message(chat_id=chat.id, text=channel_text("flood", language))
        if first:
            self.channel.stats.flood_notices += 1
        return None


class CustomerOrder(BaseMiddleware):
    """One update per customer at a time, in arrival order: replies never interleave or overtake.

    An `asyncio.Lock` per chat, in this process. Across instances the database inbox hands out a chat's
    updates one at a time, in order (bot/channels/telegram/inbox.py), so nothing more is needed there.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = _ordered_chat(event, data) if isinstance(event, Update) else None
        if chat is None:
            return await handler(event, data)
        lock = self._locks.get(chat.id)
        if lock is None:
            lock = self._locks[chat.id] = asyncio.Lock()
        try:
            async with lock:
                return await handler(event, data)
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(chat.id, None)


class ButtonRefs(BaseMiddleware):
    """Before a button press is handled, resolve a run-time reference another instance made
    (`IntentRefs.load`): the routers then resolve it synchronously like any other."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None and query.data:
            parsed = parse_callback(query.data)
            if isinstance(parsed, IntentChoice):
                await self.channel.refs.load(parsed.ref)
        return await handler(event, data)


def _update_id(event: TelegramObject) -> int | str:
    return event.update_id if isinstance(event, Update) else "?"


def install(
    dispatcher: Dispatcher, channel: TelegramChannel, *, flood_limit: int, clock: Clock = time.monotonic,
    shared: Shared | None = None, durable: bool = False,
) -> None:
    """Register the update middlewares in their order, sharing their state through `shared` when it is
    distributed (REDIS_URL) and keeping it in this process otherwise (exactly one instance's view).

    `durable`: updates come from the database inbox (bot/channels/telegram/inbox.py), which recognises
    a redelivery by its update id on every instance and hands out a chat's updates one at a time, in
    order, across instances. De-duplication by memory would then be harmful, not just redundant: an
    update handed out again because its instance died mid-turn would be dropped as "seen".
    """
    distributed = shared if shared is not None and shared.distributed else None
    if not durable:
        dispatcher.update.outer_middleware(UpdateDedup(channel))
    dispatcher.update.outer_middleware(ErrorGuard(channel))
    dispatcher.update.outer_middleware(
        FloodLimit(channel, flood_limit, clock=clock, limiter=distributed.limiter if distributed else None)
    )
    dispatcher.update.outer_middleware(CustomerOrder())
    if distributed is not None:
        channel.refs.share(distributed.values("button-ref", REF_TTL))
        dispatcher.update.outer_middleware(ButtonRefs(channel))
