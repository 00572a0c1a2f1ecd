"""The escalation card (the first post of each topic), topic names, /queue and /stats texts, card buttons.

Everything the customer wrote or the operator's data holds is HTML-escaped: a "<" in a customer
message or name can never break the card or inject markup.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.channels.telegram.render import escape
from bot.engine.messages import LANGUAGE_NAMES
from bot.handoff.desk import BookingLine, TranscriptLine
from bot.handoff.texts import AGENT_TEXTS, agent_text, priority_icon, reason_label
from bot.handoff.waits import agent_time, duration
from bot.i18n import text as catalog_text
from bot.settings import Language
from bot.storage.handoff import ACTIVE, ASSIGNED, WAITING, EscalationView
from bot.storage.handoff_stats import DayStats

TOPIC_NAME_LIMIT = 128
CARD_LIMIT = 4000
LINE_LIMIT = 300


class AgentButton(CallbackData, prefix="ag"):
    """Take / Release / Close under a card."""

    op: Literal["take", "release", "close"]
    escalation: int = Field(gt=0)


def topic_link(chat_id: int, topic_id: int | None) -> str:
    """A t.me link to a topic of a supergroup (its id without the -100 prefix)."""
    internal = str(abs(chat_id))
    internal = internal.removeprefix("100")
    return f"https://t.me/c/{internal}/{topic_id}" if topic_id else f"https://t.me/c/{internal}"


def link(chat_id: int, topic_id: int | None, language: Language) -> str:
    """"Open" linking to the escalation's topic (to the chat while it has none)."""
    return f'<a href="{topic_link(chat_id, topic_id)}">{escape(agent_text("link.open", language))}</a>'


def topic_name(view: EscalationView, language: Language) -> str:
    """"🔴 Ada Lovelace · Complaint"; "✅ ..." once resolved."""
    icon = priority_icon(view.priority) if view.active else "✅"
    star = "⭐" if view.vip else ""
    name = f"{icon}{star} {view.name} · {reason_label(view.reason, language)}"
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


def status_text(view: EscalationView, language: Language) -> str:
    status = agent_text(f"status.{view.status}", language) if f"status.{view.status}" in AGENT_TEXTS else view.status
    if view.agent_name and view.status in (ASSIGNED, "resolved"):
        status += agent_text("card.agent", language, agent=view.agent_name)
    return status


