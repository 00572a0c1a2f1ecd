"""What the agents see: each hand-off desk event (`bot.handoff.desk`) shown in the agents' chat.

A new escalation opens its topic with the card; what the customer writes is relayed into the topic
(text under their name, photos and files copied from their Telegram chat, anything else described);
status changes are a line in the topic, the card edited and the topic renamed (closed when over);
overdue and released escalations are announced in General with a link to the topic.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest

from bot.channels.telegram.agents.card import link
from bot.channels.telegram.agents.topics import ForumTopics, thread_closed, thread_gone
from bot.channels.telegram.render import escape, split_text
from bot.handoff import desk as events
from bot.handoff.desk import DeskEvent, TranscriptLine
from bot.handoff.staff import SUPERVISORS
from bot.handoff.texts import agent_text, reason_label
from bot.handoff.waits import agent_time, duration
from bot.i18n import text
from bot.storage.handoff import EscalationView

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4000
TERMINAL = ("closed", "to_bot", "cancelled")
_EVENT_KEYS = {f"event.{name}" for name in ("taken", "released", "closed", "to_bot", "cancelled")}


class DeskNotices:
    """Shows desk events in the agents' chat, in their escalation's topic or in General."""

    def __init__(self, bot: Bot, topics: ForumTopics) -> None:
        self.bot = bot
        self.topics = topics
        self.chat_id = topics.chat_id
        self.language = topics.language

    def t(self, key: str, **values: object) -> str:
        return agent_text(key, self.language, **values)

    async def show(self, event: DeskEvent) -> None:
        """One event, by kind (Telegram errors are the caller's to turn into retries)."""
        handler = {
            events.OPENED: self._opened,
            events.MESSAGE: self._relay,
            events.STATUS: self._status,
            events.OVERDUE: self._overdue,
            events.UNDELIVERED: self._undelivered,
            events.SURVEY: self._survey,
            events.NOTE: self._note,
        }.get(event.kind)
        if handler is None:
            log.warning("unknown desk event %s", event.kind)
            return
        await handler(event)

    async def _opened(self, event: DeskEvent) -> None:
        view = event.escalation
        place = await self.topics.place(view.id)
        context = (event.messages, event.bookings)
        if place is None or place.topic_id is None:
            await self.topics.create(view, context=context)
        elif place.card_message_id is None:
            await self.topics.post_card(view, int(place.topic_id), context)
        # else: done before a crash, nothing to add

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
            await self._in_topic(view, post)

    async def _in_topic(self, view: EscalationView, text: str) -> Any:
        return await self.topics.in_topic(view, lambda thread: self.topics.post(text, thread))

    async def _relay_media(self, view: EscalationView, line: TranscriptLine) -> None:
        """A photo, file, voice note... : copied from the customer's Telegram chat, else described."""
        source = line.external_id or ""
        if view.channel == "telegram" and source.startswith("msg:") and source[4:].isdigit():

            async def copy(thread: int) -> Any:
                await self.topics.pacer.acquire()
                return await self.bot.copy_message(
                    chat_id=self.chat_id, from_chat_id=int(view.customer_id), message_id=int(source[4:]), message_thread_id=thread
                )

            try:
                await self.topics.in_topic(view, copy)
                return
            except TelegramBadRequest as exc:
                if thread_gone(exc) or thread_closed(exc):
                    raise
                log.info("could not copy message %s of escalation #%s: %s", source, view.id, exc.message)
        caption = f"\n{escape(line.text)}" if line.text else ""
        note = escape(self.t("relay.undeliverable", kind=line.kind))
        await self._in_topic(view, f"👤 <b>{escape(view.name)}</b> {note}{caption}")

    def _status_line(self, view: EscalationView, what: str, payload: dict[str, Any]) -> str | None:
        agent = payload.get("agent") or "?"
        if what == "priority":
            return self.t("event.priority", reason=reason_label(payload.get("reason", view.reason), self.language))
        if what == "taken_over":
            return self.t("event.taken_over", agent=agent, previous=payload.get("previous") or "?")
        if what == "delivered_late":
            return self.t("event.delivered_late", count=payload.get("count", 1))
        if f"event.{what}" in _EVENT_KEYS:
            return self.t(f"event.{what}", agent=agent)
        return None

    async def _status(self, event: DeskEvent) -> None:
        view = event.escalation
        what = event.payload.get("event", "")
        line = self._status_line(view, what, event.payload)
        if line is None:
            log.warning("unknown status event %r", what)
            return
        message = await self._in_topic(view, escape(line))
        thread = int(message.message_thread_id or await self.topics.ensure(view))
        current = await self.topics.service.escalation(view.id) or view
        await self.topics.edit_card(current, event)
        if what in TERMINAL or what == "priority":
            await self.topics.rename(current, thread)
        if what in TERMINAL and not current.active:
            await self.topics.close(thread)
        if what == "released":
            agent = event.payload.get("agent") or "?"
            text = self.t(
                "announce.released", id=view.id, name=view.name, reason=reason_label(view.reason, self.language), agent=agent, link=""
            )
            await self.topics.post(f"{escape(text)}{link(self.chat_id, thread, self.language)}")

    async def _overdue(self, event: DeskEvent) -> None:
        view = event.escalation
        if not view.active:
            return
        # Queued before the agents' chat was configured (or moved): give it a topic to link to.
        thread = await self.topics.ensure(view)
        view = await self.topics.service.escalation(view.id) or view
        now = self.topics.now()
        due = view.due_at or now
        text = self.t(
            "announce.overdue",
            id=view.id,
            name=view.name,
            reason=reason_label(view.reason, self.language),
            priority=view.priority,
            status=self.t(f"status.{view.status}") + (f" ({view.agent_name})" if view.agent_name else ""),
            due=agent_time(due, now, self.topics.service.zone),
            late=duration((now - due).total_seconds()),
            link="",
        )
        await self.topics.post(f"{escape(text)}{link(self.chat_id, thread, self.language)}")

    async def _undelivered(self, event: DeskEvent) -> None:
        view = event.escalation
        reason = event.payload.get("reason", "failed")
        key = {"unreachable": "undelivered.unreachable", "offline": "undelivered.offline"}.get(reason, "undelivered.failed")
        await self._in_topic(view, escape(self.t(key, channel=view.channel)))

    async def _survey(self, event: DeskEvent) -> None:
        await self.topics.edit_card(event.escalation, event)

    async def _note(self, event: DeskEvent) -> None:
        """The system's note on an escalation it opened or added to (a promise missed: bot.handoff.staff),
        in the escalation's topic; addressed to supervisors, it mentions SUPERVISOR_IDS so they are
        notified wherever they are."""
        view = event.escalation
        post = f"📌 {escape(str(event.payload.get('text') or ''))}"
        if event.payload.get("to") == SUPERVISORS:
            post += self._mentions()
        await self._in_topic(view, post)

    def _mentions(self) -> str:
        """"\nFor: supervisor, supervisor" linked to SUPERVISOR_IDS (nothing when none are set)."""
        ids = [i for i in getattr(self.topics.service.settings, "supervisor_ids", None) or [] if isinstance(i, int)]
        if not ids:
            return ""
        label = escape(text("promises.agent.supervisor", self.language))
        links = ", ".join(f'<a href="tg://user?id={i}">{label}</a>' for i in ids)
        return f"\n{escape(text('promises.agent.supervisors', self.language))} {links}"
