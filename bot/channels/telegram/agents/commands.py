"""What agents do in their chat: write to the customer in a topic, /commands, and the card's buttons.

Text, photos and documents written in an escalation's topic reach the customer (`HandoffService.
agent_message`); `/note` stays internal; `/take`, `/release`, `/close` and `/bot` act on the topic's
escalation, or on "#12" from anywhere; `/queue` and `/stats` answer where they were asked. Only agents
(`AgentAccess`) are heard; other users, bots and service messages are ignored.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.enums import ContentType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.channels.telegram.agents.access import AgentAccess
from bot.channels.telegram.agents.card import AgentButton, queue_text, stats_text
from bot.channels.telegram.agents.tickets import TicketCommands
from bot.channels.telegram.agents.topics import ForumTopics, thread_closed, thread_gone
from bot.channels.telegram.render import escape
from bot.handoff.delivery import Attachment
from bot.handoff.service import Agent, OpResult
from bot.handoff.texts import agent_text
from bot.i18n import text as catalog_text

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

RELAYED = (ContentType.TEXT, ContentType.PHOTO, ContentType.DOCUMENT)
NOT_RELAYED = (
    ContentType.STICKER, ContentType.VOICE, ContentType.AUDIO, ContentType.VIDEO, ContentType.VIDEO_NOTE,
    ContentType.ANIMATION, ContentType.LOCATION, ContentType.CONTACT, ContentType.POLL, ContentType.VENUE,
)
COMMANDS = ("take", "release", "close", "bot", "note", "queue", "stats", "ticket", "help")


def agent_of(user: Any) -> Agent:
    """The hand-off's agent for a Telegram user: their id and first name."""
    name = (user.first_name or user.full_name or str(user.id)).strip()[:64]
    return Agent(id=str(user.id), name=name)


