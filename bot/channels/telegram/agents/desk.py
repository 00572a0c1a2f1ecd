"""The agents' Telegram supergroup (forum topics on) as the hand-off `AgentDesk`.

One topic per escalation, named after the customer and the reason; its first post is the card (who,
why, status, due time, bookings, last messages) with Take / Release / Close buttons. The work is split
by job: `topics` (where escalations are, posting into topics, cards), `notices` (showing each desk
event), `commands` (what agents write and press). This class joins them and turns Telegram's
transient failures into `DeskRetry`, so the hand-off outbox keeps the event and tries again:
flood control (429), network trouble, and a bot that lost its rights in the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.agents.access import AgentAccess
from bot.channels.telegram.agents.card import AgentButton
from bot.channels.telegram.agents.commands import AgentCommands
from bot.channels.telegram.agents.notices import DeskNotices
from bot.channels.telegram.agents.pacer import GroupPacer
from bot.channels.telegram.agents.tickets import TicketCommands
from bot.channels.telegram.agents.topics import ForumTopics
from bot.handoff.desk import DeskEvent, DeskRetry
from bot.handoff.service import HandoffService
from bot.settings import Language

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class TelegramDesk:
    """`AgentDesk` over the agents' supergroup, plus the handlers of what agents do there."""

    enabled = True

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        service: HandoffService,
        *,
        access: AgentAccess,
        pacer: GroupPacer,
        language: Language,
        tickets: TicketCommands | None = None,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.service = service
        self.access = access
        self.pacer = pacer
        self.language = language
        self.topics = ForumTopics(bot, chat_id, service, pacer=pacer, language=language)
        self.notices = DeskNotices(bot, self.topics)
        self.commands = AgentCommands(bot, self.topics, access, tickets)

    async def check(self) -> bool:
        """At start-up: say clearly in the log when the agents' chat cannot work (not a forum, the bot
        not an admin allowed to manage topics). True when it looks right."""
        try:
            chat = await self.bot.get_chat(chat_id=self.chat_id)
            me = await self.bot.me()
            member = await self.bot.get_chat_member(chat_id=self.chat_id, user_id=me.id)
        except Exception as exc:  # noqa: BLE001 - a diagnosis must never stop the bot
            reason = getattr(exc, "message", None) or str(exc)
            log.error("agents' chat %s is not reachable (%s): is AGENTS_CHAT_ID right and the bot a member?", self.chat_id, reason)
            return False
        problems = []
        if not getattr(chat, "is_forum", False):
            problems.append("topics are off (turn Topics on in the group's settings)")
        if member.status != "administrator" or not getattr(member, "can_manage_topics", False):
            problems.append('the bot is not an administrator with the "Manage topics" right')
        if problems:
            log.error("agents' chat %s: %s; hand-offs wait in the database until this is fixed", self.chat_id, "; ".join(problems))
            return False
        log.info("agents' chat %s ready (%s)", self.chat_id, getattr(chat, "title", ""))
        return True

    async def publish(self, event: DeskEvent) -> None:
        """`AgentDesk.publish`: show the event; Telegram's transient failures become `DeskRetry`."""
        try:
            await self.notices.show(event)
        except TelegramRetryAfter as exc:
            raise DeskRetry(float(exc.retry_after), "flood control in the agents' chat") from exc
        except TelegramNetworkError as exc:
            raise DeskRetry(10.0, f"network: {exc.message}") from exc
        except TelegramForbiddenError as exc:
            log.error("the bot cannot write to the agents' chat %s: %s", self.chat_id, exc.message)
            raise DeskRetry(300.0, "the bot cannot write to the agents' chat (is it still an admin there?)") from exc

    async def on_message(self, message: Message) -> None:
        """Anything written in the agents' chat."""
        await self.commands.on_message(message)

    async def on_button(self, query: CallbackQuery, data: AgentButton) -> None:
        """Take / Release / Close under a card."""
        await self.commands.on_button(query, data)

    def fetcher(self, reference: str) -> Callable[[], Awaitable[bytes]] | None:
        """For the service: a download for a stored "telegram:<kind>:<file_id>" reference."""
        parts = reference.split(":", 2)
        return self.commands.fetcher_for(parts[2]) if len(parts) == 3 and parts[0] == "telegram" else None
