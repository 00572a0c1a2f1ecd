"""The rules of a ticket's life (bot/repairs/lifecycle.py, desk.py) and the job runner that carries out
what they schedule (bot/scheduler/runner.py), on SQLite and PostgreSQL, on a clock moved by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.knowledge.hours import load_hours
from bot.knowledge.policies import DEFAULT_POLICIES, ReminderPolicy
from bot.repairs import lifecycle as lc
from bot.repairs import statuses as st
from bot.repairs.desk import RepairDesk, UnknownTicket
from bot.repairs.lifecycle import (
    BadTransition,
    MissingTracking,
    RepairLifecycle,
    UnknownStatus,
)
from bot.scheduler import Defer, Done, Fail, JobRunner, Skip
from bot.storage import Database, jobs
from bot.storage.booking import NewBooking, create_booking
from bot.storage.jobs import ClaimedJob
from tests.support import DEMO_KB, SHANGHAI, Clock

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # a working day


def request(start: dt.datetime, *, channel: str = "telegram", service: str = "store", loaner: bool = False,
            warranty_until: dt.date | None = None) -> NewBooking:
    return NewBooking(
        channel=channel, customer_id="4242", conversation_id=None, language="en", product_type="phone", model_id="x20",
        model_name="Acme X20", serial="356938035643809", serial_kind="imei", fault="screen", photos=(), purchase_date=None,
        purchase_approx=False, warranty="in", warranty_until=warranty_until, service=service, city="beijing",
        centre_id="bj-chaoyang", address=None, slot_start=start, slot_end=start + dt.timedelta(hours=1), loaner=loaner,
        contact_name="Li", phone="+8613800138000",
    )


@pytest.fixture
async def setup(database_url: str) -> AsyncIterator[tuple[Database, RepairLifecycle, RepairDesk, Clock]]:
    clock = Clock(MONDAY)
    database = await Database.connect(database_url, clock=clock)
    lifecycle = RepairLifecycle(DEFAULT_POLICIES, load_hours(DEMO_KB), clock)
    try:
        yield database, lifecycle, RepairDesk(database, lifecycle), clock
    finally:
        await database.close()


async def book(database: Database, lifecycle: RepairLifecycle, start: dt.datetime, **options: object) -> str:
    async with database.sessions() as session, session.begin():
        booking = await create_booking(session, request(start, **options), capacity=3)  # type: ignore[arg-type]
        await lifecycle.booked(session, booking)
        return booking.ticket


def kinds(view: object, status: str = jobs.PENDING) -> list[str]:
    return sorted(job.kind for job in view.jobs if job.status == status)  # type: ignore[attr-defined]


async def test_a_booking_is_owed_its_reminder_its_call_back_and_its_warranty_reminder(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    thursday = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
    ticket = await book(database, lifecycle, thursday, warranty_until=dt.date(2027, 3, 1))
    view = await desk.show(ticket.lower().replace("-", " "))  # staff type it any way
    assert view.status == st.BOOKED and [e.status for e in view.events] == [st.BOOKED]
    assert kinds(view) == sorted([lc.REMIND_APPOINTMENT, lc.CALLBACK_DUE, lc.REMIND_WARRANTY])
    due = {job.kind: job.due_at for job in view.jobs}
    assert due[lc.REMIND_APPOINTMENT] == dt.datetime(2026, 11, 25, 18, 0, tzinfo=SHANGHAI)  # the day before, 18:00
    assert due[lc.REMIND_WARRANTY] == dt.datetime(2027, 1, 30, 10, 0, tzinfo=SHANGHAI)  # 30 days ahead, 10:00
    assert view.callback_due_at == due[lc.CALLBACK_DUE] == lifecycle.hours.add_staffed(MONDAY, 120)


async def test_a_booking_made_after_its_reminders_moment_gets_none(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(hours=5))  # today: the reminder was yesterday
    assert lc.REMIND_APPOINTMENT not in kinds(await desk.show(ticket))


async def test_staff_move_a_ticket_through_its_life_and_each_change_is_told_once(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, clock = setup
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=2), loaner=True)
    await desk.set_status(ticket, "received", "cli:li", note="screen cracked on arrival")
    clock.advance(hours=3)
    await desk.set_status(ticket, "Waiting-Parts", "api")
    await desk.set_status(ticket, "repairing", "api")
    view = await desk.set_status(ticket, "ready", "agent:7 Wang")
    assert view.status == st.READY and view.received_at is not None
    assert [(e.previous, e.status) for e in view.events if e.kind == "status"][1:] == [
        (st.BOOKED, st.RECEIVED), (st.RECEIVED, st.WAITING_PARTS), (st.WAITING_PARTS, st.REPAIRING), (st.REPAIRING, st.READY)
    ]
    assert view.events[1].note == "screen cracked on arrival" and view.events[1].actor == "cli:li"
    assert kinds(view).count(lc.NOTICE) == 4
    pending = kinds(view)
    assert lc.REMIND_UNCOLLECTED in pending and lc.REMIND_APPOINTMENT not in pending and lc.CALLBACK_DUE not in pending
    assert lc.REPAIR_OVERDUE not in pending  # ready: the repair clock stopped
    view = await desk.set_status(ticket, "closed", "cli:li")
    pending = kinds(view)
    assert lc.SURVEY in pending and lc.REMIND_LOANER in pending and lc.REMIND_UNCOLLECTED not in pending
    with pytest.raises(BadTransition, match="cannot become repairing"):
        await desk.set_status(ticket, "repairing", "api")


async def test_changes_that_make_no_sense_are_refused_and_change_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=2), service="courier")
    with pytest.raises(UnknownTicket):
        await desk.set_status("R22-2222", "ready", "api")
    with pytest.raises(UnknownStatus):
        await desk.set_status(ticket, "fixed", "api")
    with pytest.raises(BadTransition, match=r"next: received, cancelled, no_show\)"):
        await desk.set_status(ticket, "ready", "api")
    await desk.set_status(ticket, "received", "api")
    await desk.set_status(ticket, "repairing", "api")
    with pytest.raises(MissingTracking):
        await desk.set_status(ticket, "shipped", "api")
    view = await desk.show(ticket)
    assert view.status == st.REPAIRING and len(view.events) == 3
    view = await desk.set_status(ticket, "shipped", "api", tracking="SF1234567890")
    assert view.tracking_number == "SF1234567890" and view.events[-1].data == {"tracking": "SF1234567890"}


async def test_staff_cancelling_frees_the_seat_and_a_device_ready_twice_is_reminded_twice(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    from sqlalchemy import func, select

    from bot.storage.booking import SlotSeat

    cancelled = await book(database, lifecycle, MONDAY + dt.timedelta(days=2))
    await desk.set_status(cancelled, "cancelled", "api", note="the customer phoned")
    async with database.sessions() as session:
        assert await session.scalar(select(func.count(SlotSeat.id))) == 0  # the seat is someone else's now
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=2))
    for status in ("received", "repairing", "ready"):
        await desk.set_status(ticket, status, "api")
    await desk.set_status(ticket, "repairing", "api", note="fault found at pick-up")
    view = await desk.set_status(ticket, "ready", "api")
    pending = [job for job in view.jobs if job.status == jobs.PENDING]
    assert [job.kind for job in pending].count(lc.REMIND_UNCOLLECTED) == 2  # the second "ready" is reminded again
    assert kinds(view, jobs.CANCELLED).count(lc.REPAIR_OVERDUE) == 2  # back in repair: the 14 days were watched again


async def test_the_call_back_and_a_loaner_are_recorded_and_stop_their_jobs(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=2), loaner=True)
    view = await desk.mark(ticket, "called", "agent:7 Wang", note="will come Wednesday")
    assert view.called_at is not None and lc.CALLBACK_DUE in kinds(view, jobs.CANCELLED)
    for status in ("received", "repairing", "ready", "closed"):
        view = await desk.set_status(ticket, status, "api")
    assert lc.REMIND_LOANER in kinds(view)
    view = await desk.mark(ticket, "loaner_returned", "api")
    assert lc.REMIND_LOANER in kinds(view, jobs.CANCELLED)


async def test_moving_an_appointment_replaces_its_reminder(setup) -> None:  # type: ignore[no-untyped-def]
    database, lifecycle, desk, _clock = setup
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=2))
    async with database.sessions() as session, session.begin():
        from bot.storage import repairs

        booking = await repairs.ticket(session, ticket)
        assert booking is not None
        previous = booking.slot_start
        booking.slot_start += dt.timedelta(days=1)
        booking.slot_end += dt.timedelta(days=1)
        await lifecycle.moved(session, booking, previous)
    view = await desk.show(ticket)
    reminders = [job for job in view.jobs if job.kind == lc.REMIND_APPOINTMENT]
    assert [job.status for job in reminders] == [jobs.CANCELLED, jobs.PENDING]
    assert reminders[1].due_at == dt.datetime(2026, 11, 25, 18, 0, tzinfo=SHANGHAI)
    assert kinds(view).count(lc.NOTICE) == 0  # the customer moved it themselves: they saw it in the chat


async def test_the_policy_decides_the_reminders(setup) -> None:  # type: ignore[no-untyped-def]
    database, _, desk, clock = setup
    policies = replace(DEFAULT_POLICIES, reminders=ReminderPolicy(appointment_days_before=2, appointment_at=dt.time(9, 0)))
    lifecycle = RepairLifecycle(policies, load_hours(DEMO_KB), clock)
    ticket = await book(database, lifecycle, MONDAY + dt.timedelta(days=3))
    [reminder] = [job for job in (await desk.show(ticket)).jobs if job.kind == lc.REMIND_APPOINTMENT]
    assert reminder.due_at == dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


# -- the runner ---------------------------------------------------------------------------------------


async def test_the_runner_runs_what_is_due_once_and_records_each_outcome(database_url: str) -> None:
    clock = Clock(MONDAY)
    database = await Database.connect(database_url, clock=clock)
    seen: list[tuple[str, int]] = []

    async def handler(job: ClaimedJob) -> object:
        seen.append((job.kind, job.attempts))
        return {"a": Done("ok"), "b": Skip("nothing to do"), "c": Fail("unreachable")}.get(job.kind) or Defer(
            clock() + dt.timedelta(hours=1), "quiet"
        )

    runner = JobRunner(database, {k: handler for k in "abcd"}, owner="one", clock=clock)  # type: ignore[misc]
    try:
        async with database.sessions() as session, session.begin():
            for kind in "abcd":
                await jobs.schedule(session, kind, MONDAY, now=MONDAY)
            await jobs.schedule(session, "a", MONDAY + dt.timedelta(days=1), now=MONDAY, key="tomorrow")
        assert await runner.run_due() == 4
        assert await runner.run_due() == 0  # nothing twice; "d" waits an hour
        clock.advance(hours=1, seconds=1)
        assert await runner.run_due() == 1 and seen[-1] == ("d", 1)  # a deferral is not an attempt
        async with database.sessions() as session:
            statuses = {job.kind: job.status for job in await _all(session)}
        assert statuses == {"a": jobs.PENDING, "b": jobs.SKIPPED, "c": jobs.FAILED, "d": jobs.PENDING}
        clock.advance(days=1)
        assert await runner.run_due() == 2
        assert seen[-2:] == [("d", 1), ("a", 1)]  # by due time: "d" deferred again, then tomorrow's "a"
    finally:
        await database.close()


async def _all(session: object) -> list[jobs.Job]:
    from sqlalchemy import select

    rows = await session.scalars(select(jobs.Job).order_by(jobs.Job.due_at.desc()))  # type: ignore[attr-defined]
    latest: dict[str, jobs.Job] = {}
    for job in rows.all():
        latest.setdefault(job.kind, job)
    return list(latest.values())


async def test_a_failing_handler_is_retried_with_back_off_and_a_dead_instances_job_is_taken_over(database_url: str) -> None:
    clock = Clock(MONDAY)
    database = await Database.connect(database_url, clock=clock)
    calls: list[str] = []

    async def flaky(job: ClaimedJob) -> Done:
        calls.append("flaky")
        if len(calls) == 1:
            raise ConnectionError("provider down")
        return Done()

    runner = JobRunner(database, {"flaky": flaky}, owner="one", clock=clock)
    try:
        async with database.sessions() as session, session.begin():
            await jobs.schedule(session, "flaky", MONDAY, now=MONDAY)
            await jobs.schedule(session, "orphan", MONDAY, now=MONDAY)
            # An instance took "orphan" and died: its lease runs out in a minute.
            [orphan] = await jobs.claim_due(session, "dead", MONDAY, MONDAY + dt.timedelta(minutes=1), kinds=["orphan"])
        assert await runner.run_due() == 1 and calls == ["flaky"]
        assert await runner.run_due() == 0  # backing off
        clock.advance(seconds=31)
        assert await runner.run_due() == 1 and calls == ["flaky", "flaky"]
        ran: list[int] = []

        async def take_over(job: ClaimedJob) -> Done:
            ran.append(job.id)
            return Done()

        other = JobRunner(database, {"orphan": take_over}, owner="two", clock=clock)
        clock.advance(minutes=1)
        assert await other.run_due() == 1 and ran == [orphan.id]
    finally:
        await database.close()


async def test_the_runner_loop_wakes_up_for_a_job_scheduled_now(database_url: str) -> None:
    database = await Database.connect(database_url)
    done = asyncio.Event()

    async def handler(job: ClaimedJob) -> Done:
        done.set()
        return Done()

    runner = JobRunner(database, {"now": handler}, owner="one", poll=60)
    runner.start()
    try:
        await asyncio.sleep(0.2)  # the runner found nothing and sleeps for its minute
        async with database.sessions() as session, session.begin():
            await jobs.schedule(session, "now", dt.datetime.now(dt.UTC), now=dt.datetime.now(dt.UTC))
        runner.wake.set()
        await asyncio.wait_for(done.wait(), 10)
    finally:
        await runner.stop()
        await database.close()
