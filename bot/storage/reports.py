"""The supervisors' numbers, read from the transcript, the hand-offs, the surveys and the tickets.

Repository functions for `bot.reports`: each reads one period `[start, end)` (UTC, bounded by the
caller) and optionally one channel, aggregates in SQL where the rows are many (messages), and returns
plain rows. What the rows mean (outcomes, rates, percentiles, service levels) is decided above, in
`bot.reports`, where it is tested without a database.

A "conversation-period" is a conversation in which the customer wrote in the period, or for which a
hand-off was opened in it (the system can ask for people without the customer writing). Two facts
decide its outcome (`bot.reports.outcomes`): whether people had it in the period (a hand-off opened,
open or rated in it) and whether the bot answered in it (an FAQ answer, a booking, a form).

Times are compared as UTC values (SQLite keeps them as text without an offset, the bot writes UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, case, cast, exists, false, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from bot.clock import as_utc
from bot.storage.booking import Booking
from bot.storage.database import is_postgresql
from bot.storage.forms import FormSubmission
from bot.storage.models import Conversation, Escalation, Message

ANSWER = "answer"  # ReplyKind.ANSWER: an FAQ answer (storage does not import the engine's types)
AGENT = "agent"  # what a person wrote to the customer (bot.handoff.operations)
BUCKET_SECONDS = 900  # busiest hours are counted in quarter hours, so any UTC offset maps them exactly


def _within(column: Any, start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _on_channel(channel: str | None) -> ColumnElement[bool]:
    return Conversation.channel == channel if channel else Conversation.id.is_not(None)


def _active_ids(start: dt.datetime, end: dt.datetime) -> Any:
    """Ids of the period's conversations: the customer wrote, or a hand-off was opened."""
    wrote = select(Message.conversation_id.label("cid")).where(Message.direction == "in", _within(Message.created_at, start, end))
    handed = select(Escalation.conversation_id.label("cid")).where(_within(Escalation.created_at, start, end))
    return union(wrote, handed).subquery("active")


