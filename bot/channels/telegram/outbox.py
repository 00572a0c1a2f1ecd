"""The customers' replies on Telegram: stored, then sent, by whichever instance is alive.

A turn's replies are rendered, queued in `telegram_outbox` (leased to this instance) and sent at once,
in the same task, so an answer is as quick as a direct send. A text message's replies are queued in its
turn's own transaction (`enqueue`, through the engine's `KeepWithTurn`): the customer's message and the
replies it is owed are committed together; a button press queues them after its turn (`send`). What
could not go (Telegram down, the instance killed half-way) stays queued: a lease that runs out frees
it, and the sweep of any instance sends it, a chat's messages always in their order. A message is marked sent right after Telegram took
it (while an update from the inbox is handled: together with the update, `marks_deferred`), so at most
the messages of the one update in flight at a crash can be sent twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.backoff import TELEGRAM_REPLY
from bot.channels.telegram.render import RenderedMessage
from bot.channels.telegram.sweep import Sweep
from bot.clock import Clock, system_clock
from bot.storage import Database
from bot.storage import telegram_outbox as queue
from bot.storage.database import in_session
from bot.storage.telegram_outbox import QueuedMessage

log = logging.getLogger(__name__)

SEND_MESSAGE = "sendMessage"
DROPPED = object()  # `_send_one`: Telegram refused this one message for good
# Bad requests that mean the chat itself cannot get messages (the others are about one message).
CHAT_GONE = ("chat not found", "user is deactivated", "bot was blocked", "have no rights to send")
GIVE_UP_AFTER = 20  # attempts: about an hour and a half of back-off, then the message is failed and logged


# Ids of messages sent while an update from the inbox is handled: marked sent in the same transaction
# that marks the update handled (one commit instead of one per message). Unset: marked at once.
_SENT_UNMARKED: ContextVar[list[int] | None] = ContextVar("telegram_sent_unmarked", default=None)


@contextlib.contextmanager
def marks_deferred() -> Iterator[list[int]]:
    """Collect the ids of the messages sent in this block instead of marking each sent in a transaction
    of its own; the caller marks them (`telegram_outbox.mark_sent`) in its own next transaction. A crash
    in between sends those messages again: the block must be short (one update's handling)."""
    sent: list[int] = []
    token = _SENT_UNMARKED.set(sent)
    try:
        yield sent
    finally:
        _SENT_UNMARKED.reset(token)


def payload_of(part: RenderedMessage) -> dict[str, Any]:
    """What sendMessage needs of a rendered part, as JSON the database keeps."""
    payload: dict[str, Any] = {"text": part.text}
    if part.reply_markup is not None:
        payload["reply_markup"] = part.reply_markup.model_dump(mode="json", exclude_none=True)
    return payload


class ReplyOutbox:
    """Queue a chat's messages in the database and send them; `start` sweeps what others left behind."""

    def __init__(
        self,
        database: Database,
        *,
        owner: str,
        clock: Clock = system_clock,
        lease: dt.timedelta = dt.timedelta(seconds=30),
        sweep_every: float = 5.0,
        keep_for: dt.timedelta = dt.timedelta(days=2),
    ) -> None:
        self.database = database
        self.bot: Bot | None = None  # the sweep's; a turn's replies go with the bot that got the message
        self.owner = owner
        self.clock = clock
        self.lease = lease
        self.keep_for = keep_for
        self.sent = 0
        self.failed = 0
        self._sweep = Sweep("telegram outbox sweep", self.sweep_once, self.purge, sweep_every)

    async def send(self, bot: Bot, chat_id: int, source: str | None, parts: Sequence[RenderedMessage]) -> list[Message]:
        """Queue the parts (once per `source`: a turn handled twice queues its replies once) and send them.

        Returns what Telegram answered for the parts sent now; a part that could not go yet is left to
        the sweep and is not an error for the caller.
        """
        async with self.database.sessions() as session, session.begin():
            queued = await self.enqueue(session, chat_id, source, parts)
        return await self.deliver(bot, queued)

    async def enqueue(
        self, session: AsyncSession, chat_id: int, source: str | None, parts: Sequence[RenderedMessage]
    ) -> list[QueuedMessage]:
        """Queue the parts in the caller's transaction (a turn's own: see `KeepWithTurn`): the messages to
        send once it committed, none when older messages of the chat are still unsent (these then go
        after them, by the sweep) or when `source` queued its messages before."""
        now = self.clock()
        messages = [(SEND_MESSAGE, payload_of(part)) for part in parts]
        ids, now_ok = await in_session(session, queue.enqueue_messages, chat_id, source, messages, now, self.owner, now + self.lease)
        if not now_ok:
            return []
        if ids and len(ids) != len(messages):  # a source queues all its messages or none: only the impossible middle
            return await in_session(session, queue.outbound, ids)
        # One multi-row INSERT numbers its rows in order: the ids, sorted, are the messages' own.
        return [QueuedMessage(row_id, chat_id, method, payload, 0) for row_id, (method, payload) in zip(ids, messages, strict=False)]

    async def already_queued(self, chat_id: int, source: str) -> bool:
        """Whether the replies to this inbound were queued (a turn handled again must not answer twice)."""
        return await self.database.run(queue.has_source, chat_id, source)

    async def deliver(self, bot: Bot, rows: Sequence[QueuedMessage]) -> list[Message]:
        """Send queued messages in order (those `enqueue` returned, once their transaction committed): what
        Telegram answered. One that cannot go yet holds back the chat's later ones, for the sweep."""
        sent: list[Message] = []
        for index, row in enumerate(rows):
            outcome = await self._send_one(bot, row)
            if outcome is DROPPED:  # refused for good, alone: the chat's next messages still go
                continue
            if outcome is None:  # not sent: the chat's later messages wait behind it
                await self._release(rows[index + 1 :])
                break
            sent.append(outcome)  # type: ignore[arg-type]
        return sent

    async def _send_one(self, bot: Bot, row: QueuedMessage) -> Message | object | None:
        """Send one queued message: what Telegram answered, `DROPPED` (refused for good, this message
        only), or None (not sent: retried later, or the chat cannot get messages at all)."""
        payload = dict(row.payload)
        markup = payload.pop("reply_markup", None)
        try:
            message = await bot.send_message(
                chat_id=row.chat_id,
                reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None,
                **payload,
            )
        except TelegramForbiddenError as exc:  # blocked the bot: the session middleware marked the customer
            await self._fail(row, f"forbidden: {exc.message}")
            return None
        except TelegramBadRequest as exc:
            if any(marker in exc.message.lower() for marker in CHAT_GONE):
                await self._fail(row, f"bad request: {exc.message}")
                return None
            self.failed += 1
            log.error("telegram: message %s to chat %s refused (%s); the chat's next messages still go", row.id, row.chat_id, exc.message)
            await self.database.run(queue.fail_message, row.id, self.clock(), f"bad request: {exc.message}")
            return DROPPED
        except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError) as exc:
            await self._retry(row, str(exc))
            return None
        except Exception as exc:
            log.exception("telegram: sending message %s to chat %s failed", row.id, row.chat_id)
            await self._retry(row, repr(exc))
            return None
        self.sent += 1
        unmarked = _SENT_UNMARKED.get()
        if unmarked is not None:
            unmarked.append(row.id)
            return message
        await self.database.run(queue.mark_sent, row.id, self.clock())
        return message

    async def _fail(self, row: QueuedMessage, error: str) -> None:
        self.failed += 1
        log.warning("telegram: message %s to chat %s not delivered (%s); the chat's queued messages are dropped", row.id, row.chat_id, error)
        await self.database.run(queue.fail_chat, row.chat_id, row.id, self.clock(), error)

    async def _retry(self, row: QueuedMessage, error: str) -> None:
        if row.attempts >= GIVE_UP_AFTER:
            await self._fail(row, f"gave up after {row.attempts} attempts: {error}")
            return
        delay = TELEGRAM_REPLY.after(row.attempts)
        log.info("telegram: message %s to chat %s will be retried in %s (%s)", row.id, row.chat_id, delay, error)
        await self.database.run(queue.retry_later, row.id, self.clock() + delay, error)

    async def _release(self, rows: Sequence[QueuedMessage]) -> None:
        """Give back the leases of messages held behind one that failed (they go after it, later)."""
        if not rows:
            return
        now = self.clock()

        def release(connection: Connection) -> None:  # one commit for all of them
            for row in rows:
                queue.retry_later(connection, row.id, now, "waiting behind an earlier message")

        await self.database.run(release)

    # -- the sweep --------------------------------------------------------------------------------

    async def sweep_once(self) -> int:
        """Send messages whose lease ran out (their instance died, or a retry is due); how many went."""
        bot = self.bot
        if bot is None:
            return 0
        now = self.clock()
        rows = await self.database.run(queue.orphan_messages, self.owner, now, now + self.lease)
        by_chat: dict[int, list[QueuedMessage]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        before = self.sent
        for chat_rows in by_chat.values():
            delivered = await self.deliver(bot, chat_rows)
            while len(delivered) == len(chat_rows):  # the whole head went: the chat's next ones follow
                now = self.clock()
                chat_rows = await self.database.run(
                    queue.later_messages_of_chat, chat_rows[0].chat_id, chat_rows[-1].id, self.owner, now, now + self.lease
                )
                if not chat_rows:
                    break
                delivered = await self.deliver(bot, chat_rows)
        return self.sent - before

    async def purge(self) -> int:
        """Forget messages sent (or failed) long ago."""
        return await self.database.run(queue.purge_messages, self.clock() - self.keep_for)

    def start(self, bot: Bot) -> None:
        """Sweep every few seconds until `stop`."""
        self.bot = bot
        self._sweep.start()

    async def stop(self) -> None:
        """Stop sweeping (a message being sent is finished first)."""
        await self._sweep.stop()
