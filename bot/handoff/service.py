"""The hand-off service: the human queue, what customers are told, and every agent operation.

Channel-agnostic. The engine calls it inside a customer's turn (`active`, `open_in_turn`, `in_person`,
`survey`, `relay`: the `bot.engine.ports.HumanQueue` port, which this class satisfies structurally; the
engine never imports this package), the runtime calls `after_commit` once the turn committed
(`bot.runtime.Runtime.handle`), agents' desks call it for their operations (`take`, `release`, `close`,
`give_back`, `note`, `agent_message`, `queue`, `stats`), a periodic task calls `sweep` (overdue
escalations are announced again; agent messages that failed are retried), and the repair promises'
jobs call `open_for_staff` when a promise to a customer was missed (bot/repairs/promises.py).

What agents must see goes through the hand-off outbox (written in the same transaction as the change,
published by `bot.handoff.outbox.DeskOutbox`); what customers must see goes through the channel's
`CustomerDelivery` right after the change is committed, and is kept when it cannot be delivered.

This module is the facade; the work is done next to it:

* `bot.handoff.core`: dependencies, clock, service levels, transactions, the queue line;
* `bot.handoff.waiting` (rules and words in `bot.handoff.acks`): the customer's side while waiting;
* `bot.handoff.survey`: the satisfaction survey;
* `bot.handoff.operations`: agents' operations;
* `bot.handoff.dispatch`: delivering to customers, holding and retrying what could not go;
* `bot.handoff.upkeep`: the queue list, today's figures and the periodic sweep;
* `bot.handoff.staff`: escalations the system opens outside a customer's turn;
* `bot.handoff.vip`: VIP customers, moved up the queue and marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.context import TurnContext
from bot.engine.types import Action, Inbound
from bot.handoff import upkeep, vip
from bot.handoff.acks import ANGER_STATE
from bot.handoff.core import HandoffCore
from bot.handoff.delivery import Attachment
from bot.handoff.dispatch import FIRST_TRY_GRACE, RETRY_BACKOFF, CustomerDispatch, Missed
from bot.handoff.operations import Agent, AgentOperations, AgentWriting, OpResult
from bot.handoff.staff import SUPERVISORS, StaffEscalations
from bot.handoff.survey import COMMENT_LIMIT, SURVEY_TTL, Survey, parse_score
from bot.handoff.waiting import WaitingCustomer
from bot.settings import Language
from bot.storage.handoff import ACTIVE, EscalationNote, EscalationView
from bot.storage.handoff_stats import DayStats
from bot.storage.models import Escalation

if TYPE_CHECKING:
    from bot.storage.store import Turn

__all__ = [
    "ANGER_STATE",
    "COMMENT_LIMIT",
    "FIRST_TRY_GRACE",
    "RETRY_BACKOFF",
    "SUPERVISORS",
    "SURVEY_TTL",
    "Agent",
    "HandoffService",
    "OpResult",
    "parse_score",
]


class HandoffService(HandoffCore):
    """The human queue over the store, one desk and the channels' deliverers."""

    def _start(self) -> None:
        # The parts are handed this service as their core, so a desk or fetcher set later is theirs too.
        self._dispatch = CustomerDispatch(self)
        self._waiting = WaitingCustomer(self)
        self._survey = Survey(self)
        self._operations = AgentOperations(self, self._dispatch)
        self._staff = StaffEscalations(self)

    def _tx(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction (`bot.handoff.outbox` reads and marks the outbox with it)."""
        return self.transaction()

    # -- inside a customer's turn -------------------------------------------------------------------

    async def active(self, turn: Turn) -> Escalation | None:
        """The conversation's open escalation: while there is one, a person handles the conversation."""
        return await self._waiting.active(turn)

    async def open_in_turn(self, ctx: TurnContext, turn: Turn, message_id: int | None) -> Escalation:
        """The engine handed off this turn: queue the escalation and finish the hand-off reply."""
        return await self._waiting.open_in_turn(ctx, turn, message_id)

    async def in_person(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, escalation: Escalation, text: str
    ) -> bool:
        """A customer message while a person handles the conversation; True when it is for the person."""
        return await self._waiting.in_person(ctx, turn, inbound, action, escalation, text)

    async def cancel_in_turn(self, ctx: TurnContext, turn: Turn, escalation: Escalation, now: dt.datetime) -> None:
        """The customer went back to the bot."""
        await self._waiting.cancel_in_turn(ctx, turn, escalation, now)

    async def relay(self, turn: Turn, escalation: Escalation, message_id: int) -> None:
        """Queue the customer's stored message for the agents."""
        await self._waiting.relay(turn, escalation, message_id)

    async def survey(self, ctx: TurnContext, turn: Turn, action: Action | None, text: str) -> bool:
        """The satisfaction survey after an agent closed the conversation. True when this message was
        the survey's (a score, a comment, Skip); False to handle it as usual (the survey is dropped)."""
        return await self._survey.handle(ctx, turn, action, text)

    async def after_commit(self, conversation_id: int, flush: bool) -> None:
        """After a customer's turn committed: deliver agent messages the customer missed (`flush`: the
        turn's `Outcome.undelivered`). Called by `Runtime.handle`, outside the engine. (SMS's turn has
        queued them itself, `take_missed`, unless the number may not get SMS: this then holds them. The
        desk's worker was woken by the commit itself if the turn queued anything for it: `HandoffCore.queue_desk`.)"""
        if flush:
            await self.flush(conversation_id)

    # -- outside a customer's turn: the system asks for people ---------------------------------------

    async def open_for_staff(
        self, conversation_id: int, reason: str, priority: int, note: str, *, to: str | None = None,
        session: AsyncSession | None = None,
    ) -> int | None:
        """Queue a conversation for the agents because of something the system noticed (a call-back
        promise missed, a repair past its days), with `note` saying what; `to=SUPERVISORS` mentions
        SUPERVISOR_IDS. Idempotent per conversation: an active escalation gets the note (and the higher
        priority) instead of a second escalation. The escalation's id; None for an unknown conversation.

        With `session` it works in the caller's transaction, without in its own; either way the desk's
        worker is woken when it commits. See `bot.handoff.staff`.
        """
        if session is None:
            return await self._staff.open_now(conversation_id, reason, priority, note, to=to)
        return await self._staff.open(session, conversation_id, reason, priority, note, to=to)

    # -- agents -------------------------------------------------------------------------------------

    async def escalation(self, escalation_id: int) -> EscalationView | None:
        """One escalation as agents see it (VIP marked)."""
        found = await self._operations.escalation(escalation_id)
        if found is None:
            return None
        async with self.transaction() as session:
            return await vip.mark_one(session, self.policies, found)

    async def take(self, escalation_id: int, agent: Agent, *, only_waiting: bool = False) -> OpResult:
        """An agent takes the conversation (or takes it over from a colleague); `only_waiting`: only
        one nobody has ("not_waiting" otherwise)."""
        return await self._operations.take(escalation_id, agent, only_waiting=only_waiting)

    async def release(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent gives the conversation back to the queue for a colleague."""
        return await self._operations.release(escalation_id, agent)

    async def close(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent closes the conversation: the customer is back with the bot and gets the survey."""
        return await self._operations.finish(escalation_id, agent, "closed")

    async def give_back(self, escalation_id: int, agent: Agent) -> OpResult:
        """/bot: the bot answers again (no survey: the conversation goes on)."""
        return await self._operations.finish(escalation_id, agent, "to_bot")

    async def note(self, escalation_id: int, agent: Agent, text: str) -> OpResult:
        """An internal note: kept with the escalation, never sent to the customer."""
        return await self._operations.note(escalation_id, agent, text)

    async def notes(self, escalation_id: int) -> list[EscalationNote]:
        return await self._operations.notes(escalation_id)

    async def agent_message(
        self,
        escalation_id: int,
        agent: Agent,
        *,
        text: str | None = None,
        attachment: Attachment | None = None,
        external_id: str | None = None,
    ) -> OpResult:
        """What an agent wrote to the customer: stored, delivered now, or kept (and the agent told)."""
        return await self._operations.agent_message(escalation_id, agent, AgentWriting(text, attachment, external_id))

    async def flush(self, conversation_id: int, *, held: bool = True) -> int:
        """Deliver the agent messages this customer has not got yet, oldest first; how many went."""
        return await self._dispatch.flush(conversation_id, held=held)

    async def take_missed(self, session: AsyncSession, conversation_id: int, language: Language) -> Missed:
        """The agent messages this customer missed, recorded delivered in the caller's transaction, which
        queues them (a channel whose sending is a row in this database: see `CustomerDispatch.take_missed`)."""
        return await self._dispatch.take_missed(session, conversation_id, language)

    # -- the queue, statistics, the periodic sweep --------------------------------------------------

    async def queue(self, statuses: Sequence[str] = ACTIVE) -> list[EscalationView]:
        """Escalations by priority, then age."""
        return await upkeep.queue(self, statuses)

    async def stats(self, now: dt.datetime | None = None) -> DayStats:
        """Today's figures (the day in the office-hours time zone)."""
        return await upkeep.stats(self, now)

    async def sweep(self, now: dt.datetime | None = None) -> int:
        """Announce overdue escalations again and retry agent messages that failed for a temporary reason.
        Returns how many escalations were announced."""
        return await upkeep.sweep(self, self._dispatch, now)