class AgentCommands:
    """Handles what agents write and press in the agents' chat."""

    def __init__(self, bot: Bot, topics: ForumTopics, access: AgentAccess, tickets: TicketCommands | None = None) -> None:
        self.bot = bot
        self.tickets = tickets  # /ticket: repair tickets (None: a runtime without the repair lifecycle)
        self.topics = topics
        self.service = topics.service
        self.access = access
        self.chat_id = topics.chat_id
        self.language = topics.language
        self._username: str | None = None

    def t(self, key: str, **values: object) -> str:
        return agent_text(key, self.language, **values)

    async def reply(self, message: Message, text: str) -> None:
        """Answer an agent where they wrote (paced like every post): in a closed topic it is reopened
        for the answer and closed again; a deleted one gets the answer in General."""
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            try:
                await self.topics.post(text, thread)
            except TelegramBadRequest as exc:
                if thread is not None and thread_closed(exc):
                    await self.topics.reopen(thread)
                    await self.topics.post(text, thread)
                    await self.bot.close_forum_topic(chat_id=self.chat_id, message_thread_id=thread)
                elif thread is not None and thread_gone(exc):
                    await self.topics.post(text, None)
                else:
                    raise
        except TelegramAPIError as exc:
            log.warning("could not answer in the agents' chat: %s", exc)

    async def on_message(self, message: Message) -> None:
        """Anything written in the agents' chat."""
        user = message.from_user
        if user is None or user.is_bot or message.sender_chat is not None:
            return
        content = message.content_type
        if content not in RELAYED and content not in NOT_RELAYED:
            return  # service messages: topic created, closed, members joining...
        if not await self.access.is_agent(user):
            log.info("user %s in the agents' chat is not an agent: ignored", user.id)
            return
        topic = message.message_thread_id if message.is_topic_message else None
        text = message.text
        if text is not None and text.startswith("/"):
            await self._command(message, topic, text)
            return
        if topic is None:
            return  # talk among agents in General
        view = await self.topics.escalation_at(topic)
        if view is None:
            return  # a topic the bot did not open
        if content not in RELAYED:
            await self.reply(message, escape(self.t("reply.unsupported")))
            return
        result = await self.service.agent_message(
            view.id,
            agent_of(user),
            text=text if text is not None else message.caption,
            attachment=self._attachment(message),
            external_id=f"tg:{message.chat.id}:{message.message_id}",
        )
        if result.code in ("inactive", "not_found"):
            await self.reply(message, escape(self.t(f"reply.{result.code}")))

    def _attachment(self, message: Message) -> Attachment | None:
        if message.photo:
            file_id = message.photo[-1].file_id
            return Attachment("photo", f"telegram:photo:{file_id}", fetch=self.fetcher_for(file_id))
        if message.document is not None:
            document = message.document
            return Attachment(
                "document",
                f"telegram:document:{document.file_id}",
                file_name=document.file_name,
                mime_type=document.mime_type,
                fetch=self.fetcher_for(document.file_id),
            )
        return None

    def fetcher_for(self, file_id: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            buffer = io.BytesIO()
            await self.bot.download(file_id, destination=buffer)
            return buffer.getvalue()

        return fetch

    async def _bot_username(self) -> str:
        if self._username is None:
            me = await self.bot.me()
            self._username = (me.username or "").lower()
        return self._username

    async def _command(self, message: Message, topic: int | None, text: str) -> None:
        word, _, rest = text.partition(" ")
        name, _, mention = word[1:].partition("@")
        if mention and mention.lower() != await self._bot_username():
            return  # another bot's command
        name = name.lower()
        rest = rest.strip()
        if name == "queue":
            views = await self.service.queue()
            topics = await self.topics.links([v.id for v in views])
            await self.reply(message, queue_text(views, self.language, self.topics.now(), self.service.zone, self.chat_id, topics))
            return
        if name == "stats":
            await self.reply(message, stats_text(await self.service.stats(), self.language))
            return
        if name == "ticket":
            answer = await self.tickets.answer(rest, agent_of(message.from_user)) if self.tickets else None
            await self.reply(message, answer or escape(catalog_text("repairs_staff.error.unavailable", self.language)))
            return
        if name == "help" or name not in COMMANDS:
            usage = self.t("help") + ("\n" + catalog_text("repairs_staff.help", self.language) if self.tickets else "")
            await self.reply(message, escape(usage if name == "help" else self.t("reply.unknown_command", help=usage)))
            return
        # "/note 5 bars of signal" in a topic is a note, not a note on escalation #5.
        escalation_id, rest = await self._target(topic, rest, numbered=not (name == "note" and topic is not None))
        if escalation_id is None:
            await self.reply(message, escape(self.t("reply.no_topic")))
            return
        agent = agent_of(message.from_user)
        if name == "note":
            if not rest:
                await self.reply(message, escape(self.t("reply.note_empty")))
                return
            result = await self.service.note(escalation_id, agent, rest)
            await self.reply(message, escape(self.t(f"reply.{result.code}")))
            return
        result = await self._operation(name)(escalation_id, agent)
        # Success shows in the topic as the event line; say more only when it failed or came from General.
        if not result.ok or result.code == "already_yours" or topic is None:
            await self.reply(message, escape(self.t(f"reply.{result.code}")))

    def _operation(self, name: str) -> Callable[[int, Agent], Awaitable[OpResult]]:
        return {
            "take": self.service.take,
            "release": self.service.release,
            "close": self.service.close,
            "bot": self.service.give_back,
        }[name]

    async def _target(self, topic: int | None, rest: str, *, numbered: bool = True) -> tuple[int | None, str]:
        """The escalation a command is about: a number ("/take 12", "#12") or the topic it was written in."""
        first, _, remainder = rest.partition(" ")
        digits = first.lstrip("#")
        if numbered and digits.isdigit():
            return int(digits), remainder.strip()
        if topic is not None:
            view = await self.topics.escalation_at(topic)
            if view is not None:
                return view.id, rest
        return None, rest

    async def on_button(self, query: CallbackQuery, data: AgentButton) -> None:
        """Take / Release / Close under a card."""
        message = query.message
        if message is None or message.chat.id != self.chat_id or not await self.access.is_agent(query.from_user):
            await query.answer(text=self.t("reply.not_agent"), show_alert=True)
            return
        result = await self._operation(data.op)(data.escalation, agent_of(query.from_user))
        await query.answer(text=self.t(f"reply.{result.code}"), show_alert=not result.ok)
