"""The customer's side of a hand-off, inside their turns: opening the escalation, what the bot says
while a person has the conversation (the rules are in `bot.handoff.acks`), relaying, cancelling.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc, stored_time
from bot.engine.context import TurnContext
from bot.engine.handoff import is_cancel
from bot.engine.messages import say
from bot.engine.types import (
    Action,
    ActionKind,
    Handoff,
    Inbound,
    InboundKind,
    ReplyKind,
)
from bot.handoff import desk as events
from bot.handoff.acks import ANGER_STATE, ack_line, decide, upset
from bot.handoff.core import HandoffCore, space
from bot.storage import handoff as repo
from bot.storage.handoff import ABANDONED, ASSIGNED, WAITING
from bot.storage.models import Escalation

if TYPE_CHECKING:
    from bot.storage.store import Turn


class WaitingCustomer:
    """What happens in a customer's turn while their conversation is (being) handed off."""

    def __init__(self, core: HandoffCore) -> None:
        self.core = core

    async def active(self, turn: Turn) -> Escalation | None:
        """The conversation's open escalation: while there is one, a person handles the conversation."""
        return await repo.active_escalation(turn.session, turn.conversation.id)

    async def open_in_turn(self, ctx: TurnContext, turn: Turn, message_id: int | None) -> Escalation:
        """The engine handed off this turn: queue the escalation and finish the hand-off reply
        (queue position and honest wait, or office hours; the "back to the assistant" button)."""
        assert ctx.handoff is not None
        core = self.core
        session, conversation = turn.session, turn.conversation
        now = core.now()
        escalation = await repo.active_escalation(session, conversation.id)
        # A VIP's hand-off moves up the queue (bot.handoff.vip); the service level stays the reason's own.
        priority = await core.customer_priority(session, conversation.channel, conversation.customer_id, ctx.handoff.priority)
        if escalation is None:
            escalation = Escalation(
                conversation_id=conversation.id,
                reason=ctx.handoff.reason,
                priority=priority,
                status=WAITING,
                language=ctx.language,
                created_at=now,
                updated_at=now,
                due_at=core.due(now, ctx.handoff.priority),
                last_ack_at=now,
            )
            await repo.add_escalation(session, escalation)
            core.queue_desk(session, escalation, events.OPENED, {"upto": message_id})
        elif priority > escalation.priority:
            await self._raise_priority(session, escalation, Handoff(ctx.handoff.reason, priority), now, ctx.handoff.priority)
        text = await core.queue_text(session, escalation, ctx.language, now)
        for draft in reversed(ctx.drafts):
            if draft.kind is ReplyKind.HANDOFF:
                draft.text = f"{draft.text}\n{text}"
                draft.options = tuple(o for o in draft.options if o.action.kind is not ActionKind.HANDOFF)
                draft.options += (core.cancel_option(ctx.language),)
                break
        return escalation

    async def _raise_priority(
        self, session: AsyncSession, escalation: Escalation, handoff: Handoff, now: dt.datetime, service_level: int
    ) -> None:
        """`handoff.priority` orders the queue (VIP boost included); `service_level`, the reason's own
        priority, sets the deadline."""
        escalation.priority = handoff.priority
        escalation.reason = handoff.reason
        escalation.updated_at = now
        if escalation.status == WAITING:
            sooner = self.core.due(as_utc(escalation.created_at) or now, service_level)
            escalation.due_at = min(as_utc(escalation.due_at) or sooner, sooner)
        self.core.queue_desk(session, escalation, events.STATUS, {"event": "priority", "reason": handoff.reason})

    async def in_person(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, escalation: Escalation, text: str
    ) -> bool:
        """A customer message while a person handles the conversation. The bot stays out of the way but
        never leaves the customer writing into silence (`bot.handoff.acks`): it acknowledges after a
        pause, raises the priority when anger or a complaint shows and says so, and cancels the hand-off
        when asked. Returns True when the message is for the person (to relay)."""
        core = self.core
        now = core.now()
        language = ctx.language
        cancel_words = action is None and is_cancel(text, strict=escalation.status == ASSIGNED)
        if (action is not None and action.kind is ActionKind.HANDOFF) or cancel_words:
            await self.cancel_in_turn(ctx, turn, escalation, now)
            return False
        if action is not None:
            # Menu buttons, /start, /help, old buttons: the person has the conversation; say so.
            if action.kind is ActionKind.MENU and action.value == "human" and escalation.status == WAITING:
                escalation.last_ack_at = now
                ack = await core.queue_text(turn.session, escalation, language, now)
                ctx.reply(f"{say('handoff.ack', language)}{space(language)}{ack}", ReplyKind.HANDOFF, (core.cancel_option(language),))
            else:
                ctx.reply(say("handoff.with_person", language), ReplyKind.INFO, (core.cancel_option(language),))
            return False
        assigned = escalation.status == ASSIGNED
        if assigned and escalation.due_at is None:
            escalation.due_at = core.reply_due(now)  # the customer now waits for the agent's answer
        upset_as = upset(inbound.text, core.matcher, core.knowledge) if inbound.kind is InboundKind.TEXT else None
        raised = False
        service_level = upset_as.priority if upset_as is not None else 0
        if upset_as is not None:
            conversation = turn.conversation
            vip_priority = await core.customer_priority(turn.session, conversation.channel, conversation.customer_id, upset_as.priority)
            upset_as = Handoff(upset_as.reason, vip_priority)
        if upset_as is not None and upset_as.priority > escalation.priority:
            await self._raise_priority(turn.session, escalation, upset_as, now, service_level)  # the agents' topic says so
            raised = True
        angry_state = ctx.state.get(ANGER_STATE)
        last_angry = (
            stored_time(angry_state.get("at")) if isinstance(angry_state, dict) and angry_state.get("id") == escalation.id else None
        )
        ack = decide(
            assigned=assigned,
            now=now,
            last_ack=as_utc(escalation.last_ack_at),
            last_angry_ack=last_angry,
            due=as_utc(escalation.due_at),
            angry=upset_as is not None,
            raised=raised,
            pause=dt.timedelta(minutes=core.minutes("handoff_ack_minutes", 5)),
        )
        if ack is not None:
            escalation.last_ack_at = now
            if upset_as is not None:
                ctx.state[ANGER_STATE] = {"id": escalation.id, "at": now.isoformat()}
            line = await ack_line(core, turn.session, escalation, ack, language, now)
            ctx.reply(line, ReplyKind.HANDOFF, (core.cancel_option(language),))
        return True

    async def cancel_in_turn(self, ctx: TurnContext, turn: Turn, escalation: Escalation, now: dt.datetime) -> None:
        """The customer went back to the bot."""
        escalation.status = ABANDONED
        escalation.resolution = "cancelled"
        escalation.resolved_at = now
        escalation.due_at = None
        self.core.queue_desk(turn.session, escalation, events.STATUS, {"event": "cancelled"})
        ctx.state.pop(ANGER_STATE, None)
        ctx.low_confidence_streak = 0
        ctx.reply(ctx.say("handoff.cancelled"), ReplyKind.INFO, ctx.menu_options())

    async def relay(self, turn: Turn, escalation: Escalation, message_id: int) -> None:
        """Queue the customer's stored message for the agents."""
        self.core.queue_desk(turn.session, escalation, events.MESSAGE, {"ids": [message_id]})
