"""The figures of a known week, made through the real bot and storage (SQLite and PostgreSQL).

The week is tests/reports/scenario.py: six customers, four hand-offs with agent replies at known times.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.reports.export import BOM, csv_lines
from bot.reports.outcomes import Outcome
from bot.reports.period import Period, default_period
from bot.reports.responses import Sla
from bot.reports.service import Reports
from tests.reports.scenario import EVIL_NAME, SHANGHAI, Scenario


def week(s: Scenario, channel: str | None = None) -> Period:
    return default_period(s.clock.now, s.runtime.handoff.zone, channel)


async def test_one_outcome_per_conversation_and_deflection(scenario: Scenario) -> None:
    board = await Reports.of(scenario.runtime).dashboard(week(scenario))
    counts = {o: board.outcomes.count(o) for o in Outcome}
    assert counts == {Outcome.ANSWERED: 1, Outcome.HANDED_OFF: 4, Outcome.ABANDONED: 1}
    assert board.outcomes.total == 6 and board.outcomes.deflection == 1 / 6
    assert [(c, t.total) for c, t in board.outcomes_by_channel] == [("console", 4), ("sms", 2)]
    assert board.reasons == [("human", 4)]


async def test_csat_by_channel_agent_and_language_with_counts(scenario: Scenario) -> None:
    board = await Reports.of(scenario.runtime).dashboard(week(scenario))
    assert (board.csat.n, board.csat.satisfied, board.csat.mean) == (3, 2, 11 / 3)
    assert {c: (g.n, g.share, g.mean) for c, g in board.csat_by_channel} == {"sms": (2, 0.5, 3.0), "console": (1, 1.0, 5.0)}
    assert {a: (g.n, g.share, g.mean) for a, g in board.csat_by_agent} == {"Ada": (2, 1.0, 4.5), "Ben": (1, 0.0, 2.0)}
    assert [(lang, g.n) for lang, g in board.csat_by_language] == [("zh-Hans", 3)]


async def test_first_response_counts_only_people_and_office_hours(scenario: Scenario) -> None:
    figures = (await Reports.of(scenario.runtime).dashboard(week(scenario))).responses
    # c3 4 min, c4 30 min (taking it at 11:21 is not a response), c5 17:55 -> 09:05 next day; c6 unanswered.
    assert figures.handoffs == 4
    assert (figures.wall.n, figures.wall.median, figures.wall.p90) == (3, 1800, 15 * 3600 + 600)
    assert (figures.staffed.n, figures.staffed.median, figures.staffed.p90) == (3, 600, 1800)
    # met: c3 and c5 (due 09:10 staffed); breached: c4 (late) and c6 (still waiting past 09:45).
    assert figures.sla == {Sla.MET: 2, Sla.BREACHED: 2, Sla.PENDING: 0, Sla.NONE: 0}


async def test_busiest_hours_and_thumbs(scenario: Scenario) -> None:
    board = await Reports.of(scenario.runtime).dashboard(week(scenario))
    wednesday, thursday = 2, 3
    assert board.hours.busiest(1)[0][:2] == (wednesday, 11)  # local hour: 03:00 UTC is 11:00 in Shanghai
    assert board.hours.cells[thursday][9] >= 2 and board.hours.cells[wednesday][3] == 0
    assert (board.feedback.answers, board.feedback.up, board.feedback.down) == (2, 1, 1)
    assert board.feedback.worst == [("battery.price", 0, 1)]


async def test_one_channel_and_a_day_boundary_in_the_operator_zone(scenario: Scenario) -> None:
    reports = Reports.of(scenario.runtime)
    sms = await reports.dashboard(week(scenario, "sms"))
    assert sms.outcomes.total == 2 and sms.outcomes.count(Outcome.HANDED_OFF) == 2
    assert [a for a, _ in sms.csat_by_agent] == ["Ada", "Ben"]
    # Thursday alone (local date): c5 rated and was answered by a person that day, c6 asked for one.
    thursday = Period(dt.date(2026, 11, 26), dt.date(2026, 11, 26), SHANGHAI)
    board = await reports.dashboard(thursday)
    assert board.outcomes.total == 2 and board.outcomes.count(Outcome.HANDED_OFF) == 2
    assert board.reasons == [("human", 1)]
    assert board.responses.handoffs == 1 and board.responses.sla[Sla.BREACHED] == 1
    empty = await reports.dashboard(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 7), SHANGHAI))
    assert empty.outcomes.total == 0 and empty.outcomes.deflection is None and empty.responses.wall.median is None


async def test_csv_one_row_per_conversation_formula_neutralised(scenario: Scenario) -> None:
    rows = [row async for row in Reports.of(scenario.runtime).export(week(scenario))]
    text = "".join(csv_lines(rows))
    assert text.startswith(BOM)
    table = list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))
    assert len(table) == 6
    by_customer = {row["customer"].lstrip("'"): row for row in table}
    evil = by_customer[EVIL_NAME]
    assert evil["customer"] == "'" + EVIL_NAME  # shown as text, never evaluated
    assert (evil["channel"], evil["outcome"], evil["handoff_reason"], evil["agent"]) == ("sms", "handed_off", "human", "Ben")
    assert (evil["first_response_seconds"], evil["sla"], evil["csat"]) == ("1800", "breached", "2")
    assert evil["started"] == "2026-11-25 11:20:00"  # the operator's time zone
    c5 = by_customer["c5"]
    assert (c5["first_response_seconds"], c5["first_response_staffed_seconds"], c5["sla"]) == ("54600", "600", "met")
    assert (c5["thumbs_up"], c5["thumbs_down"]) == ("0", "1")
    assert by_customer["c1"]["outcome"] == "answered" and by_customer["c1"]["thumbs_up"] == "1"
    assert by_customer["c2"]["outcome"] == "abandoned" and by_customer["c2"]["handoff_reason"] == ""
    assert by_customer["c6"]["sla"] == "breached" and by_customer["c6"]["first_response_seconds"] == ""
    assert all(int(row["messages"]) > 0 for row in table)


async def test_a_finished_booking_counts_as_answered_and_ticket_ratings_apart(scenario: Scenario) -> None:
    from bot.storage.booking import Booking

    runtime = scenario.runtime
    conversation = await runtime.store.conversation("console", "c2")
    assert conversation is not None
    now = scenario.clock.now
    async with runtime.database.sessions() as session, session.begin():
        session.add(
            Booking(
                ticket="R7K-4Q2", channel="console", customer_id="c2", conversation_id=conversation.id, status="closed",
                language="zh-Hans", product_type="phone", model_id="x20", model_name="X20", fault="屏幕碎了", warranty="in",
                service="store", city="北京", centre_id="bj1", slot_start=now, slot_end=now, contact_name="王", phone="+8613800000000",
                survey_score=3, survey_at=now, created_at=now,
            )
        )
    board = await Reports.of(runtime).dashboard(week(scenario))
    assert board.outcomes.count(Outcome.ANSWERED) == 2 and board.outcomes.count(Outcome.ABANDONED) == 0
    assert (board.ticket_csat.n, board.ticket_csat.mean) == (1, 3.0)
    assert board.csat.n == 3  # hand-off surveys are counted apart from repair tickets
