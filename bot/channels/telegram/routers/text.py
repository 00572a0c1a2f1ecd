"""Free text: a question, a number answering a list, or another command the engine understands."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.filters import has_text, private_chat


def create_router() -> Router:
    router = Router(name="text")
    router.message.filter(private_chat)

    @router.message(has_text)
    async def text(message: Message, bot: Bot, channel: TelegramChannel) -> None:
        await channel.on_message(bot, message, text=message.text)

    return router