def _clip(text: str, limit: int = LINE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def transcript_line(line: TranscriptLine, now: dt.datetime, zone: dt.tzinfo) -> str:
    who = "👤" if line.direction == "in" else ("🧑‍💼" if line.kind == "agent" else "🤖")
    body = line.text or ""
    if line.attachment or (line.direction == "in" and line.kind != "text"):
        body = f"[{line.kind}] {body}".strip()
    return f"{who} {agent_time(line.created_at, now, zone)} {escape(_clip(body))}"


def callback_text(booking: BookingLine, now: dt.datetime, zone: dt.tzinfo, language: Language) -> str | None:
    """The engineer's call-back promise of a booking: made at, due by, or late; None without one."""
    if booking.called_at is not None:
        return catalog_text("promises.agent.called", language, at=agent_time(booking.called_at, now, zone))
    if booking.callback_due_at is None or booking.status != "booked":
        return None  # no promise, or the repair is under way: the call is moot
    key = "promises.agent.callback_late" if booking.callback_due_at <= now else "promises.agent.callback_due"
    return catalog_text(key, language, due=agent_time(booking.callback_due_at, now, zone))


def booking_line(booking: BookingLine, now: dt.datetime, zone: dt.tzinfo, language: Language = "en") -> str:
    """"• ⭐ R26-1234 Book 16 Pro · store · Thu 10:00 · booked · 📞 call back by 10:30"."""
    slot = agent_time(booking.slot_start, now, zone) if booking.slot_start else "-"
    star = "⭐ " if booking.vip else ""
    line = f"• {star}{escape(booking.ticket)} {escape(booking.model)} · {escape(booking.service)} · {slot} · {escape(booking.status)}"
    callback = callback_text(booking, now, zone, language)
    return f"{line} · {escape(callback)}" if callback else line


def card_text(
    view: EscalationView,
    lines: Sequence[TranscriptLine],
    bookings: Sequence[BookingLine],
    language: Language,
    now: dt.datetime,
    zone: dt.tzinfo,
    *,
    recreated: bool = False,
) -> str:
    """The card: who, why, status and deadline, bookings, the last messages."""
    head = [
        f"{priority_icon(view.priority) if view.active else '✅'} <b>#{view.id} {escape(view.name)}</b>",
        escape(agent_text("card.customer", language, name=view.name, channel=view.channel, customer_id=view.customer_id)),
        escape(agent_text("card.language", language, name=LANGUAGE_NAMES.get(view.language, view.language))),  # type: ignore[call-overload]
        escape(agent_text("card.reason", language, reason=reason_label(view.reason, language), priority=view.priority)),
        escape(agent_text("card.status", language, status=status_text(view, language))),
        escape(
            agent_text(
                "card.since", language, since=agent_time(view.created_at, now, zone), due=agent_time(view.due_at if view.active else None, now, zone)
            )
        ),
    ]
    if view.vip or any(b.vip for b in bookings):
        head.append(escape(catalog_text("promises.agent.vip", language)))
    if view.blocked:
        head.append(escape(agent_text("card.blocked", language)))
    if view.survey_score is not None:
        comment = f" “{_clip(view.survey_comment, 200)}”" if view.survey_comment else ""
        head.append(escape(agent_text("card.survey", language, score=view.survey_score, comment=comment)))
    if recreated:
        head.append(escape(agent_text("card.recreated", language)))
    if bookings:
        head.append(escape(agent_text("card.bookings", language)))
        head.extend(booking_line(b, now, zone, language) for b in bookings)
    body = [transcript_line(line, now, zone) for line in lines]
    text = "\n".join(head)
    if body:
        title = escape(agent_text("card.transcript", language))
        while body and len(text) + len(title) + sum(len(b) + 1 for b in body) + 2 > CARD_LIMIT:
            body.pop(0)  # keep the latest messages
        text += f"\n\n{title}\n" + "\n".join(body)
    return text


def card_keyboard(view: EscalationView, language: Language) -> InlineKeyboardMarkup | None:
    """Take and Close while waiting; Release and Close while assigned; nothing once over."""
    if view.status == WAITING:
        ops = ("take", "close")
    elif view.status == ASSIGNED:
        ops = ("take", "release", "close")  # Take here means take it over (a colleague left it waiting)
    else:
        return None
    buttons = [
        InlineKeyboardButton(text=agent_text(f"button.{op}", language), callback_data=AgentButton(op=op, escalation=view.id).pack())  # type: ignore[arg-type]
        for op in ops
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def queue_text(
    views: Sequence[EscalationView],
    language: Language,
    now: dt.datetime,
    zone: dt.tzinfo,
    chat_id: int,
    topics: Mapping[int, int] | None = None,
) -> str:
    """/queue: waiting and assigned escalations, most urgent and oldest first, with their due time
    and a link to the topic of those that have one (`topics`: escalation id -> topic id)."""
    topics = topics or {}
    active = [v for v in views if v.status in ACTIVE]
    if not active:
        return escape(agent_text("queue.empty", language))
    lines = [escape(agent_text("queue.title", language, count=len(active)))]
    for view in active:
        late = ""
        if view.due_at is not None and view.due_at < now:
            late = agent_text("queue.late", language, late=duration((now - view.due_at).total_seconds()))
        agent = agent_text("card.agent", language, agent=view.agent_name) if view.agent_name and view.status == ASSIGNED else ""
        line = agent_text(
            "queue.line",
            language,
            icon=priority_icon(view.priority) + ("⭐" if view.vip else ""),
            id=view.id,
            name=view.name,
            reason=reason_label(view.reason, language),
            status=agent_text(f"status.{view.status}", language),
            agent=agent,
            age=duration((now - view.created_at).total_seconds()),
            due=agent_time(view.due_at, now, zone),
            late=late,
        )
        entry = escape(line)
        if view.id in topics:
            entry += f" · {link(chat_id, topics[view.id], language)}"
        if sum(len(x) + 1 for x in lines) + len(entry) > CARD_LIMIT - 10:
            lines.append("…")  # whole lines only: a cut could split a link's markup
            break
        lines.append(entry)
    return "\n".join(lines)


def stats_text(stats: DayStats, language: Language) -> str:
    """/stats: today's hand-off rate, waiting time and satisfaction."""
    rate = f"{stats.rate:.0%}" if stats.rate is not None else "-"
    median = duration(statistics.median(stats.waits)) if stats.waits else "-"
    longest = duration(max(stats.waits)) if stats.waits else "-"
    score = f"{statistics.mean(stats.scores):.1f}/5" if stats.scores else "-"
    return escape(
        agent_text(
            "stats",
            language,
            escalations=stats.escalations,
            conversations=stats.conversations,
            rate=rate,
            median=median,
            longest=longest,
            taken=len(stats.waits),
            score=score,
            surveys=len(stats.scores),
            waiting=stats.waiting_now,
            assigned=stats.assigned_now,
            resolved=stats.resolved,
            abandoned=stats.abandoned,
        )
    )
