"""The customer's answer to the 1-5 question asked after a repair closed (bot/repairs/survey.py asks it).

A score arrives as a button (`ActionKind.TICKET_SURVEY`, the booking id in `message_id`: valid for as
long as the ticket is the customer's, closed and not yet scored) or typed ("4", "５", "4分", "五星")
while the conversation state says a ticket survey is pending (`STATE`, set by the job when the
question went out; three days at most). Any other message drops the pending survey quietly and is
handled as usual: a customer who moved on is not asked twice.

A score is stored with the ticket (`Booking.survey_score`, `survey_at`) and in its timeline (a SURVEY
event, actor "customer"); a low one (1-2) also puts the conversation in the human queue ("survey_low"),
so a person follows the unhappy customer up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import as_utc, stored_time
from bot.engine.answers.scores import parse_score
from bot.engine.context import TurnContext
from bot.engine.handoff import hand_off
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.i18n import text
from bot.repairs.statuses import CLOSED
from bot.settings import Language
from bot.storage import repairs
from bot.storage.booking import Booking, booking_by_id
from bot.storage.database import session_clock
from bot.storage.store import Turn

STATE = "ticket_survey"  # {"booking": id, "ticket": "R7K-4Q2", "at": iso time the question went out}
TTL = dt.timedelta(days=3)
LOW = 2  # a score this low or lower: a person follows it up
SKIP = "skip"


def pending_state(booking: Booking, now: dt.datetime) -> dict[str, Any]:
    """What the conversation remembers once the question went out."""
    return {"booking": booking.id, "ticket": booking.ticket, "at": as_utc(now).isoformat()}


def score_options(booking_id: int, language: Language) -> tuple[Option, ...]:
    """1 to 5 (typed "4" on SMS and the console picks the fourth: the same score) and Skip."""
    scores = tuple(Option(f"{n} {'⭐' * n}", Action(ActionKind.TICKET_SURVEY, str(n), booking_id)) for n in range(1, 6))
    return (*scores, Option(text("customer.survey.skip", language), Action(ActionKind.TICKET_SURVEY, SKIP, booking_id)))


async def handle(ctx: TurnContext, turn: Turn, action: Action | None, typed: str) -> bool:
    """True when this message answered a ticket survey (a reply is queued); False to handle it as usual."""
    pending = ctx.state.get(STATE)
    if action is not None and action.kind is ActionKind.TICKET_SURVEY:
        await _pressed(ctx, turn, action)
        return True
    if not pending:
        return False
    ctx.state.pop(STATE, None)  # whatever this message is, the question is answered or dropped
    now = as_utc(session_clock(turn.session)())
    at = stored_time(pending.get("at") if isinstance(pending, dict) else None)
    if at is None or now - at > TTL or action is not None:
        return False
    score = parse_score(typed)
    if score is None:
        return False
    booking = await _rated(turn, pending.get("booking"))
    if booking is None or booking.survey_score is not None:
        return False  # gone, or scored meanwhile (a button): "4" is then just a message
    await _store(ctx, turn, booking, score, now)
    return True


async def _pressed(ctx: TurnContext, turn: Turn, action: Action) -> None:
    booking = await _rated(turn, action.message_id)
    if booking is None:
        ctx.reply(ctx.say("stale"), ReplyKind.STALE)
        return
    pending = ctx.state.get(STATE)
    if isinstance(pending, dict) and pending.get("booking") == booking.id:
        ctx.state.pop(STATE, None)
    if booking.survey_score is not None:
        ctx.reply(text("customer.survey.done", ctx.language), ReplyKind.INFO)
        return
    if action.value == SKIP:
        ctx.reply(text("customer.survey.skipped", ctx.language), ReplyKind.INFO)
        return
    score = parse_score(action.value)
    if score is None:
        ctx.reply(ctx.say("stale"), ReplyKind.STALE)
        return
    await _store(ctx, turn, booking, score, as_utc(session_clock(turn.session)()))


async def _store(ctx: TurnContext, turn: Turn, booking: Booking, score: int, now: dt.datetime) -> None:
    booking.survey_score, booking.survey_at = score, now
    await repairs.record(turn.session, booking, repairs.SURVEY, "customer", now=now, data={"score": score})
    if score <= LOW:
        hand_off(ctx, "survey_low", text("customer.survey.sorry", ctx.language, score=score))
    else:
        ctx.reply(text("customer.survey.thanks", ctx.language, score=score), ReplyKind.INFO)


async def _rated(turn: Turn, booking_id: object) -> Booking | None:
    """The customer's own closed ticket by id (ids come from buttons and state: anything is checked)."""
    if not isinstance(booking_id, int) or isinstance(booking_id, bool):
        return None
    booking = await booking_by_id(turn.session, booking_id)
    conversation = turn.conversation
    if booking is None or booking.channel != conversation.channel or booking.customer_id != conversation.customer_id:
        return None
    return booking if booking.status == CLOSED else None


