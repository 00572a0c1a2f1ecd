"""Filters as coroutines: aiogram runs a plain function or a magic filter (`F.text`) in a worker thread
(`asyncio.to_thread`) for every update, which costs more than the filter itself."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import ChatMemberUpdated, Message


async def private_chat(event: Message | ChatMemberUpdated) -> bool:
    """Only one-to-one chats with a customer; the bot is not meant for groups."""
    return event.chat.type == ChatType.PRIVATE


async def has_text(message: Message) -> bool:
    return message.text is not None
