"""The 1-5 satisfaction question after a repair closed (Dell's survey after every resolved case).

The SURVEY job (`bot.repairs.lifecycle.SURVEY`, scheduled when a ticket closes, payload none) asks
"How satisfied are you with the repair of <model> (repair R..)?" with five scores and Skip, on the
channel the ticket was booked on, through `bot.repairs.outreach.deliver` (one copy per job, SMS quiet
hours kept). Once the question went out, the customer's conversation remembers it (a typed "4" is then
a score: bot/engine/ticket_survey.py reads the answer and stores it with the ticket).

Not asked: a ticket already scored, reopened, or gone. Not asked yet: while a person is talking with
the customer (a hand-off is open) or the hand-off's own survey waits for its answer. Both read a bare
number as theirs, so a 1-5 question in the middle would be answered to the wrong one, or relayed to the
agent as a message; the job waits (`WAIT_IN_HANDOFF`) and asks when the conversation is the bot's
again, giving up after `GIVE_UP` (a question about a repair closed days ago is noise).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.engine.ticket_survey import STATE, pending_state, score_options
from bot.engine.types import Reply, ReplyKind
from bot.i18n import text
from bot.repairs.context import RepairContext
from bot.repairs.lifecycle import SURVEY
from bot.repairs.outreach import customer_language, deliver
from bot.repairs.statuses import CLOSED
from bot.scheduler import Defer, Done, Handler, Outcome, Skip
from bot.storage import conversations
from bot.storage.booking import Booking, booking_by_id
from bot.storage.handoff import active_escalation
from bot.storage.jobs import ClaimedJob
from bot.storage.models import Conversation

WAIT_IN_HANDOFF = dt.timedelta(minutes=30)
GIVE_UP = dt.timedelta(days=3)
HANDOFF_SURVEY_TTL = dt.timedelta(days=3)  # bot/handoff/survey.py's SURVEY_TTL (not imported: a layer above)


def survey_handlers(context: RepairContext) -> dict[str, Handler]:
    """The SURVEY job kind with its handler."""

    async def handle(job: ClaimedJob) -> Outcome:
        return await ask(context, job)

    return {SURVEY: handle}


async def ask(context: RepairContext, job: ClaimedJob) -> Outcome:
    """Ask the ticket's customer for a score; remember in their conversation that it was asked."""
    now = as_utc(context.clock())
    async with context.database.sessions() as session:
        booking = await booking_by_id(session, job.booking_id)
        if booking is None:
            return Skip("the ticket is gone")
        if booking.survey_score is not None:
            return Skip("already scored")
        if booking.status != CLOSED:
            return Skip(f"the ticket is {booking.status} now")
        conversation = await conversations.by_key(session, booking.channel, booking.customer_id)
        busy = await _busy(session, conversation, now)
        if busy is not None:
            if now - as_utc(booking.closed_at or job.due_at) > GIVE_UP:  # due_at moves with each wait
                return Skip(f"{busy} for days: not asked")
            return Defer(now + WAIT_IN_HANDOFF, busy)
        language = customer_language(booking, conversation)
        question = text("customer.survey.ask", language, model=booking.model_name, ticket=booking.ticket)
        reply = Reply(text=question, kind=ReplyKind.INFO, language=language, options=score_options(booking.id, language),
                      key=question.key, values=question.values)
    outcome = await deliver(context, job, booking, [reply], kind="survey")
    if isinstance(outcome, Done):
        await _remember(context, booking, reply, now)
    return outcome


async def _busy(session: AsyncSession, conversation: Conversation | None, now: dt.datetime) -> str | None:
    """Why the question must wait: a person has the conversation, or the hand-off's survey is pending."""
    if conversation is None:
        return None
    if await active_escalation(session, conversation.id) is not None:
        return "a person has the conversation"
    waiting = (conversation.state or {}).get("survey")
    if isinstance(waiting, dict) and isinstance(waiting.get("at"), str):
        try:
            asked = as_utc(dt.datetime.fromisoformat(waiting["at"]))
        except ValueError:
            return None
        if now - asked <= HANDOFF_SURVEY_TTL:
            return "the hand-off's survey waits for its answer"
    return None


async def _remember(context: RepairContext, booking: Booking, reply: Reply, now: dt.datetime) -> None:
    """The pending survey and its options in the conversation state, under the row lock a turn takes.

    After the delivery, not before: a question held back (quiet hours) must not make a "4" typed
    meanwhile a score. A crash in between loses only the typed-score path; the buttons still work.
    """
    async with context.database.sessions() as session, session.begin():
        conversation = await conversations.for_turn(session, booking.channel, booking.customer_id, booking.language, None)
        state = dict(conversation.state or {})
        state[STATE] = pending_state(booking, now)
        # The question's options are the last the customer saw: a bare "4" (SMS, console) picks the fourth.
        state["options"] = [
            {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id} for o in reply.options
        ]
        conversations.set_state_outside_turn(conversation, state)


