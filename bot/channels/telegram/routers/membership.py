"""`my_chat_member`: the customer blocked the bot (status "kicked") or started it again ("member")."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.filters import private_chat

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(private_chat)

    @router.my_chat_member()
    async def member(update: ChatMemberUpdated, channel: TelegramChannel) -> None:
        status = update.new_chat_member.status
        if status == ChatMemberStatus.KICKED:
            log.info("chat %s blocked the bot", update.chat.id)
            await channel.set_blocked(update.chat.id, True)
        elif status == ChatMemberStatus.MEMBER:
            log.info("chat %s (re)started the bot", update.chat.id)
            await channel.set_blocked(update.chat.id, False)

    return router
