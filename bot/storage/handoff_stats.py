"""Hand-off figures for /stats: one day of conversations, hand-offs, waits and survey scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage.handoff import ABANDONED, ACTIVE, ASSIGNED, RESOLVED, WAITING
from bot.storage.models import Escalation, Message


@dataclass(frozen=True)
class DayStats:
    """One day of hand-offs, for /stats."""

    conversations: int  # conversations with a customer message that day
    escalations: int  # hand-offs opened that day
    waits: list[float]  # seconds from hand-off to a person taking it, for those taken that day
    scores: list[int]  # survey scores given that day
    waiting_now: int
    assigned_now: int
    resolved: int
    abandoned: int

    @property
    def rate(self) -> float | None:
        return self.escalations / self.conversations if self.conversations else None


async def day_stats(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> DayStats:
    """Hand-off figures for [start, end)."""
    conversations = await session.scalar(
        select(func.count(func.distinct(Message.conversation_id))).where(
            Message.direction == "in", Message.created_at >= start, Message.created_at < end
        )
    )
    escalations = await session.scalar(
        select(func.count(Escalation.id)).where(Escalation.created_at >= start, Escalation.created_at < end)
    )
    taken = await session.execute(
        select(Escalation.created_at, Escalation.assigned_at).where(
            Escalation.assigned_at >= start, Escalation.assigned_at < end
        )
    )
    waits = [max(0.0, (as_utc(a) - as_utc(c)).total_seconds()) for c, a in taken.all()]  # type: ignore[operator]
    scores = list(
        (
            await session.scalars(
                select(Escalation.survey_score).where(
                    Escalation.survey_at >= start, Escalation.survey_at < end, Escalation.survey_score.is_not(None)
                )
            )
        ).all()
    )
    counts = dict(
        (
            await session.execute(
                select(Escalation.status, func.count(Escalation.id)).where(Escalation.status.in_(ACTIVE)).group_by(Escalation.status)
            )
        ).all()
    )
    closed = dict(
        (
            await session.execute(
                select(Escalation.status, func.count(Escalation.id))
                .where(Escalation.resolved_at >= start, Escalation.resolved_at < end)
                .group_by(Escalation.status)
            )
        ).all()
    )
    return DayStats(
        conversations=int(conversations or 0),
        escalations=int(escalations or 0),
        waits=waits,
        scores=[int(s) for s in scores],
        waiting_now=int(counts.get(WAITING, 0)),
        assigned_now=int(counts.get(ASSIGNED, 0)),
        resolved=int(closed.get(RESOLVED, 0)),
        abandoned=int(closed.get(ABANDONED, 0)),
    )
