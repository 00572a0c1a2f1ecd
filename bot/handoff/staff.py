"""Escalations the system opens outside a customer's turn: a promise to the customer about to be broken
(the engineer's call-back missed, a repair past the policy's days; bot/repairs/promises.py).

The customer did not ask for a person, so nothing is said to them here (the caller decides what they
are told); the agents get the conversation in their queue exactly as a customer's hand-off: an
`Escalation` row waiting, with the service level of its priority, the VIP boost (`bot.handoff.vip`),
and the desk's "opened" event (the card with the transcript and the bookings) followed by a "note"
event saying why. When the conversation already has an active escalation no second one is opened: the
note is added to it (and its priority raised if this is more urgent), so agents see one conversation
once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.handoff import desk as events
from bot.handoff.core import HandoffCore
from bot.safetext import storable
from bot.storage import conversations
from bot.storage import handoff as repo
from bot.storage import messages as messages_repo
from bot.storage.handoff import WAITING, EscalationNote
from bot.storage.models import Escalation

SYSTEM = "system"  # who wrote a note the system added
SUPERVISORS = "supervisors"  # a note addressed to supervisors (SUPERVISOR_IDS are mentioned)


class StaffEscalations:
    """Opening escalations for staff's sake, in the caller's transaction or one of its own."""

    def __init__(self, core: HandoffCore) -> None:
        self.core = core

    async def open(
        self,
        session: AsyncSession,
        conversation_id: int,
        reason: str,
        priority: int,
        note: str,
        *,
        to: str | None = None,
    ) -> int | None:
        """Queue the conversation for the agents with `note` (see the module's docstring); the
        escalation's id, None when the conversation does not exist. Committed by the caller; the commit
        wakes the desk's worker (`HandoffCore.queue_desk`)."""
        core = self.core
        conversation = await conversations.locked(session, conversation_id)
        if conversation is None:
            return None
        now = core.now()
        service_level = priority  # the reason's own: a VIP moves up the queue, the deadline stays the reason's
        priority = await core.customer_priority(session, conversation.channel, conversation.customer_id, priority)
        escalation = await repo.active_escalation(session, conversation.id)
        if escalation is None:
            escalation = Escalation(
                conversation_id=conversation.id,
                reason=reason,
                priority=priority,
                status=WAITING,
                language=conversation.language,
                created_at=now,
                updated_at=now,
                due_at=core.due(now, service_level),
            )
            await repo.add_escalation(session, escalation)
            last = await messages_repo.latest(session, conversation.id, limit=1)
            core.queue_desk(session, escalation, events.OPENED, {"upto": last[-1].id if last else None})
        elif priority > escalation.priority:
            escalation.priority, escalation.reason, escalation.updated_at = priority, reason, now
            if escalation.status == WAITING:
                sooner = core.due(now, service_level)
                escalation.due_at = min(as_utc(escalation.due_at) or sooner, sooner)
            core.queue_desk(session, escalation, events.STATUS, {"event": "priority", "reason": reason})
        text = storable(note)
        repo.add_note(session, EscalationNote(escalation_id=escalation.id, agent_id=None, agent_name=SYSTEM, text=text, created_at=now))
        core.queue_desk(session, escalation, events.NOTE, {"text": text, "reason": reason, "to": to})
        return escalation.id

    async def open_now(self, conversation_id: int, reason: str, priority: int, note: str, *, to: str | None = None) -> int | None:
        """`open` in a transaction of its own."""
        async with self.core.transaction() as session:
            return await self.open(session, conversation_id, reason, priority, note, to=to)
