"""What the dashboard page shows, in the reader's language: the figures of `bot.reports` turned into
labels, percentages, durations and chart geometry. No HTML here; the template draws it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


from bot.i18n.catalog import CATALOG, LANGUAGE_NAMES
from bot.reports.charts import BarChart, HeatGrid, Segment, bar_chart, duration, heat_grid, outcome_segments
from bot.reports.figures import Csat
from bot.reports.outcomes import OUTCOMES, Outcome
from bot.reports.period import MAX_DAYS
from bot.reports.responses import Sla
from bot.reports.service import Dashboard

Translate = Callable[..., str]


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def score(mean: float | None) -> str:
    return "-" if mean is None else f"{mean:.2f}"


def labelled(t: Translate, prefix: str, code: str) -> str:
    """The catalog's name for a code (a channel, a hand-off reason), else the code itself."""
    key = f"dashboard.{prefix}_{code}"
    return t(key) if key in CATALOG else code


@dataclass(frozen=True)
class ChannelOutcomes:
    label: str
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class DashboardView:
    """Everything the template needs, already worded."""

    board: Dashboard
    outcome_labels: dict[Outcome, str]
    segments: tuple[Segment, ...]
    by_channel: list[ChannelOutcomes]
    deflection: str
    reasons: BarChart
    csat_share: str
    csat_mean: str
    csat_charts: list[tuple[str, BarChart]]
    ticket_csat: str | None
    responses: BarChart
    answered_of: str
    sla: BarChart
    sla_share: str
    heat: HeatGrid
    weekdays: list[str]
    busiest: str | None
    cell_titles: dict[tuple[int, int], str]
    feedback: BarChart
    feedback_help: str
    worst: BarChart
    period_line: str
    max_days: str


def csat_row(t: Translate, csat: Csat) -> str:
    return t("dashboard.csat_row", share=percent(csat.share), mean=score(csat.mean), n=csat.n)


def _csat_chart(t: Translate, groups: Sequence[tuple[str, Csat]], name: Callable[[str], str]) -> BarChart:
    return bar_chart([(name(key), csat.share or 0.0, csat_row(t, csat)) for key, csat in groups], top=1.0)


def build_view(board: Dashboard, t: Translate, zone_name: str, intent_name: Callable[[str], str] = str) -> DashboardView:
    """The page's content for `board` in the language of `t`; `intent_name` words an FAQ entry's id."""
    responses = board.responses
    weekdays = [t(f"dashboard.weekday_{day}") for day in range(7)]
    heat = heat_grid(board.hours)
    slots = [
        t("dashboard.slot", weekday=weekdays[day], hour=f"{hour:02d}", n=n) for day, hour, n in board.hours.busiest(3)
    ]

    def channel(code: str) -> str:
        return labelled(t, "channel", code)

    def language(code: str) -> str:
        return LANGUAGE_NAMES.get(code, code)  # type: ignore[call-overload, no-any-return]

    def agent(name: str) -> str:
        return name or t("dashboard.no_agent")

    feedback = board.feedback
    return DashboardView(
        board=board,
        outcome_labels={o: t(f"dashboard.outcome_{o.value}") for o in OUTCOMES},
        segments=outcome_segments(board.outcomes.counts),
        by_channel=[ChannelOutcomes(channel(c), tally.total, outcome_segments(tally.counts)) for c, tally in board.outcomes_by_channel],
        deflection=percent(board.outcomes.deflection),
        reasons=bar_chart([(labelled(t, "reason", reason), n, str(n)) for reason, n in board.reasons]),
        csat_share=percent(board.csat.share),
        csat_mean=score(board.csat.mean),
        csat_charts=[
            (t("dashboard.by_channel"), _csat_chart(t, board.csat_by_channel, channel)),
            (t("dashboard.by_agent"), _csat_chart(t, [(a or "", c) for a, c in board.csat_by_agent], agent)),
            (t("dashboard.by_language"), _csat_chart(t, board.csat_by_language, language)),
        ],
        ticket_csat=t("dashboard.ticket_csat", row=csat_row(t, board.ticket_csat)) if board.ticket_csat.n else None,
        responses=bar_chart(
            [
                (f"{t('dashboard.median')} · {t('dashboard.wall')}", responses.wall.median or 0, duration(responses.wall.median)),
                (f"{t('dashboard.p90')} · {t('dashboard.wall')}", responses.wall.p90 or 0, duration(responses.wall.p90)),
                (f"{t('dashboard.median')} · {t('dashboard.staffed')}", responses.staffed.median or 0, duration(responses.staffed.median)),
                (f"{t('dashboard.p90')} · {t('dashboard.staffed')}", responses.staffed.p90 or 0, duration(responses.staffed.p90)),
            ]
        ),
        answered_of=t("dashboard.answered_of", answered=responses.wall.n, handoffs=responses.handoffs),
        sla=bar_chart([(t(f"dashboard.sla_{level.value}"), responses.sla[level], str(responses.sla[level])) for level in Sla]),
        sla_share=percent(responses.sla_met_share),
        heat=heat,
        weekdays=weekdays,
        busiest=t("dashboard.busiest", slots=" · ".join(slots)) if slots else None,
        cell_titles={
            (cell.weekday, cell.hour): t("dashboard.cell", weekday=weekdays[cell.weekday], hour=f"{cell.hour:02d}", n=cell.count)
            for cell in heat.cells
        },
        feedback=bar_chart([("👍", feedback.up, str(feedback.up)), ("👎", feedback.down, str(feedback.down))]),
        feedback_help=t("dashboard.feedback_help", answers=feedback.answers, rated=feedback.rated),
        worst=bar_chart([(intent_name(intent), down, f"👎 {down} · 👍 {up}") for intent, up, down in feedback.worst]),
        period_line=t(
            "dashboard.period_line", first=board.period.first.isoformat(), last=board.period.last.isoformat(),
            days=board.period.days, zone=zone_name,
        ),
        max_days=t("dashboard.max_days", days=MAX_DAYS),
    )


def channel_options(t: Translate, channels: Sequence[str]) -> list[tuple[str, str]]:
    """(value, label) of the channel filter, "all channels" first."""
    return [("", t("dashboard.all_channels"))] + [(code, labelled(t, "channel", code)) for code in channels]


__all__ = ["DashboardView", "build_view", "channel_options", "percent"]


