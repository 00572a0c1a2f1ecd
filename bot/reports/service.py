"""The supervisors' numbers for a period, read through `bot.storage.reports` and put together here.

`Reports.of(runtime)` is what the dashboard pages use; tests build it from a runtime too. Every figure
reads one bounded period (`bot.reports.period`), aggregated by the database where the rows are many;
the hand-offs of the period (far fewer than messages) are read one by one, as office hours are needed
to measure their staffed time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, as_utc
from bot.reports.export import ExportRow
from bot.reports.figures import Csat, csat_by
from bot.reports.heatmap import Heatmap, heatmap
from bot.reports.outcomes import Outcome, OutcomeTally, classify, tally
from bot.reports.period import Period
from bot.reports.responses import Deadline, Hours, ResponseFigures, response_figures, sla, staffed_seconds, wall_seconds
from bot.storage import reports as repo

PAGE = 500  # conversations read per query while exporting


@dataclass(frozen=True)
class Feedback:
    """👍 / 👎 on the bot's FAQ answers given in the period."""

    answers: int  # FAQ answers given (rated or not)
    up: int
    down: int
    worst: list[tuple[str, int, int]]  # (intent, 👍, 👎) of the answers with the most 👎, worst first

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def up_share(self) -> float | None:
        return self.up / self.rated if self.rated else None


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard for one period."""

    period: Period
    generated_at: dt.datetime
    outcomes: OutcomeTally
    outcomes_by_channel: list[tuple[str, OutcomeTally]]
    reasons: list[tuple[str, int]]
    csat: Csat  # hand-off surveys
    csat_by_channel: list[tuple[str, Csat]]
    csat_by_agent: list[tuple[str, Csat]]
    csat_by_language: list[tuple[str, Csat]]
    ticket_csat: Csat  # repair-ticket surveys
    responses: ResponseFigures
    hours: Heatmap
    feedback: Feedback

    @property
    def handoffs(self) -> int:
        return sum(n for _, n in self.reasons)


class Reports:
    """Reads the figures of a period from the database."""

    def __init__(self, database: Any, hours: Hours, deadline: Deadline, clock: Clock) -> None:
        self.database = database
        self.hours = hours
        self.deadline = deadline
        self.clock = clock

    @classmethod
    def of(cls, runtime: Any) -> Reports:
        """The reports of a running bot: its database, office hours, service levels and clock."""
        return cls(runtime.database, runtime.handoff.hours, runtime.handoff.due, runtime.clock)

    def now(self) -> dt.datetime:
        return as_utc(self.clock())

    async def channels(self) -> list[str]:
        async with self.database.long_read() as session:
            return await repo.channels(session)

    async def dashboard(self, period: Period) -> Dashboard:
        """All the figures of `period`, read in one session."""
        start, end, channel = period.start, period.end, period.channel
        async with self.database.long_read() as session:
            groups = await repo.outcome_groups(session, start, end, channel)
            reasons = await repo.handoff_reasons(session, start, end, channel)
            scores = await repo.handoff_scores(session, start, end, channel)
            tickets = await repo.ticket_scores(session, start, end, channel)
            handoffs = await repo.handoffs(session, start, end, channel)
            buckets = await repo.inbound_quarter_hours(session, start, end, channel)
            feedback = await repo.answer_feedback(session, start, end, channel)
            answers = await repo.answers_given(session, start, end, channel)
        by_channel: dict[str, list[tuple[bool, bool, int]]] = {}
        for group in groups:
            by_channel.setdefault(group.channel, []).append((group.handed_off, group.answered, group.count))
        overall = Csat()
        for score in scores:
            overall.add(score.score, score.count)
        ticket_overall = Csat()
        for score in tickets:
            ticket_overall.add(score.score, score.count)
        worst = sorted((row for row in feedback if row[2]), key=lambda row: (-row[2], row[1], str(row[0])))[:5]
        return Dashboard(
            period=period,
            generated_at=self.now(),
            outcomes=tally((g.handed_off, g.answered, g.count) for g in groups),
            outcomes_by_channel=sorted(((c, tally(f)) for c, f in by_channel.items()), key=lambda item: (-item[1].total, item[0])),
            reasons=reasons,
            csat=overall,
            csat_by_channel=_csat(scores, lambda s: s.channel),
            csat_by_agent=_csat(scores, lambda s: s.agent),
            csat_by_language=_csat(scores, lambda s: s.language),
            ticket_csat=ticket_overall,
            responses=response_figures(handoffs, self.hours, self.deadline, self.now()),
            hours=heatmap(buckets, period.zone),
            feedback=Feedback(
                answers=answers,
                up=sum(u for _, u, _ in feedback),
                down=sum(d for _, _, d in feedback),
                worst=[(intent or "-", u, d) for intent, u, d in worst],
            ),
        )

    async def export(self, period: Period) -> AsyncIterator[ExportRow]:
        """The period's conversation-periods, one `ExportRow` each, by conversation id, read page by page
        (the ids once, then `PAGE` conversations per query, so the export streams)."""
        now = self.now()
        async with self.database.long_read() as session:
            ids = await repo.conversation_ids(session, period.start, period.end, period.channel)
        for offset in range(0, len(ids), PAGE):
            chunk = ids[offset : offset + PAGE]
            async with self.database.long_read() as session:
                page = await repo.conversation_rows(session, period.start, period.end, chunk)
                handoffs = await repo.handoffs(session, period.start, period.end, period.channel, chunk)
            first: dict[int, repo.HandoffRow] = {}
            for handoff in handoffs:
                first.setdefault(handoff.conversation_id, handoff)
            for row in page:
                yield self._row(row, first.get(row.id), period, now)

    def _row(self, row: repo.ConversationRow, handoff: repo.HandoffRow | None, period: Period, now: dt.datetime) -> ExportRow:
        started = row.started or (handoff.created_at if handoff else None)
        wall = wall_seconds(handoff) if handoff else None
        staffed = staffed_seconds(handoff, self.hours) if handoff else None
        return ExportRow(
            conversation_id=row.id,
            channel=row.channel,
            language=row.language,
            customer=row.customer,
            started=started.astimezone(period.zone).strftime("%Y-%m-%d %H:%M:%S") if started else "",
            outcome=classify(row.handed_off, row.answered).value,
            handoff_reason=handoff.reason if handoff else "",
            agent=(handoff.agent_name or "") if handoff else "",
            first_response_seconds=_seconds(wall),
            first_response_staffed_seconds=_seconds(staffed),
            sla=sla(handoff, self.deadline(handoff.created_at, handoff.priority), now).value if handoff else "",
            csat=str(handoff.survey_score) if handoff and handoff.survey_score is not None else "",
            thumbs_up=row.thumbs_up,
            thumbs_down=row.thumbs_down,
            messages=row.messages,
        )


def _seconds(value: float | None) -> str:
    return "" if value is None else str(round(value))


def _csat(scores: list[repo.ScoreGroup], key: Callable[[repo.ScoreGroup], str | None]) -> list[tuple[str, Csat]]:
    return csat_by(scores, key, lambda s: s.score, lambda s: s.count)


__all__ = ["Dashboard", "Feedback", "Outcome", "Reports"]
