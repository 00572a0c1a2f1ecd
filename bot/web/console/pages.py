"""The console's pages: the queue (mine / unassigned / all / breached) and one conversation (the live
transcript, the customer's tickets and other conversations, notes, the composers, canned answers)."""

from __future__ import annotations

import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.channels.sms.segments import analyse
from bot.clock import as_utc
from bot.i18n.catalog import CATALOG
from bot.storage import console as console_repo
from bot.storage.console import VIEWS
from bot.storage.handoff import EscalationView
from bot.web.auth import staff_of
from bot.web.console import rights, views
from bot.web.console.canned import CannedAnswer, Variables, answers, entry_answer
from bot.web.console.context import Console, flash_of
from bot.web.templating import render, translator


def zone_of(runtime: Any) -> ZoneInfo:
    return ZoneInfo(getattr(runtime.settings, "timezone", "Asia/Shanghai"))


def now_of(runtime: Any) -> Any:
    return as_utc(runtime.clock())


class Pages:
    """GET handlers of the queue and the conversation page."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.runtime = console.runtime

    async def queue(self, request: web.Request) -> web.Response:
        user = staff_of(request)
        t = translator(user.language)
        view = request.query.get("view", "all")
        view = view if view in VIEWS else "all"
        now = now_of(self.runtime)
        me = user.as_agent()
        async with self.runtime.database.sessions() as session:
            rows = await console_repo.queue(session, view, me.id, now)
        load = await self.console.assignment.capacity(me, user.capacity)
        return render(
            request,
            "console/queue.html",
            view=view,
            views=VIEWS,
            rows=[views.queue_row(row, now, t) for row in rows],
            capacity=load,
            flash=flash_of(request, t),
        )

    async def conversation(self, request: web.Request) -> web.Response:
        user = staff_of(request)
        t = translator(user.language)
        escalation = await self.console.escalation(request)
        zone, now = zone_of(self.runtime), now_of(self.runtime)
        async with self.runtime.database.sessions() as session:
            messages = await console_repo.transcript_tail(session, escalation.conversation_id)
            notes = await console_repo.notes_after(session, escalation.conversation_id)
            keys = await console_repo.linked_keys(session, escalation.channel, escalation.customer_id)
            tickets = await console_repo.tickets(session, keys)
            conversation = await console_repo.conversation_of(session, escalation.id)
            links = await console_repo.linked_conversations(session, conversation) if conversation is not None else []
        variables = await self._variables(escalation, user.name, tickets)
        query = request.query.get("q", "").strip()[:200]
        found: list[CannedAnswer] = (
            answers(self.runtime.knowledge, self.runtime.matcher, query, escalation.language, variables) if query else []
        )
        chosen = entry_answer(self.runtime.knowledge, request.query.get("use", ""), escalation.language, variables)
        draft = chosen.text if chosen else ""
        agents = [a for a in await self.console.accounts.active_agents() if a.id != user.id]
        return render(
            request,
            "console/conversation.html",
            e=escalation,
            state=views.state_of(escalation, now, t),
            customer=escalation.name,
            channel_label=views.channel_label(escalation.channel, t),
            reason_label=views.reason_label(escalation.reason, t),
            language_label=views.language_label(escalation.language),
            lines=[views.line(m, escalation.id, zone, t) for m in messages],
            notes=[views.note_line(n, zone) for n in notes],
            cursor=cursor_of(messages[-1].id if messages else 0, notes[-1].id if notes else 0),
            tickets=[ticket_view(b, zone, t) for b in tickets],
            links=[views.link_view(link, zone, t) for link in links],
            may_act=rights.may_act(user, escalation),
            may_take=rights.may_take(user, escalation) and escalation.active and not rights.is_mine(user, escalation),
            may_transfer=rights.may_transfer(user, escalation) and escalation.active,
            is_mine=rights.is_mine(user, escalation),
            agents=agents,
            query=query,
            canned=found,
            draft=draft,
            draft_intent=chosen.intent_id if chosen else "",
            client_id=secrets.token_hex(12),
            sms=sms_info(escalation, draft, t),
            flash=flash_of(request, t),
        )


    async def canned(self, request: web.Request) -> web.Response:
        """Canned answers as JSON for console.js (the page's search form works without it too)."""
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        variables = await self._variables(escalation, user.name)
        query = request.query.get("q", "").strip()[:200]
        found = answers(self.runtime.knowledge, self.runtime.matcher, query, escalation.language, variables)
        return web.json_response([{"intent_id": a.intent_id, "title": a.title, "text": a.text} for a in found])

    async def _variables(self, escalation: EscalationView, agent_name: str, tickets: list[Any] | None = None) -> Variables:
        """What a canned answer's placeholders are filled with for this customer and agent."""
        if tickets is None:
            async with self.runtime.database.sessions() as session:
                keys = await console_repo.linked_keys(session, escalation.channel, escalation.customer_id)
                tickets = await console_repo.tickets(session, keys)
        contact = next((b.contact_name for b in tickets if b.contact_name), "")
        return Variables(
            customer_name=escalation.display_name or contact or escalation.customer_id,
            agent_name=agent_name,
            brand=getattr(self.runtime.settings, "brand_name", ""),
            ticket=tickets[0].ticket if tickets else None,
        )


def cursor_of(message_id: int, note_id: int) -> str:
    """The live stream's position: the last message id and the last note id seen."""
    return f"{message_id}.{note_id}"


def parse_cursor(value: str | None) -> tuple[int, int]:
    """(message id, note id) from a cursor; (0, 0) for anything unreadable."""
    message, _, note = (value or "").partition(".")
    try:
        return max(0, int(message)), max(0, int(note or 0))
    except ValueError:
        return 0, 0


def sms_info(escalation: EscalationView, draft: str, t: Any) -> str | None:
    """The SMS parts line for a draft to an SMS customer (None on other channels)."""
    if escalation.channel != "sms":
        return None
    info = analyse(draft)
    return t("agentconsole.sms_segments", segments=info.segments, encoding=info.encoding, units=info.units)


def ticket_view(booking: Any, zone: ZoneInfo, t: Any) -> dict[str, Any]:
    """A repair ticket as the conversation page lists it (status in the staff's words, as the desk says it)."""
    slot = as_utc(booking.slot_start)
    status_key = f"repairs_staff.status.{booking.status}"
    return {
        "ticket": booking.ticket,
        "status": t(status_key) if status_key in CATALOG else booking.status,
        "model": booking.model_name,
        "fault": booking.fault,
        "channel": booking.channel,
        "slot": slot.astimezone(zone).strftime("%Y-%m-%d %H:%M") if slot else "",
    }
