"""The agents' side of Telegram: a supergroup with topics where people answer hand-offs.

`attach_agents` builds the `TelegramDesk` for AGENTS_CHAT_ID and makes it the hand-off service's desk;
`create_router` gives the router the dispatcher puts before the customers' routers. See the README, "Human hand-off".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.agents.access import AgentAccess
from bot.channels.telegram.agents.card import AgentButton
from bot.channels.telegram.agents.desk import TelegramDesk
from bot.channels.telegram.agents.pacer import GroupPacer

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.handoff.service import HandoffService
    from bot.repairs.services import RepairServices
    from bot.settings import Settings

__all__ = ["AgentAccess", "AgentButton", "GroupPacer", "TelegramDesk", "attach_agents", "create_router"]


def attach_agents(
    settings: Settings,
    service: HandoffService,
    bot: Bot,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    member_ttl: float = 300.0,
    repairs: RepairServices | None = None,
) -> TelegramDesk | None:
    """The agents' desk for AGENTS_CHAT_ID (None when it is not set), installed on the service; with
    the runtime's `repairs`, agents also handle repair tickets (/ticket)."""
    if settings.agents_chat_id is None:
        return None
    chat_id = int(settings.agents_chat_id)
    language = settings.agents_language or settings.default_language
    tickets = None
    if repairs is not None:
        from bot.channels.telegram.agents.tickets import TicketCommands

        tickets = TicketCommands(repairs.desk, language, catalog=repairs.context.catalog)
    desk = TelegramDesk(
        bot,
        chat_id,
        service,
        access=AgentAccess(bot, chat_id, settings.agent_ids, ttl=member_ttl, clock=clock),
        pacer=GroupPacer(settings.agents_messages_per_minute, clock=clock, sleep=sleep),
        language=language,
        tickets=tickets,
    )
    service.desk = desk
    service.fetcher = desk.fetcher
    return desk


def create_router(desk: TelegramDesk) -> Router:
    """Messages and card buttons in the agents' chat; nothing written elsewhere reaches this router."""
    router = Router(name="agents")

    async def in_agents_chat(message: Message) -> bool:
        return message.chat.id == desk.chat_id

    async def on_card(query: CallbackQuery) -> bool:
        return query.message is not None and query.message.chat.id == desk.chat_id

    @router.message(in_agents_chat)
    async def agents_message(message: Message) -> None:
        await desk.on_message(message)

    @router.callback_query(on_card, AgentButton.filter())
    async def card_button(query: CallbackQuery, callback_data: AgentButton) -> None:
        await desk.on_button(query, callback_data)

    return router