def _touching(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    """A hand-off people had in the period: open at some moment of it, or rated in it (the survey of
    a hand-off closed the evening before is still the people's conversation, not one the bot lost)."""
    return or_(
        and_(Escalation.created_at < end, or_(Escalation.resolved_at.is_(None), Escalation.resolved_at >= start)),
        _within(Escalation.survey_at, start, end),
    )


def _handed_off(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return exists().where(Escalation.conversation_id == Conversation.id, _touching(start, end))


def _answered(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    """The bot gave an FAQ answer, or a flow finished (a repair booked, a form submitted), in the period."""
    answer = exists().where(
        Message.conversation_id == Conversation.id,
        _within(Message.created_at, start, end),
        Message.direction == "out",
        Message.kind == ANSWER,
    )
    booked = Conversation.id.in_(select(Booking.conversation_id).where(_within(Booking.created_at, start, end)))
    submitted = Conversation.id.in_(select(FormSubmission.conversation_id).where(_within(FormSubmission.created_at, start, end)))
    return or_(answer, booked, submitted)


def _period_conversations(start: dt.datetime, end: dt.datetime, channel: str | None, *columns: Any) -> Select[Any]:
    active = _active_ids(start, end)
    return (
        select(*columns)
        .select_from(Conversation)
        .join(active, active.c.cid == Conversation.id)
        .where(_on_channel(channel))
    )


@dataclass(frozen=True)
class OutcomeGroup:
    """How many conversation-periods of one channel and language were handed off / answered."""

    channel: str
    language: str
    handed_off: bool
    answered: bool
    count: int


async def outcome_groups(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[OutcomeGroup]:
    """Conversation-periods counted by (channel, language, handed off?, answered?), in one query."""
    flags = _period_conversations(
        start, end, channel,
        Conversation.channel,
        Conversation.language,
        _handed_off(start, end).label("handed"),
        _answered(start, end).label("answered"),
    ).subquery("flags")
    rows = await session.execute(
        select(flags.c.channel, flags.c.language, flags.c.handed, flags.c.answered, func.count())
        .group_by(flags.c.channel, flags.c.language, flags.c.handed, flags.c.answered)
    )
    return [OutcomeGroup(c, lang, bool(h), bool(a), int(n)) for c, lang, h, a, n in rows.all()]


async def handoff_reasons(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[tuple[str, int]]:
    """Hand-offs opened in the period, counted by reason, most frequent first."""
    rows = await session.execute(
        select(Escalation.reason, func.count())
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(_within(Escalation.created_at, start, end), _on_channel(channel))
        .group_by(Escalation.reason)
        .order_by(func.count().desc(), Escalation.reason)
    )
    return [(reason, int(n)) for reason, n in rows.all()]


@dataclass(frozen=True)
class ScoreGroup:
    """How many surveys gave `score`, for one channel, language and agent (None: no agent, a ticket)."""

    channel: str
    language: str
    agent: str | None
    score: int
    count: int


async def handoff_scores(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[ScoreGroup]:
    """Hand-off survey scores given in the period, counted by channel, language, agent and score."""
    language = func.coalesce(Escalation.language, Conversation.language)
    rows = await session.execute(
        select(Conversation.channel, language, Escalation.agent_name, Escalation.survey_score, func.count())
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(_within(Escalation.survey_at, start, end), Escalation.survey_score.is_not(None), _on_channel(channel))
        .group_by(Conversation.channel, language, Escalation.agent_name, Escalation.survey_score)
    )
    return [ScoreGroup(c, lang, agent, int(score), int(n)) for c, lang, agent, score, n in rows.all()]


async def ticket_scores(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[ScoreGroup]:
    """Repair-ticket survey scores given in the period, counted by channel, language and score."""
    where = [_within(Booking.survey_at, start, end), Booking.survey_score.is_not(None)]
    if channel:
        where.append(Booking.channel == channel)
    rows = await session.execute(
        select(Booking.channel, Booking.language, Booking.survey_score, func.count())
        .where(*where)
        .group_by(Booking.channel, Booking.language, Booking.survey_score)
    )
    return [ScoreGroup(c, lang, None, int(score), int(n)) for c, lang, score, n in rows.all()]


@dataclass(frozen=True)
class HandoffRow:
    """One hand-off opened in the period, with the first message a person wrote to the customer."""

    id: int
    conversation_id: int
    channel: str
    language: str
    reason: str
    priority: int
    status: str
    agent_name: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    first_response_at: dt.datetime | None
    survey_score: int | None


def _first_person_message() -> Any:
    """The first message a person (never the bot) wrote in the conversation while this hand-off was open."""
    return (
        select(func.min(Message.created_at))
        .where(
            Message.conversation_id == Escalation.conversation_id,
            Message.direction == "out",
            Message.kind == AGENT,
            Message.created_at >= Escalation.created_at,
            or_(Escalation.resolved_at.is_(None), Message.created_at <= Escalation.resolved_at),
        )
        .scalar_subquery()
    )


async def handoffs(
    session: AsyncSession,
    start: dt.datetime,
    end: dt.datetime,
    channel: str | None = None,
    conversation_ids: Sequence[int] | None = None,
) -> list[HandoffRow]:
    """Hand-offs opened in the period, oldest first; with `conversation_ids`, these conversations'
    hand-offs people had in the period (opened in it, open during it or rated in it: the export's)."""
    query = (
        select(
            Escalation.id, Escalation.conversation_id, Conversation.channel,
            func.coalesce(Escalation.language, Conversation.language), Escalation.reason, Escalation.priority,
            Escalation.status, Escalation.agent_name, Escalation.created_at, Escalation.resolved_at,
            _first_person_message(), Escalation.survey_score,
        )
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(_on_channel(channel))
        .order_by(Escalation.created_at, Escalation.id)
    )
    if conversation_ids is None:
        query = query.where(_within(Escalation.created_at, start, end))
    else:
        ids = Escalation.conversation_id.in_(list(conversation_ids)) if conversation_ids else false()
        query = query.where(ids, _touching(start, end))
    rows = await session.execute(query)
    return [
        HandoffRow(
            id=i, conversation_id=cid, channel=ch, language=lang, reason=reason, priority=int(priority or 0), status=status,
            agent_name=agent, created_at=as_utc(created), resolved_at=as_utc(resolved), first_response_at=as_utc(first),
            survey_score=score,
        )
        for i, cid, ch, lang, reason, priority, status, agent, created, resolved, first, score in rows.all()
    ]


def _quarter_hour(session: AsyncSession, column: Any) -> Any:
    """The quarter hour since the epoch a time falls in (UTC), computed by the database."""
    if is_postgresql(session):
        return cast(func.floor(func.extract("epoch", column) / BUCKET_SECONDS), Integer)
    return cast(func.strftime("%s", column), Integer) // BUCKET_SECONDS


async def inbound_quarter_hours(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[tuple[int, int]]:
    """Customer messages in the period counted by quarter hour: (seconds since the epoch, count)."""
    bucket = _quarter_hour(session, Message.created_at).label("bucket")
    query = select(bucket, func.count()).where(Message.direction == "in", _within(Message.created_at, start, end))
    if channel:
        query = query.join(Conversation, Conversation.id == Message.conversation_id).where(Conversation.channel == channel)
    rows = await session.execute(query.group_by(bucket))
    return [(int(b) * BUCKET_SECONDS, int(n)) for b, n in rows.all()]


def _one_if(condition: ColumnElement[bool]) -> Any:
    """1 where `condition` holds, else 0: a count inside SUM that works the same on both databases."""
    return case((condition, 1), else_=0)


async def answer_feedback(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[tuple[str | None, int, int]]:
    """The bot's FAQ answers given in the period, by intent: (intent, 👍 count, 👎 count); unrated left out."""
    up = func.sum(_one_if(Message.feedback > 0))
    down = func.sum(_one_if(Message.feedback < 0))
    query = select(Message.intent_id, up, down).where(
        Message.direction == "out", Message.kind == ANSWER, _within(Message.created_at, start, end), Message.feedback.is_not(None)
    )
    if channel:
        query = query.join(Conversation, Conversation.id == Message.conversation_id).where(Conversation.channel == channel)
    rows = await session.execute(query.group_by(Message.intent_id))
    return [(intent, int(u or 0), int(d or 0)) for intent, u, d in rows.all()]


async def answers_given(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> int:
    """How many FAQ answers the bot gave in the period (rated or not)."""
    query = select(func.count()).select_from(Message).where(
        Message.direction == "out", Message.kind == ANSWER, _within(Message.created_at, start, end)
    )
    if channel:
        query = query.join(Conversation, Conversation.id == Message.conversation_id).where(Conversation.channel == channel)
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class ConversationRow:
    """One conversation-period, for the export: what the transcript says about it."""

    id: int
    channel: str
    language: str
    customer: str
    handed_off: bool
    answered: bool
    started: dt.datetime | None
    messages: int
    thumbs_up: int
    thumbs_down: int


def _in_conversation(start: dt.datetime, end: dt.datetime, *where: ColumnElement[bool]) -> Any:
    return and_(Message.conversation_id == Conversation.id, _within(Message.created_at, start, end), *where)


async def conversation_ids(session: AsyncSession, start: dt.datetime, end: dt.datetime, channel: str | None = None) -> list[int]:
    """The ids of the period's conversations, ascending (the export reads them in pages of `conversation_rows`)."""
    rows = await session.scalars(_period_conversations(start, end, channel, Conversation.id).order_by(Conversation.id))
    return list(rows.all())


async def conversation_rows(session: AsyncSession, start: dt.datetime, end: dt.datetime, ids: Sequence[int]) -> list[ConversationRow]:
    """These conversations as the period saw them (pass ids from `conversation_ids`, a few hundred at a
    time), by id: each figure a subquery on the (conversation, time) index of the messages."""
    if not ids:
        return []
    first = select(func.min(Message.created_at)).where(_in_conversation(start, end)).scalar_subquery()
    count = select(func.count()).where(_in_conversation(start, end)).scalar_subquery()
    up = select(func.count()).where(_in_conversation(start, end, Message.feedback > 0)).scalar_subquery()
    down = select(func.count()).where(_in_conversation(start, end, Message.feedback < 0)).scalar_subquery()
    rows = await session.execute(
        select(
            Conversation.id, Conversation.channel, Conversation.language,
            func.coalesce(Conversation.display_name, Conversation.customer_id),
            _handed_off(start, end), _answered(start, end), first, count, up, down,
        )
        .where(Conversation.id.in_(list(ids)))
        .order_by(Conversation.id)
    )
    return [
        ConversationRow(
            id=i, channel=ch, language=lang, customer=name, handed_off=bool(h), answered=bool(a), started=as_utc(first_at),
            messages=int(n or 0), thumbs_up=int(u or 0), thumbs_down=int(d or 0),
        )
        for i, ch, lang, name, h, a, first_at, n, u, d in rows.all()
    ]


async def channels(session: AsyncSession) -> list[str]:
    """The channels customers have written on (for the dashboard's channel filter)."""
    rows = await session.scalars(select(Conversation.channel).distinct().order_by(Conversation.channel))
    return list(rows.all())
