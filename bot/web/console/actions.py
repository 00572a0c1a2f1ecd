"""The console's actions, each a POST carrying the CSRF token (checked by bot.web.auth's middleware),
each checked against the user's rights on the server, written to the audit log, and answered by a
redirect whose flash line says what happened.

The work is the hand-off service's (take, release, close, give_back, note, agent_message) with the
user as `StaffUser.as_agent()`, and `bot.handoff.assignment` for capacity, take next and transfer:
the same operations the Telegram desk runs, so both desks show one state.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from aiohttp import web

from bot.channels.sms.segments import segment_count
from bot.handoff.operations import OpResult
from bot.learning.signals import agent_used_faq
from bot.storage import console as console_repo
from bot.web.auth import audit, forbidden, staff_of
from bot.web.console import rights
from bot.web.console.context import Console, back
from bot.web.ids import parse_id

log = logging.getLogger(__name__)

MAX_TEXT = 4000


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


class Actions:
    """POST handlers."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.runtime = console.runtime
        self.handoff = console.runtime.handoff

    def _done(self, request: web.Request, escalation_id: int | None, result: OpResult, **values: object) -> web.HTTPSeeOther:
        self.console.feed.poke()
        return back(escalation_id, result.code, **values)

    async def take_next(self, request: web.Request) -> web.StreamResponse:
        user = staff_of(request)
        result = await self.console.assignment.take_next(user.as_agent(), user.capacity)
        target = result.escalation.id if result.escalation is not None else None
        await audit(request, "console.take_next", f"escalation:{target}" if target else "queue", {"result": result.code})
        if target is None:
            raise self._done(request, None, result, limit=user.capacity)
        raise self._done(request, target, result)

    async def take(self, request: web.Request) -> web.StreamResponse:
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        if not rights.may_take(user, escalation):
            raise forbidden(request, "agentconsole.forbidden")
        result = await self.console.assignment.take(
            escalation.id, user.as_agent(), user.capacity, take_over=rights.is_supervisor(user)
        )
        await audit(request, "console.take", f"escalation:{escalation.id}", {"result": result.code})
        raise self._done(request, escalation.id, result, limit=user.capacity)

    async def release(self, request: web.Request) -> web.StreamResponse:
        return await self._simple(request, "release", self.handoff.release)

    async def close(self, request: web.Request) -> web.StreamResponse:
        return await self._simple(request, "close", self.handoff.close)

    async def to_bot(self, request: web.Request) -> web.StreamResponse:
        return await self._simple(request, "to_bot", self.handoff.give_back)

    async def _simple(self, request: web.Request, action: str, operation: Any) -> web.StreamResponse:
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        if not rights.may_act(user, escalation):
            raise forbidden(request, "agentconsole.forbidden")
        result = await operation(escalation.id, user.as_agent())
        await audit(request, f"console.{action}", f"escalation:{escalation.id}", {"result": result.code})
        raise self._done(request, escalation.id, result)

    async def transfer(self, request: web.Request) -> web.StreamResponse:
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        if not rights.may_transfer(user, escalation):
            raise forbidden(request, "agentconsole.forbidden")
        form = await _form(request)
        target_id = parse_id(form.get("to", ""))
        target = await self.console.accounts.get(target_id) if target_id is not None else None
        if target is None or not target.active:
            raise back(escalation.id, "no_target")
        result = await self.console.assignment.transfer(escalation.id, target.as_agent(), target.capacity)
        await audit(
            request, "console.transfer", f"escalation:{escalation.id}",
            {"result": result.code, "to": target.email, "from": escalation.agent_name},
        )
        if result.code == "at_capacity":
            raise back(escalation.id, "target_full")
        raise self._done(request, escalation.id, result, agent=target.name)

    async def note(self, request: web.Request) -> web.StreamResponse:
        """An internal note: any staff member may leave one on any escalation (it never leaves the desk)."""
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        text = (await _form(request)).get("text", "").strip()[:MAX_TEXT]
        if not text:
            raise back(escalation.id, "empty_text")
        result = await self.handoff.note(escalation.id, user.as_agent(), text)
        await audit(request, "console.note", f"escalation:{escalation.id}", {"result": result.code, "length": len(text)})
        raise self._done(request, escalation.id, result)

    async def reply(self, request: web.Request) -> web.StreamResponse:
        """What the agent writes to the customer; replying to an unassigned escalation takes it (within
        the agent's capacity). `client_id` makes a double submit one message."""
        user = staff_of(request)
        escalation = await self.console.escalation(request)
        if not rights.may_act(user, escalation):
            raise forbidden(request, "agentconsole.forbidden")
        form = await _form(request)
        text = form.get("text", "").strip()[:MAX_TEXT]
        if not text:
            raise back(escalation.id, "empty_text")
        me = user.as_agent()
        if escalation.status == "waiting" and (await self.console.assignment.capacity(me, user.capacity)).full:
            raise back(escalation.id, "at_capacity", limit=user.capacity)
        client_id = form.get("client_id", "")[:64] or secrets.token_hex(12)
        external_id = f"console:{user.id}:{client_id}"
        result = await self.handoff.agent_message(escalation.id, me, text=text, external_id=external_id)
        intent = form.get("canned_intent", "")[:128]
        await audit(
            request, "console.reply", f"escalation:{escalation.id}",
            {"result": result.code, "length": len(text), **({"faq": intent} if intent else {})},
        )
        if intent and result.ok:
            await self._faq_used(escalation.id, escalation.conversation_id, intent, external_id)
        segments = segment_count(text) if escalation.channel == "sms" and result.ok else None
        raise self._done(request, escalation.id, result, segments=segments)

    async def _faq_used(self, escalation_id: int, conversation_id: int, intent_id: str, external_id: str) -> None:
        """Tell the learning loop an agent answered with this FAQ entry: the customer's question becomes a
        suggestion for that intent."""
        if self.runtime.knowledge.entry(intent_id) is None:
            return
        async with self.runtime.database.sessions() as session:
            message_id = await console_repo.message_by_external(session, conversation_id, external_id)
        try:
            await agent_used_faq(self.runtime, escalation_id=escalation_id, intent_id=intent_id, message_id=message_id)
        except Exception:  # noqa: BLE001 - a learning signal must never fail the agent's reply
            log.exception("agent_used_faq failed for escalation %s", escalation_id)
