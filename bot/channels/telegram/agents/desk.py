"""The agents' Telegram supergroup (forum topics on) as the hand-off `AgentDesk`, and what agents do in it.

One topic per escalation, named after the customer and the reason; its first post is the card (who, why,
status, due time, bookings, last messages) with Take / Release / Close buttons. What the customer
writes appears in the topic; what an agent writes in the topic (text, photos, documents) reaches the
customer; `/note` stays internal. In the General topic `/queue` and `/stats` answer, and overdue
escalations are announced again.

Failure handling, as Telegram behaves:
* a deleted topic answers "message thread not found": a new topic is created (with a fresh card) and
  the message is posted there;
* a closed topic answers "TOPIC_CLOSED": it is reopened and the message posted;
* flood control (429) and network trouble become `DeskRetry`: the outbox keeps the event and retries;
* every post goes through the group pacer (about 20 a minute into one group).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram.enums import ContentType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.channels.telegram.agents.access import AgentAccess
from bot.channels.telegram.agents.card import AgentButton, card_keyboard, card_text, link, queue_text, stats_text, topic_name
from bot.channels.telegram.agents.pacer import GroupPacer
from bot.channels.telegram.render import escape, split_text
from bot.handoff import desk as events
from bot.handoff.delivery import Attachment
from bot.handoff.desk import DeskEvent, DeskRetry, TranscriptLine
from bot.handoff.outbox import card_context
from bot.handoff.service import Agent, HandoffService, OpResult
from bot.handoff.texts import agent_text, reason_label
from bot.handoff.waits import agent_time, duration
from bot.settings import Language
from bot.storage.handoff import EscalationView

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

T = TypeVar("T")
ICON_RED, ICON_YELLOW = 16478047, 16766590  # createForumTopic's allowed icon colours
MESSAGE_LIMIT = 4000
RELAYED = (ContentType.TEXT, ContentType.PHOTO, ContentType.DOCUMENT)
NOT_RELAYED = (
    ContentType.STICKER, ContentType.VOICE, ContentType.AUDIO, ContentType.VIDEO, ContentType.VIDEO_NOTE,
    ContentType.ANIMATION, ContentType.LOCATION, ContentType.CONTACT, ContentType.POLL, ContentType.VENUE,
)
COMMANDS = ("take", "release", "close", "bot", "note", "queue", "stats", "help")
TERMINAL = ("closed", "to_bot", "cancelled")


def _thread_gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_id_invalid" in text


def _thread_closed(exc: TelegramBadRequest) -> bool:
    return "topic_closed" in exc.message.lower()


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
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.service = service
        self.access = access
        self.pacer = pacer
        self.language = language
        self._username: str | None = None

    # -- small helpers --------------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return agent_text(key, self.language, **values)

    @property
    def zone(self) -> dt.tzinfo:
        return self.service.zone

    def now(self) -> dt.datetime:
        return self.service.now()

    async def _post(self, text: str, thread: int | None = None, markup: InlineKeyboardMarkup | None = None) -> Message:
        """One paced message into the agents' chat (General when `thread` is None)."""
        await self.pacer.acquire()
        return await self.bot.send_message(chat_id=self.chat_id, text=text, message_thread_id=thread, reply_markup=markup)

    async def _in_topic(self, view: EscalationView, send: Callable[[int], Awaitable[T]]) -> T:
        """Run `send(thread)` in the escalation's topic: created if missing, re-created if deleted,
        reopened if closed."""
        thread = await self._ensure_topic(view)
        try:
            return await send(thread)
        except TelegramBadRequest as exc:
            if _thread_gone(exc):
                log.info("topic %s of escalation #%s is gone (%s): creating a new one", thread, view.id, exc.message)
                thread = await self._create_topic(view, recreated=True)
                return await send(thread)
            if _thread_closed(exc):
                log.info("topic %s of escalation #%s is closed: reopening it", thread, view.id)
                await self._reopen(thread)
                return await send(thread)
            raise

    async def _reopen(self, thread: int) -> None:
        try:
            await self.bot.reopen_forum_topic(chat_id=self.chat_id, message_thread_id=thread)
        except TelegramBadRequest as exc:
            if "not_modified" not in exc.message.lower():
                raise

    async def _ensure_topic(self, view: EscalationView) -> int:
        if view.topic_id is not None and view.desk_chat_id == self.chat_id:
            return int(view.topic_id)
        return await self._create_topic(view)

    async def _create_topic(
        self, view: EscalationView, *, recreated: bool = False, context: tuple[tuple[TranscriptLine, ...], tuple[Any, ...]] | None = None
    ) -> int:
        """A new topic with the card as its first post; remembered on the escalation at once (a retry
        must not create a second one)."""
        await self.pacer.acquire()
        topic = await self.bot.create_forum_topic(
            chat_id=self.chat_id,
            name=topic_name(view, self.language),
            icon_color=ICON_RED if view.priority >= 2 else ICON_YELLOW,
        )
        thread = topic.message_thread_id
        await self.service.set_topic(view.id, self.chat_id, thread, None)
        current = await self.service.escalation(view.id) or view
        lines, bookings = context if context is not None else await card_context(self.service, view.id)
        card = await self._post(
            card_text(current, lines, bookings, self.language, self.now(), self.zone, recreated=recreated),
            thread,
            card_keyboard(current, self.language),
        )
        await self.service.set_topic(view.id, self.chat_id, thread, card.message_id)
        return thread

    async def _edit_card(self, view: EscalationView, event: DeskEvent) -> None:
        if view.card_message_id is None or view.desk_chat_id != self.chat_id:
            return
        lines, bookings = event.messages, event.bookings
        try:
            await self.bot.edit_message_text(
                chat_id=self.chat_id,
                message_id=int(view.card_message_id),
                text=card_text(view, lines, bookings, self.language, self.now(), self.zone),
                reply_markup=card_keyboard(view, self.language),
            )
        except TelegramBadRequest as exc:  # not modified, deleted with its topic: the topic posts say it all
            log.debug("card of escalation #%s not edited: %s", view.id, exc.message)

    async def _rename(self, view: EscalationView, thread: int) -> None:
        try:
            await self.bot.edit_forum_topic(chat_id=self.chat_id, message_thread_id=thread, name=topic_name(view, self.language))
        except TelegramBadRequest as exc:
            log.debug("topic %s not renamed: %s", thread, exc.message)

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

    # -- AgentDesk ------------------------------------------------------------------------------------

    async def publish(self, event: DeskEvent) -> None:
        try:
            if event.kind == events.OPENED:
                await self._opened(event)
            elif event.kind == events.MESSAGE:
                await self._relay(event)
            elif event.kind == events.STATUS:
                await self._status(event)
            elif event.kind == events.OVERDUE:
                await self._overdue(event)
            elif event.kind == events.UNDELIVERED:
                await self._undelivered(event)
            elif event.kind == events.SURVEY:
                await self._survey(event)
            else:
                log.warning("unknown desk event %s", event.kind)
        except TelegramRetryAfter as exc:
            raise DeskRetry(float(exc.retry_after), "flood control in the agents' chat") from exc
        except TelegramNetworkError as exc:
            raise DeskRetry(10.0, f"network: {exc.message}") from exc
        except TelegramForbiddenError as exc:
            log.error("the bot cannot write to the agents' chat %s: %s", self.chat_id, exc.message)
            raise DeskRetry(300.0, "the bot cannot write to the agents' chat (is it still an admin there?)") from exc

    async def _opened(self, event: DeskEvent) -> None:
        view = event.escalation
        if view.topic_id is not None and view.desk_chat_id == self.chat_id and view.card_message_id is not None:
            return  # done before a crash: nothing to add
        context = (event.messages, event.bookings)
        if view.topic_id is not None and view.desk_chat_id == self.chat_id:
            # The topic was created but its card never posted (a failure in between): post it now.
            thread = int(view.topic_id)
            text = card_text(view, event.messages, event.bookings, self.language, self.now(), self.zone)
            try:
                message = await self._post(text, thread, card_keyboard(view, self.language))
            except TelegramBadRequest as exc:
                if _thread_gone(exc):
                    await self._create_topic(view, recreated=True, context=context)
                    return
                if not _thread_closed(exc):
                    raise
                await self._reopen(thread)
                message = await self._post(text, thread, card_keyboard(view, self.language))
            await self.service.set_topic(view.id, self.chat_id, thread, message.message_id)
            return
        await self._create_topic(view, context=context)

    async def _relay(self, event: DeskEvent) -> None:
        view = event.escalation
        texts: list[str] = []
        for line in event.messages:
            if line.kind == "text" and not line.attachment:
                texts.append(line.text or "")
                continue
            if texts:
                await self._relay_text(view, texts)
                texts = []
            await self._relay_media(view, line)
        if texts:
            await self._relay_text(view, texts)

    async def _relay_text(self, view: EscalationView, texts: list[str]) -> None:
        """The customer's words under their name; long ones cut on plain text, then escaped."""
        head = f"👤 <b>{escape(view.name)}</b>"
        for index, part in enumerate(split_text("\n".join(texts), MESSAGE_LIMIT - 300) or [""]):
            post = f"{head}\n{escape(part)}" if index == 0 else escape(part)
            await self._in_topic(view, lambda thread, post=post: self._post(post, thread))

    async def _relay_media(self, view: EscalationView, line: TranscriptLine) -> None:
        """A photo, file, voice note... : copied from the customer's Telegram chat, else described."""
        source = line.external_id or ""
        if view.channel == "telegram" and source.startswith("msg:") and source[4:].isdigit():

            async def copy(thread: int) -> Any:
                await self.pacer.acquire()
                return await self.bot.copy_message(
                    chat_id=self.chat_id, from_chat_id=int(view.customer_id), message_id=int(source[4:]), message_thread_id=thread
                )

            try:
                await self._in_topic(view, copy)
                return
            except TelegramBadRequest as exc:
                if _thread_gone(exc) or _thread_closed(exc):
                    raise
                log.info("could not copy message %s of escalation #%s: %s", source, view.id, exc.message)
        caption = f"\n{escape(line.text)}" if line.text else ""
        note = escape(self.t("relay.undeliverable", kind=line.kind))
        text = f"👤 <b>{escape(view.name)}</b> {note}{caption}"
        await self._in_topic(view, lambda thread: self._post(text, thread))

    async def _status(self, event: DeskEvent) -> None:
        view = event.escalation
        what = event.payload.get("event", "")
        agent = event.payload.get("agent") or "?"
        if what == "priority":
            line = self.t("event.priority", reason=reason_label(event.payload.get("reason", view.reason), self.language))
        elif what == "taken_over":
            line = self.t("event.taken_over", agent=agent, previous=event.payload.get("previous") or "?")
        elif what == "delivered_late":
            line = self.t("event.delivered_late", count=event.payload.get("count", 1))
        elif f"event.{what}" in _EVENT_KEYS:
            line = self.t(f"event.{what}", agent=agent)
        else:
            log.warning("unknown status event %r", what)
            return
        message = await self._in_topic(view, lambda thread: self._post(escape(line), thread))
        thread = message.message_thread_id or view.topic_id
        current = await self.service.escalation(view.id) or view
        await self._edit_card(current, event)
        if what in TERMINAL or what == "priority":
            await self._rename(current, int(thread))
        if what in TERMINAL and not current.active:
            try:
                await self.bot.close_forum_topic(chat_id=self.chat_id, message_thread_id=int(thread))
            except TelegramBadRequest as exc:
                log.debug("topic %s not closed: %s", thread, exc.message)
        if what == "released":
            text = self.t(
                "announce.released", id=view.id, name=view.name, reason=reason_label(view.reason, self.language), agent=agent, link=""
            )
            await self._post(f"{escape(text)}{link(self.chat_id, current, self.language)}")

    async def _overdue(self, event: DeskEvent) -> None:
        view = event.escalation
        if not view.active:
            return
        if view.topic_id is None or view.desk_chat_id != self.chat_id:
            # Queued before the agents' chat was configured (or moved): give it a topic to link to.
            await self._ensure_topic(view)
            view = await self.service.escalation(view.id) or view
        now = self.now()
        due = view.due_at or now
        text = self.t(
            "announce.overdue",
            id=view.id,
            name=view.name,
            reason=reason_label(view.reason, self.language),
            priority=view.priority,
            status=self.t(f"status.{view.status}") + (f" ({view.agent_name})" if view.agent_name else ""),
            due=agent_time(due, now, self.zone),
            late=duration((now - due).total_seconds()),
            link="",
        )
        await self._post(f"{escape(text)}{link(self.chat_id, view, self.language)}")

    async def _undelivered(self, event: DeskEvent) -> None:
        view = event.escalation
        reason = event.payload.get("reason", "failed")
        key = {"unreachable": "undelivered.unreachable", "offline": "undelivered.offline"}.get(reason, "undelivered.failed")
        text = escape(self.t(key, channel=view.channel))
        await self._in_topic(view, lambda thread: self._post(text, thread))

    async def _survey(self, event: DeskEvent) -> None:
        await self._edit_card(event.escalation, event)

    # -- what agents do ---------------------------------------------------------------------------

    def agent_of(self, user: Any) -> Agent:
        name = (user.first_name or user.full_name or str(user.id)).strip()[:64]
        return Agent(id=str(user.id), name=name)

    async def reply(self, message: Message, text: str) -> None:
        """Answer an agent where they wrote (paced like every post): in a closed topic it is reopened
        for the answer and closed again; a deleted one gets the answer in General."""
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            try:
                await self._post(text, thread)
            except TelegramBadRequest as exc:
                if thread is not None and _thread_closed(exc):
                    await self._reopen(thread)
                    await self._post(text, thread)
                    await self.bot.close_forum_topic(chat_id=self.chat_id, message_thread_id=thread)
                elif thread is not None and _thread_gone(exc):
                    await self._post(text, None)
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
        view = await self.service.escalation_for_topic(self.chat_id, topic)
        if view is None:
            return  # a topic the bot did not open
        if content not in RELAYED:
            await self.reply(message, escape(self.t("reply.unsupported")))
            return
        attachment = self._attachment(message)
        result = await self.service.agent_message(
            view.id,
            self.agent_of(user),
            text=text if text is not None else message.caption,
            attachment=attachment,
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

    def fetcher(self, reference: str) -> Callable[[], Awaitable[bytes]] | None:
        """For the service: a download for a stored "telegram:<kind>:<file_id>" reference."""
        parts = reference.split(":", 2)
        return self.fetcher_for(parts[2]) if len(parts) == 3 and parts[0] == "telegram" else None

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
            await self.reply(message, queue_text(views, self.language, self.now(), self.zone, self.chat_id))
            return
        if name == "stats":
            await self.reply(message, stats_text(await self.service.stats(), self.language))
            return
        if name == "help" or name not in COMMANDS:
            key = "help" if name == "help" else "reply.unknown_command"
            await self.reply(message, escape(self.t(key, help=self.t("help"))))
            return
        # "/note 5 bars of signal" in a topic is a note, not a note on escalation #5.
        escalation_id, rest = await self._target(topic, rest, numbered=not (name == "note" and topic is not None))
        if escalation_id is None:
            await self.reply(message, escape(self.t("reply.no_topic")))
            return
        agent = self.agent_of(message.from_user)
        if name == "note":
            if not rest:
                await self.reply(message, escape(self.t("reply.note_empty")))
                return
            result = await self.service.note(escalation_id, agent, rest)
            await self.reply(message, escape(self.t(f"reply.{result.code}")))
            return
        operation = {
            "take": self.service.take,
            "release": self.service.release,
            "close": self.service.close,
            "bot": self.service.give_back,
        }[name]
        result = await operation(escalation_id, agent)
        # Success shows in the topic as the event line; say more only when it failed or came from General.
        if not result.ok or result.code == "already_yours" or topic is None:
            await self.reply(message, escape(self.t(f"reply.{result.code}")))

    async def _target(self, topic: int | None, rest: str, *, numbered: bool = True) -> tuple[int | None, str]:
        """The escalation a command is about: a number ("/take 12", "#12") or the topic it was written in."""
        first, _, remainder = rest.partition(" ")
        digits = first.lstrip("#")
        if numbered and digits.isdigit():
            return int(digits), remainder.strip()
        if topic is not None:
            view = await self.service.escalation_for_topic(self.chat_id, topic)
            if view is not None:
                return view.id, rest
        return None, rest

    async def on_button(self, query: CallbackQuery, data: AgentButton) -> None:
        """Take / Release / Close under a card."""
        message = query.message
        if message is None or message.chat.id != self.chat_id:
            await query.answer(text=self.t("reply.not_agent"), show_alert=True)
            return
        if not await self.access.is_agent(query.from_user):
            await query.answer(text=self.t("reply.not_agent"), show_alert=True)
            return
        agent = self.agent_of(query.from_user)
        operation = {"take": self.service.take, "release": self.service.release, "close": self.service.close}[data.op]
        result: OpResult = await operation(data.escalation, agent)
        await query.answer(text=self.t(f"reply.{result.code}"), show_alert=not result.ok)


_EVENT_KEYS = {f"event.{name}" for name in ("taken", "released", "closed", "to_bot", "cancelled")}
