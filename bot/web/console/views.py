"""View models of the console pages: what a queue row, a transcript line, a ticket and a linked
conversation show, computed once on the server (countdowns in minutes, times in the operator's zone,
labels from the catalog). Templates only place them; JSON events carry the same shapes."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import as_utc
from bot.i18n.catalog import CATALOG, LANGUAGE_NAMES
from bot.storage.console import LinkedConversation, QueueRow
from bot.storage.handoff import EscalationNote, EscalationView
from bot.storage.models import Message

Translate = Callable[..., str]

SNIPPET = 140  # characters of the customer's last words in a queue row


@dataclass(frozen=True)
class Countdown:
    """The SLA as an agent reads it: minutes left (negative: overdue), or nothing due."""

    due_at: dt.datetime | None
    minutes: int | None

    @property
    def breached(self) -> bool:
        return self.minutes is not None and self.minutes < 0

    def label(self, t: Translate) -> str:
        if self.minutes is None:
            return t("agentconsole.no_due")
        if self.minutes < 0:
            return t("agentconsole.overdue", minutes=-self.minutes)
        return t("agentconsole.due_in", minutes=self.minutes)


def countdown(due_at: dt.datetime | None, now: dt.datetime) -> Countdown:
    """Minutes until `due_at`, rounded towards "overdue" (a second late is late)."""
    due = as_utc(due_at)
    if due is None:
        return Countdown(None, None)
    seconds = (due - as_utc(now)).total_seconds()  # type: ignore[operator]
    if seconds >= 0:
        return Countdown(due, int(seconds // 60))
    return Countdown(due, -max(1, math.ceil(-seconds / 60)))


def waited_minutes(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((as_utc(now) - as_utc(since)).total_seconds() // 60))  # type: ignore[operator]


def channel_label(channel: str, t: Translate) -> str:
    key = f"agentconsole.channel.{channel}"
    return t(key) if key in CATALOG else channel


def reason_label(reason: str, t: Translate) -> str:
    key = f"agent.reason.{reason}"
    return t(key) if key in CATALOG else reason


def language_label(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)  # type: ignore[call-overload,no-any-return]


@dataclass(frozen=True)
class QueueRowView:
    """One row of the queue page."""

    id: int
    priority: int
    vip: bool
    status: str
    countdown: Countdown
    due_label: str
    channel: str
    channel_label: str
    language: str
    reason: str
    customer: str
    waited: int
    agent: str | None
    last_text: str


def queue_row(row: QueueRow, now: dt.datetime, t: Translate) -> QueueRowView:
    e = row.escalation
    left = countdown(e.due_at, now)
    last = (row.last_customer_text or "").strip()
    return QueueRowView(
        id=e.id,
        priority=e.priority,
        vip=e.vip,
        status=e.status,
        countdown=left,
        due_label=left.label(t),
        channel=e.channel,
        channel_label=channel_label(e.channel, t),
        language=language_label(e.language),
        reason=reason_label(e.reason, t),
        customer=e.name,
        waited=waited_minutes(e.created_at, now),
        agent=e.agent_name if e.status == "assigned" else None,
        last_text=last[:SNIPPET] + ("…" if len(last) > SNIPPET else ""),
    )


def sender_of(message: Message) -> str:
    """customer | agent | system | bot: who a transcript line is from."""
    if message.direction == "in":
        return "customer"
    if message.kind == "agent":
        return "agent"
    if message.kind in ("handoff", "stale"):
        return "system"
    return "bot"


def attachment_kind(reference: str | None) -> str | None:
    """ "photo" / "document" from a stored reference such as "telegram:photo:<id>" or "web:upload:<id>"."""
    if not reference:
        return None
    parts = reference.split(":")
    kind = parts[1] if len(parts) >= 3 else "document"
    return "photo" if kind == "upload" else kind  # the web chat takes photos only ("web:upload:<id>")


def line(message: Message, escalation_id: int, zone: ZoneInfo, t: Translate) -> dict[str, Any]:
    """A transcript line as the page and the live stream show it (plain data: the browser sets it as text)."""
    sender = sender_of(message)
    kind = attachment_kind(message.attachment)
    created = as_utc(message.created_at)
    return {
        "id": message.id,
        "sender": sender,
        "sender_label": t(f"agentconsole.sender.{sender}"),
        # A button press is stored without text (the option it chose is in the bot's next line).
        "text": message.text or ("" if kind or sender != "customer" else t("agentconsole.button_press")),
        "time": created.astimezone(zone).strftime("%H:%M") if created else "",
        "attachment": (t("agentconsole.photo") if kind == "photo" else t("agentconsole.attachment")) if kind else None,
        # Only the web chat's uploads are served by the console; other channels' files stay a label.
        "attachment_url": f"/console/conversations/{escalation_id}/attachments/{message.id}"
        if kind and (message.attachment or "").startswith("web:") else None,
    }


def note_line(note: EscalationNote, zone: ZoneInfo) -> dict[str, Any]:
    created = as_utc(note.created_at)
    return {
        "id": note.id,
        "agent": note.agent_name or "",
        "text": note.text,
        "time": created.astimezone(zone).strftime("%m-%d %H:%M") if created else "",
    }


def state_of(escalation: EscalationView, now: dt.datetime, t: Translate) -> dict[str, Any]:
    """The escalation's state line (status, agent, SLA) for the page header and the live stream."""
    left = countdown(escalation.due_at, now) if escalation.active else Countdown(None, None)
    return {
        "status": escalation.status,
        "status_label": t(f"agentconsole.status.{escalation.status}"),
        "agent": escalation.agent_name if escalation.status == "assigned" else None,
        "agent_id": escalation.agent_id if escalation.status == "assigned" else None,
        "due_label": left.label(t),
        "breached": left.breached,
    }


@dataclass(frozen=True)
class LinkView:
    """Another conversation of the same person."""

    channel_label: str
    customer: str
    updated: str
    escalation_id: int | None


def link_view(link: LinkedConversation, zone: ZoneInfo, t: Translate) -> LinkView:
    updated = as_utc(link.updated_at)
    return LinkView(
        channel_label=channel_label(link.channel, t),
        customer=link.display_name or link.customer_id,
        updated=updated.astimezone(zone).strftime("%Y-%m-%d %H:%M") if updated else "",
        escalation_id=link.latest_escalation_id,
    )
