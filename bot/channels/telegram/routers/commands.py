"""/start, /help and /language: the engine's RESET, HELP and LANGUAGE actions."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.filters import private_chat
from bot.engine.types import Action, ActionKind


def create_router() -> Router:
    router = Router(name="commands")
    router.message.filter(private_chat)

    @router.message(CommandStart())
    async def start(message: Message, bot: Bot, channel: TelegramChannel) -> None:
        await channel.on_message(bot, message, action=Action(ActionKind.RESET))

    @router.message(Command("help"))
    async def help_(message: Message, bot: Bot, channel: TelegramChannel) -> None:
        await channel.on_message(bot, message, action=Action(ActionKind.HELP))

    @router.message(Command("language"))
    async def language(message: Message, bot: Bot, channel: TelegramChannel) -> None:
        # An empty value asks the engine for the three language buttons.
        await channel.on_message(bot, message, action=Action(ActionKind.LANGUAGE))

    return router
