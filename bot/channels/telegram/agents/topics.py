"""Topic management in the agents' forum supergroup: one topic per escalation, its card as first post.

Where each escalation's topic and card are is the Telegram channel's own data (`bot.storage.telegram`),
looked up here by escalation id; the hand-off service never sees a topic. Telegram's failures are
handled as it behaves: a deleted topic answers "message thread not found" (a new topic is created,
with a fresh card), a closed one answers "TOPIC_CLOSED" (it is reopened). Every post goes through
the group pacer (about 20 a minute into one group).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot.channels.telegram.agents.card import card_keyboard, card_text, topic_name
from bot.channels.telegram.agents.pacer import GroupPacer
from bot.handoff.desk import BookingLine, DeskEvent, TranscriptLine
from bot.handoff.outbox import card_context
from bot.handoff.service import HandoffService
from bot.settings import Language
from bot.storage import telegram as topics_repo
from bot.storage.handoff import EscalationView
from bot.storage.telegram import TopicPlace

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

T = TypeVar("T")
ICON_RED, ICON_YELLOW = 16478047, 16766590  # createForumTopic's allowed icon colours
CardContext = tuple[tuple[TranscriptLine, ...], tuple[BookingLine, ...]]


def thread_gone(exc: TelegramBadRequest) -> bool:
    """Telegram's answer for a topic that was deleted (or never was)."""
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_id_invalid" in text


def thread_closed(exc: TelegramBadRequest) -> bool:
    """Telegram's answer for a post into a closed topic."""
    return "topic_closed" in exc.message.lower()


class ForumTopics:
    """The escalations' topics in one agents' chat: where they are, and posting into them."""

    def __init__(self, bot: Bot, chat_id: int, service: HandoffService, *, pacer: GroupPacer, language: Language) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.service = service
        self.pacer = pacer
        self.language = language

    # -- where escalations are ---------------------------------------------------------------------

    async def place(self, escalation_id: int) -> TopicPlace | None:
        """The escalation's topic in this chat; None before it has one (or it is in another chat)."""
        async with self.service.store.database.sessions() as session:
            found = await topics_repo.place(session, escalation_id)
        return found if found is not None and found.chat_id == self.chat_id and found.topic_id is not None else None

    async def remember(self, escalation_id: int, topic_id: int, card_message_id: int | None) -> None:
        async with self.service.store.database.sessions() as session, session.begin():
            await topics_repo.remember(session, escalation_id, self.chat_id, topic_id, card_message_id)

    async def escalation_at(self, topic_id: int) -> EscalationView | None:
        """The escalation whose topic an agent wrote in; None for a topic the bot did not open."""
        async with self.service.store.database.sessions() as session:
            escalation_id = await topics_repo.escalation_in(session, self.chat_id, topic_id)
        return await self.service.escalation(escalation_id) if escalation_id is not None else None

    async def links(self, escalation_ids: Sequence[int]) -> dict[int, int]:
        """escalation id -> topic id, for the /queue links."""
        async with self.service.store.database.sessions() as session:
            return await topics_repo.topics_in(session, self.chat_id, escalation_ids)

    # -- posting ---------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.service.now()

    async def post(self, text: str, thread: int | None = None, markup: InlineKeyboardMarkup | None = None) -> Message:
        """One paced message into the agents' chat (General when `thread` is None)."""
        await self.pacer.acquire()
        return await self.bot.send_message(chat_id=self.chat_id, text=text, message_thread_id=thread, reply_markup=markup)

    async def in_topic(self, view: EscalationView, send: Callable[[int], Awaitable[T]]) -> T:
        """Run `send(thread)` in the escalation's topic: created if missing, re-created if deleted,
        reopened if closed."""
        thread = await self.ensure(view)
        try:
            return await send(thread)
        except TelegramBadRequest as exc:
            if thread_gone(exc):
                log.info("topic %s of escalation #%s is gone (%s): creating a new one", thread, view.id, exc.message)
                return await send(await self.create(view, recreated=True))
            if thread_closed(exc):
                log.info("topic %s of escalation #%s is closed: reopening it", thread, view.id)
                await self.reopen(thread)
                return await send(thread)
            raise

    async def reopen(self, thread: int) -> None:
        try:
            await self.bot.reopen_forum_topic(chat_id=self.chat_id, message_thread_id=thread)
        except TelegramBadRequest as exc:
            if "not_modified" not in exc.message.lower():
                raise

    async def close(self, thread: int) -> None:
        """Close a finished escalation's topic (best effort: it may be gone or closed already)."""
        try:
            await self.bot.close_forum_topic(chat_id=self.chat_id, message_thread_id=thread)
        except TelegramBadRequest as exc:
            log.debug("topic %s not closed: %s", thread, exc.message)

    async def ensure(self, view: EscalationView) -> int:
        """The escalation's topic, created (with its card) when it has none in this chat."""
        place = await self.place(view.id)
        return int(place.topic_id) if place is not None and place.topic_id is not None else await self.create(view)

    async def create(self, view: EscalationView, *, recreated: bool = False, context: CardContext | None = None) -> int:
        """A new topic with the card as its first post; remembered at once (a retry must not create a
        second one)."""
        await self.pacer.acquire()
        topic = await self.bot.create_forum_topic(
            chat_id=self.chat_id,
            name=topic_name(view, self.language),
            icon_color=ICON_RED if view.priority >= 2 else ICON_YELLOW,
        )
        thread = topic.message_thread_id
        await self.remember(view.id, thread, None)
        current = await self.service.escalation(view.id) or view
        lines, bookings = context if context is not None else await card_context(self.service, view.id)
        card = await self.post(self.card(current, lines, bookings, recreated=recreated), thread, card_keyboard(current, self.language))
        await self.remember(view.id, thread, card.message_id)
        return thread

    async def post_card(self, view: EscalationView, thread: int, context: CardContext) -> None:
        """The topic was created but its card never posted (a failure in between): post it now."""
        text = self.card(view, *context)
        try:
            message = await self.post(text, thread, card_keyboard(view, self.language))
        except TelegramBadRequest as exc:
            if thread_gone(exc):
                await self.create(view, recreated=True, context=context)
                return
            if not thread_closed(exc):
                raise
            await self.reopen(thread)
            message = await self.post(text, thread, card_keyboard(view, self.language))
        await self.remember(view.id, thread, message.message_id)

    def card(self, view: EscalationView, lines: Sequence[TranscriptLine], bookings: Sequence[BookingLine], *, recreated: bool = False) -> str:
        return card_text(view, lines, bookings, self.language, self.now(), self.service.zone, recreated=recreated)

    async def edit_card(self, view: EscalationView, event: DeskEvent) -> None:
        """Show the escalation as it is now on its card (status, agent, survey)."""
        place = await self.place(view.id)
        if place is None or place.card_message_id is None:
            return
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id,
                message_id=int(place.card_message_id),
                text=self.card(view, event.messages, event.bookings),
                reply_markup=card_keyboard(view, self.language),
            )
        except TelegramBadRequest as exc:  # not modified, deleted with its topic: the topic posts say it all
            log.debug("card of escalation #%s not edited: %s", view.id, exc.message)

    async def rename(self, view: EscalationView, thread: int) -> None:
        """The topic's name follows the escalation's priority and status."""
        try:
            await self.bot.edit_forum_topic(chat_id=self.chat_id, message_thread_id=thread, name=topic_name(view, self.language))
        except TelegramBadRequest as exc:
            log.debug("topic %s not renamed: %s", thread, exc.message)
