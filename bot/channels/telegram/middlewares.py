"""Update middlewares, outermost first: de-duplication, error guard, flood limit, per-customer order.

They wrap every update the dispatcher gets (polling or webhook alike), before any router runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import CancelHandler, SkipHandler
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import Chat, TelegramObject, Update, User

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.texts import channel_text

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
    """Drop an update whose update_id was seen recently (a webhook redelivery, a restarted poller).

    aiogram has no de-duplication of its own. A bounded LRU of recent ids is enough: Telegram redelivers
    within minutes, and the engine also refuses a message id it already stored.
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


class ErrorGuard(BaseMiddleware):
    """Any exception while handling an update: log it with the update id, apologise to the customer.

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

    The first update over the limit gets a polite notice; the rest of the burst is dropped (and logged)
    until the customer is under the limit again.
    """

    def __init__(self, channel: TelegramChannel, limit: int, window: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.channel = channel
        self.limit = limit
        self.window = window
        self.clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._notified: set[int] = set()
        self._calls = 0

    def allow(self, chat_id: int) -> bool:
        """Count one update; False when it is over the limit."""
        now = self.clock()
        self._calls += 1
        if self._calls % 1000 == 0:
            self._prune(now)
        recent = self._recent.get(chat_id)
        if recent is None:
            recent = self._recent[chat_id] = deque()
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._notified.discard(chat_id)
            return True
        return False

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, r in self._recent.items() if not r or r[-1] <= now - self.window]:
            del self._recent[chat_id]
            self._notified.discard(chat_id)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        chat = _customer_chat(event, data)
        if chat is None or self.allow(chat.id):
            return await handler(event, data)
        bot: Bot = data["bot"]
        language = self.channel.language_of(data.get("event_from_user"))
        first = chat.id not in self._notified
        self._notified.add(chat.id)
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

    Polling handles updates as concurrent tasks; different customers still run in parallel.
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


def _update_id(event: TelegramObject) -> int | str:
    return event.update_id if isinstance(event, Update) else "?"
