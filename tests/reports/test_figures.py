"""The figures without a database: outcomes add up to 100%, percentiles, CSAT, service levels, periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge.hours import OfficeHours
from bot.reports.figures import Csat, percentile
from bot.reports.heatmap import heatmap
from bot.reports.outcomes import OUTCOMES, Outcome, classify, shares_in_tenths, tally
from bot.reports.period import MAX_DAYS, parse_period
from bot.reports.responses import Sla, response_figures, sla

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

groups = st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(min_value=0, max_value=10_000)), max_size=30)


@given(groups)
def test_every_conversation_has_exactly_one_outcome_and_the_rates_add_to_100(flags) -> None:  # type: ignore[no-untyped-def]
    result = tally(flags)
    assert result.total == sum(n for _, _, n in flags)
    assert sum(result.count(o) for o in OUTCOMES) == result.total
    if result.total:
        assert abs(sum(result.rate(o) or 0 for o in OUTCOMES) - 1) < 1e-9
        assert sum(shares_in_tenths(result.counts).values()) == 1000
        shown = sum(float(result.percent(o)) for o in OUTCOMES)
        assert round(shown, 1) == 100.0
        assert result.deflection == result.rate(Outcome.ANSWERED)
    else:
        assert result.deflection is None and result.percent(Outcome.ANSWERED) == "-"


def test_outcome_table() -> None:
    assert classify(handed_off=True, answered=True) is Outcome.HANDED_OFF  # an answer, then a person: handed off
    assert classify(handed_off=True, answered=False) is Outcome.HANDED_OFF
    assert classify(handed_off=False, answered=True) is Outcome.ANSWERED
    assert classify(handed_off=False, answered=False) is Outcome.ABANDONED


def test_thirds_are_shown_as_33_3_33_3_33_4() -> None:
    result = tally([(False, True, 1), (True, False, 1), (False, False, 1)])
    assert [result.percent(o) for o in OUTCOMES] == ["33.4", "33.3", "33.3"]


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5], 0.9) == 5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 11)), 0.5) == 5
    assert percentile([240, 1800, 54600], 0.9) == 54600


def test_csat_share_of_4_and_5_and_mean() -> None:
    csat = Csat()
    for score in (5, 4, 3, 1):
        csat.add(score)
    assert (csat.n, csat.satisfied, csat.share, csat.mean) == (4, 2, 0.5, 3.25)
    assert Csat().share is None and Csat().mean is None


@dataclass
class Facts:
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    first_response_at: dt.datetime | None
    priority: int = 0


T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
DUE = T0 + dt.timedelta(minutes=15)


def test_service_level_cases() -> None:
    minute = dt.timedelta(minutes=1)
    assert sla(Facts(T0, None, T0 + 15 * minute), DUE, T0 + 60 * minute) is Sla.MET  # on the minute is met
    assert sla(Facts(T0, None, T0 + 16 * minute), DUE, T0 + 60 * minute) is Sla.BREACHED
    assert sla(Facts(T0, None, None), DUE, T0 + 16 * minute) is Sla.BREACHED  # still waiting past it
    assert sla(Facts(T0, None, None), DUE, T0 + 5 * minute) is Sla.PENDING
    assert sla(Facts(T0, T0 + 5 * minute, None), DUE, T0 + 60 * minute) is Sla.NONE  # went back to the bot in time
    assert sla(Facts(T0, T0 + 30 * minute, None), DUE, T0 + 60 * minute) is Sla.BREACHED  # closed late, never a word


def test_staffed_time_skips_the_night() -> None:
    hours = OfficeHours(timezone="Asia/Shanghai", weekly=((( dt.time(9), dt.time(18)),),) * 7)
    evening = dt.datetime(2026, 11, 25, 17, 55, tzinfo=SHANGHAI)
    morning = dt.datetime(2026, 11, 26, 9, 5, tzinfo=SHANGHAI)
    figures = response_figures(
        [Facts(evening, None, morning)], hours, lambda at, _: hours.add_staffed(at, 15), morning
    )
    assert figures.wall.median == 15 * 3600 + 10 * 60
    assert figures.staffed.median == 600
    assert figures.sla[Sla.MET] == 1 and figures.sla_met_share == 1.0


def test_heatmap_in_local_time_also_a_quarter_hour_off_utc() -> None:
    # 2026-11-25 03:00 UTC is Wednesday 11:00 in Shanghai; in Kathmandu (UTC+5:45) 08:45.
    epoch = int(T0.timestamp())
    assert heatmap([(epoch, 3)], SHANGHAI).cells[2][11] == 3
    kathmandu = heatmap([(epoch, 3), (epoch + 900, 1)], ZoneInfo("Asia/Kathmandu"))
    assert kathmandu.cells[2][8] == 3 and kathmandu.cells[2][9] == 1
    assert kathmandu.busiest(1) == [(2, 8, 3)] and kathmandu.total == 4


def test_period_from_the_query_is_bounded_and_in_the_operator_zone() -> None:
    now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Shanghai
    default = parse_period({}, now, SHANGHAI, {"sms"})
    assert (default.first, default.last, default.channel) == (dt.date(2026, 11, 20), dt.date(2026, 11, 26), None)
    assert default.start == dt.datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # local midnight
    assert default.end == dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    reversed_ = parse_period({"from": "2026-11-26", "to": "2026-11-01", "channel": "sms"}, now, SHANGHAI, {"sms"})
    assert (reversed_.first, reversed_.last, reversed_.channel) == (dt.date(2026, 11, 1), dt.date(2026, 11, 26), "sms")
    huge = parse_period({"from": "2000-01-01", "to": "2026-11-26"}, now, SHANGHAI, {"sms"})
    assert huge.days == MAX_DAYS and huge.last == dt.date(2026, 11, 26)
    junk = parse_period({"from": "'; drop table", "to": "x", "channel": "<script>"}, now, SHANGHAI, {"sms"})
    assert junk == default


def test_cells_that_would_be_formulas_are_text() -> None:
    from bot.reports.export import neutralise

    for cell in ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    assert neutralise("王小明") == "王小明" and neutralise(None) == "" and neutralise(42) == "42"


def test_bar_and_heat_geometry() -> None:
    from bot.reports.charts import LEVELS, bar_chart, heat_grid, outcome_segments

    chart = bar_chart([("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0"), ("d", 0.001, "~0")])
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == chart.bar_space and widths[1] == chart.bar_space / 2 and widths[2] == 0 and widths[3] == 2.0
    shares = bar_chart([("half", 0.5, "50%")], top=1.0)
    assert shares.bars[0].width == shares.bar_space / 2
    segments = outcome_segments({Outcome.ANSWERED: 1, Outcome.HANDED_OFF: 1, Outcome.ABANDONED: 1})
    assert sum(s.width for s in segments) == 1000 and segments[1].x == segments[0].width == 334
    grid = heat_grid(heatmap([(int(T0.timestamp()), 10), (int(T0.timestamp()) + 3600, 1)], SHANGHAI))
    levels = {(c.weekday, c.hour): c.level for c in grid.cells if c.count}
    assert levels == {(2, 11): LEVELS, (2, 12): 1} and len(grid.cells) == 7 * 24


@pytest.mark.parametrize("query", [
    {"from": "0001-01-01"}, {"to": "9999-12-31"}, {"to": "0001-01-03"}, {"from": "0001-01-01", "to": "9999-12-31"},
    {"from": "9999-12-31"}, {"from": "0001-01-01", "to": "0001-01-01"},
])
def test_dates_at_the_ends_of_the_calendar_give_a_usable_period(query: dict[str, str]) -> None:
    for zone in (ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles")):
        period = parse_period(query, dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), zone, {"web"})
        assert period.start < period.end and 1 <= period.days <= MAX_DAYS
