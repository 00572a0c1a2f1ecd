"""Promises checked when they fall due: the engineer's call-back (Dell), the repair's days (HP, with
China Telecom's compensation).

CALLBACK_DUE runs at `booking.callback_due_at` (set by `RepairLifecycle.booked`: the policy's working
hours after the request, in the office hours of hours.yaml, working days from chinese-calendar).
Marking the ticket "called", or the device reaching the service, cancels it; if it still runs and
nobody called, the conversation goes to the agents' queue ("callback_missed", raised priority) with a
note naming the ticket and the deadline, and the customer is told, once, that a colleague will call
shortly: a promise broken silently is worse than one apologised for.

REPAIR_OVERDUE runs `repair_limit.days` after the device was received. A repair still in service
then goes to the queue at the highest priority ("repair_overdue"), addressed to supervisors
(SUPERVISOR_IDS are mentioned in the agents' chat) with the replacement the product type allows
(`replacement_promise` in products.yaml); the customer gets the operator's compensation text.

Each escalation leaves an ESCALATED event on the ticket's timeline, written in the transaction that
opens the escalation: a job run again (a crash before it was marked done, a deferred message) finds
the event and does not escalate twice. Messages go through `bot.repairs.outreach.deliver`, one copy
per job.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.engine.handoff import URGENT
from bot.engine.types import Reply, ReplyKind
from bot.handoff.service import SUPERVISORS
from bot.handoff.waits import agent_time
from bot.i18n import text
from bot.repairs import lifecycle as lc
from bot.repairs import statuses as st
from bot.repairs.context import RepairContext
from bot.repairs.outreach import customer_language, deliver
from bot.scheduler import Defer, Handler, Outcome, Skip
from bot.settings import Language
from bot.storage import conversations
from bot.storage import repairs as events
from bot.storage.booking import Booking, booking_by_id
from bot.storage.jobs import ClaimedJob

log = logging.getLogger(__name__)

RAISED = 1  # a missed call-back: above ordinary hand-offs, below complaints (URGENT)
CALLBACK = "callback"  # the ESCALATED event's data["promise"]
REPAIR_DAYS = "repair_days"
CALLBACK_MISSED = "callback_missed"  # hand-off reasons (agent texts: "agent.reason.*")
REPAIR_OVERDUE = "repair_overdue"


class Promises:
    """The two promise handlers, sharing the context."""

    def __init__(self, context: RepairContext) -> None:
        self.context = context

    def handlers(self) -> dict[str, Handler]:
        return {lc.CALLBACK_DUE: self.callback_due, lc.REPAIR_OVERDUE: self.repair_overdue}

    def now(self) -> dt.datetime:
        return as_utc(self.context.clock())  # type: ignore[return-value]

    # -- the engineer's call-back ---------------------------------------------------------------

    async def callback_due(self, job: ClaimedJob) -> Outcome:
        """Nobody called by the deadline: to the agents' queue, and a word to the customer."""
        context = self.context
        now = self.now()
        async with context.database.sessions() as session, session.begin():
            booking = await self._booking(session, job)
            if booking is None:
                return Skip("the ticket is gone")
            if booking.called_at is not None:
                return Skip("the engineer called")
            if booking.status != st.BOOKED:
                return Skip(f"the ticket is {booking.status}: the customer is in touch with the service")
            due = as_utc(booking.callback_due_at)
            if due is not None and due > now:
                return Defer(due, "the call-back deadline is later")  # not due yet (a clock step back)
            if not await _escalated(session, booking, CALLBACK):
                language = context.handoff.agents_language()
                phone = text("promises.agent.phone", language, phone=booking.phone) if booking.phone else ""
                note = text(
                    "promises.agent.callback_missed", language, ticket=booking.ticket, model=booking.model_name,
                    due=agent_time(due or now, now, context.lifecycle.zone), phone=phone,
                )
                escalation = await self._escalate(session, booking, CALLBACK_MISSED, RAISED, note, to=None)
                await events.record(session, booking, events.ESCALATED, lc.SYSTEM, now=now,
                                    data={"promise": CALLBACK, "escalation": escalation})
        language = customer_language(booking)
        line = text("promises.customer.callback_missed", language, ticket=booking.ticket)
        return await deliver(context, job, booking, [Reply(line, ReplyKind.INFO, language)], kind="notice")

    # -- the repair's days ---------------------------------------------------------------------

    async def repair_overdue(self, job: ClaimedJob) -> Outcome:
        """Still in service after the policy's days: to a supervisor, with the replacement option; the
        customer gets the apology and the compensation text."""
        context = self.context
        now = self.now()
        limit = context.policies.repair_limit.days
        async with context.database.sessions() as session, session.begin():
            booking = await self._booking(session, job)
            if booking is None:
                return Skip("the ticket is gone")
            if booking.status not in st.IN_SERVICE:
                return Skip(f"the ticket is {booking.status}")
            received = as_utc(booking.received_at) or as_utc(booking.status_at) or now
            if now < received + dt.timedelta(days=limit):
                return Defer(received + dt.timedelta(days=limit), "not past the policy's days yet")
            days = (now - received).days
            if not await _escalated(session, booking, REPAIR_DAYS):
                language = context.handoff.agents_language()
                note = text(
                    "promises.agent.repair_overdue", language, ticket=booking.ticket, model=booking.model_name,
                    days=days, limit=limit, policy=self._replacement(booking, language),
                )
                escalation = await self._escalate(session, booking, REPAIR_OVERDUE, URGENT, note, to=SUPERVISORS)
                await events.record(session, booking, events.ESCALATED, lc.SYSTEM, now=now,
                                    data={"promise": REPAIR_DAYS, "days": days, "escalation": escalation})
        language = customer_language(booking)
        compensation = context.policies.compensation.get(language) or next(iter(context.policies.compensation.values()), "")
        line = text("promises.customer.repair_overdue", language, ticket=booking.ticket, compensation=compensation)
        return await deliver(context, job, booking, [Reply(line, ReplyKind.INFO, language)], kind="notice")

    def _replacement(self, booking: Booking, language: Language) -> str:
        """What the product type's policy lets the supervisor offer (products.yaml `replacement_promise`,
        true by default there too)."""
        catalog = self.context.catalog
        product_type = catalog.product_type(booking.product_type) if catalog is not None else None
        promised = product_type.replacement_promise if product_type is not None else True
        return text("promises.agent.policy.replacement" if promised else "promises.agent.policy.no_replacement", language)

    # -- shared --------------------------------------------------------------------------------

    async def _booking(self, session: AsyncSession, job: ClaimedJob) -> Booking | None:
        return await booking_by_id(session, job.booking_id, fresh=True)

    async def _escalate(self, session: AsyncSession, booking: Booking, reason: str, priority: int, note: str,
                        *, to: str | None) -> int | None:
        """Open (or add to) the escalation of the ticket's conversation; None when the customer has no
        conversation (a booking made by staff for someone who never wrote): the event records it."""
        conversation_id = booking.conversation_id
        if conversation_id is None:
            conversation = await conversations.by_key(session, booking.channel, booking.customer_id)
            conversation_id = conversation.id if conversation is not None else None
        if conversation_id is None:
            log.warning("ticket %s: %s, but its customer has no conversation to hand to the agents", booking.ticket, reason)
            return None
        return await self.context.handoff.open_for_staff(conversation_id, reason, priority, note, to=to, session=session)


async def _escalated(session: AsyncSession, booking: Booking, promise: str) -> bool:
    """Whether this promise was escalated for the ticket already (the job is running again)."""
    return any(
        e.kind == events.ESCALATED and isinstance(e.data, dict) and e.data.get("promise") == promise
        for e in await events.events(session, booking.id)
    )


def promise_handlers(context: RepairContext) -> dict[str, Handler]:
    """CALLBACK_DUE and REPAIR_OVERDUE with their handlers."""
    return Promises(context).handlers()
