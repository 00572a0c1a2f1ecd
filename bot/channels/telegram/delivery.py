"""Hand-off delivery for Telegram customers (`bot.handoff.delivery.CustomerDelivery`, channel "telegram").

The bot's own lines are rendered like any reply (HTML-escaped, split, with their buttons). An agent's
message goes out as sent by the bot, headed by the agent's first name in bold; a photo or document the
agent posted in the agents' chat is re-sent by its Telegram file id (the same bot can send any file it
has seen), its text as the caption.

Telegram errors become the delivery errors the hand-off service understands: 403 (blocked, deactivated)
and "chat not found" → `CustomerUnreachable`; flood control and network trouble → `DeliveryFailed`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)

from bot.channels.telegram.render import escape, split_text
from bot.engine.types import Reply
from bot.handoff.delivery import AgentMessage, CustomerUnreachable, DeliveryFailed

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.channels.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
T = TypeVar("T")


async def _guard(call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except TelegramForbiddenError as exc:
        raise CustomerUnreachable(exc.message) from exc
    except TelegramBadRequest as exc:
        if "chat not found" in exc.message.lower() or "user is deactivated" in exc.message.lower():
            raise CustomerUnreachable(exc.message) from exc
        raise DeliveryFailed(exc.message) from exc
    except (TelegramRetryAfter, TelegramNetworkError) as exc:
        raise DeliveryFailed(str(exc)) from exc


def file_id(reference: str) -> str | None:
    """The Telegram file id in a reference such as "telegram:photo:<file_id>"."""
    parts = reference.split(":", 2)
    if len(parts) == 3 and parts[0] == "telegram":
        return parts[2]
    return None


class TelegramDelivery:
    """Delivers hand-off messages to Telegram customers."""

    channel = "telegram"

    def __init__(self, bot: Bot, channel: TelegramChannel) -> None:
        self.bot = bot
        self.telegram = channel

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        if source is None:
            await _guard(lambda: self.telegram.send(self.bot, int(customer_id), tuple(replies)))
            return
        # Keyed lines (a repair notice, "job:12") go through the durable outbox, once per source. The
        # outbox keeps a refusal to itself (a 403 fails the chat's queue, and the bot's session marks
        # the customer blocked), so the customer's blocked mark is what tells us they were not reached.
        if await self._blocked(customer_id):
            raise CustomerUnreachable(f"telegram chat {customer_id} blocked the bot")
        await _guard(lambda: self.telegram.send(self.bot, int(customer_id), tuple(replies), source=source))
        if await self._blocked(customer_id):
            raise CustomerUnreachable(f"telegram chat {customer_id} blocked the bot")

    async def _blocked(self, customer_id: str) -> bool:
        is_blocked = getattr(self.telegram.store, "is_blocked", None)
        return bool(is_blocked is not None and await is_blocked("telegram", customer_id))

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        chat_id = int(customer_id)
        head = f"<b>{escape(message.agent_name)}</b>" if message.agent_name else ""
        text = (message.text or "").strip()
        attachment = message.attachment
        reference = file_id(attachment.reference) if attachment is not None else None
        if attachment is not None and reference is not None:
            caption = f"{head}: {escape(text)}" if head and text else (head or escape(text))
            rest = ""
            if len(caption) > CAPTION_LIMIT:
                caption, rest = head, text
            if attachment.kind == "photo":
                await _guard(lambda: self.bot.send_photo(chat_id=chat_id, photo=reference, caption=caption or None))
            else:
                await _guard(lambda: self.bot.send_document(chat_id=chat_id, document=reference, caption=caption or None))
            if rest:
                await self._text(chat_id, "", rest)
            return
        if attachment is not None:  # a file from elsewhere: say so rather than drop it
            text = f"{text}\n{attachment.placeholder(message.language)}".strip()
        await self._text(chat_id, head, text)

    async def _text(self, chat_id: int, head: str, text: str) -> None:
        parts = split_text(text, 4000) or [""]
        for index, part in enumerate(parts):
            body = escape(part)
            if index == 0 and head:
                body = f"{head}: {body}" if body else head
            if body:
                await _guard(lambda body=body: self.bot.send_message(chat_id=chat_id, text=body))
                self.telegram.stats.sent += 1
