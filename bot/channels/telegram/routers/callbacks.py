"""Inline buttons: typed callback data to engine actions; anything that does not parse gets an alert."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

from bot.channels.telegram.callbacks import CALLBACK_TYPES, unpack_action
from bot.channels.telegram.channel import TelegramChannel


def create_router() -> Router:
    router = Router(name="callbacks")

    async def pressed(query: CallbackQuery, bot: Bot, channel: TelegramChannel, callback_data: object) -> None:
        await channel.on_callback(bot, query, callback_data, unpack_action(callback_data, channel.refs))  # type: ignore[arg-type]

    for kind in CALLBACK_TYPES:
        router.callback_query.register(pressed, kind.filter())

    @router.callback_query()
    async def unknown(query: CallbackQuery, channel: TelegramChannel) -> None:
        await channel.reject_callback(query)

    return router
