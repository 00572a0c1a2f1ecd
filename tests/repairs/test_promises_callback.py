"""The engineer's call-back promise: due after 2 working hours (weekends and public holidays skipped),
shown on the agents' card, and escalated to the agents' queue when nobody called."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.telegram.agents.card import card_text
from bot.clock import as_utc
from bot.handoff import desk as desk_events
from bot.knowledge.hours import load_hours
from bot.repairs import lifecycle as lc
from bot.storage import jobs as jobs_repo
from bot.storage import repairs as ticket_events
from bot.storage.models import Escalation
from tests.repairs.promises_support import SHANGHAI, World, knowledge_copy, open_world
from tests.support import Clock, use_cached_matcher

# Friday 3 April 2026, 17:30 in Beijing: half an hour of office left, then the weekend and Qingming
# (Saturday 4 to Monday 6 April are public holidays; chinese-calendar knows 2026).
FRIDAY_1730 = dt.datetime(2026, 4, 3, 17, 30, tzinfo=SHANGHAI)
TUESDAY_1030 = dt.datetime(2026, 4, 7, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return knowledge_copy(tmp_path_factory.mktemp("promises"))


@pytest.fixture
async def world(database_url: str, kb: Path) -> AsyncIterator[World]:
    world = await open_world(database_url, kb, Clock(FRIDAY_1730))
    try:
        yield world
    finally:
        await world.runtime.close()


async def _ticket(world: World, number: str):  # type: ignore[no-untyped-def]
    async with world.runtime.database.sessions() as session:
        booking = await ticket_events.ticket(session, number)
        assert booking is not None
        return booking, await ticket_events.events(session, booking.id), await jobs_repo.jobs_of(session, booking.id)


async def _escalations(world: World) -> list[Escalation]:
    async with world.runtime.database.sessions() as session:
        return list((await session.scalars(select(Escalation).order_by(Escalation.id))).all())


def test_the_deadline_skips_the_weekend_and_qingming(kb: Path) -> None:
    hours = load_hours(kb)
    assert hours.add_staffed(FRIDAY_1730, 120) == TUESDAY_1030


async def test_a_missed_call_back_reaches_the_agents_once_and_the_customer_hears_sorry(world: World) -> None:
    await world.say("42", "hello")
    number = await world.book("42")
    booking, _, jobs = await _ticket(world, number)
    assert as_utc(booking.callback_due_at) == TUESDAY_1030
    assert [as_utc(j.due_at) for j in jobs if j.kind == lc.CALLBACK_DUE] == [TUESDAY_1030]

    world.clock.now = TUESDAY_1030 - dt.timedelta(minutes=1)
    await world.run_jobs()
    assert await _escalations(world) == []  # not due yet

    world.clock.now = TUESDAY_1030
    await world.run_jobs()
    [escalation] = await _escalations(world)
    assert (escalation.reason, escalation.priority, escalation.status) == ("callback_missed", 1, "waiting")
    assert escalation.conversation_id == await world.conversation_id("42")
    _, timeline, _ = await _ticket(world, number)
    escalated = [e for e in timeline if e.kind == ticket_events.ESCALATED]
    assert [(e.actor, e.data["promise"]) for e in escalated] == [("system", "callback")]

    # The agents' chat gets the card, with the booking and its missed call-back, then the note.
    await world.publish()
    kinds = world.desk.kinds()
    assert kinds[-2:] == [desk_events.OPENED, desk_events.NOTE]
    opened, note = world.desk.events[-2:]
    [line] = [b for b in opened.bookings if b.ticket == number]
    assert line.callback_due_at == TUESDAY_1030 and line.called_at is None
    card = card_text(opened.escalation, opened.messages, opened.bookings, "en", world.clock.now, SHANGHAI)
    assert number in card and "call-back late" in card and "Call-back promise missed" in card
    assert number in note.payload["text"] and note.payload["reason"] == "callback_missed"

    # In the queue agents and `supportbot queue` list.
    [queued] = await world.handoff.queue()
    assert (queued.reason, queued.priority) == ("callback_missed", 1)

    # The customer is told once, in their language, on their channel.
    [(customer, reply)] = world.channel.keyed("promises.customer.callback_missed")
    assert customer == "42" and number in reply.text and reply.language == "en"

    # Running again (a restart before the job was marked done) escalates nothing twice.
    async with world.runtime.database.sessions() as session, session.begin():
        for job in await jobs_repo.jobs_of(session, booking.id):
            if job.kind == lc.CALLBACK_DUE:
                job.status, job.due_at = jobs_repo.PENDING, world.clock.now
    await world.run_jobs()
    assert len(await _escalations(world)) == 1
    _, timeline, _ = await _ticket(world, number)
    assert len([e for e in timeline if e.kind == ticket_events.ESCALATED]) == 1
    assert len(world.channel.keyed("promises.customer.callback_missed")) == 1


async def test_called_in_time_escalates_nothing(world: World) -> None:
    await world.say("43", "hello")
    number = await world.book("43")
    world.clock.now = dt.datetime(2026, 4, 7, 9, 15, tzinfo=SHANGHAI)
    await world.runtime.repairs.desk.mark(number, "called", "staff:ann")
    world.clock.now = TUESDAY_1030 + dt.timedelta(hours=1)
    await world.run_jobs()
    assert await _escalations(world) == []
    _, timeline, _ = await _ticket(world, number)
    assert not any(e.kind == ticket_events.ESCALATED for e in timeline)
    assert world.channel.keyed("promises.customer.callback_missed") == []
    # The card shows when the engineer called.
    await world.ask_for_person("43")
    await world.publish()
    opened = next(e for e in world.desk.events if e.kind == desk_events.OPENED)
    card = card_text(opened.escalation, opened.messages, opened.bookings, "en", world.clock.now, SHANGHAI)
    assert "📞 called" in card


async def test_an_existing_hand_off_gets_a_note_not_a_second_escalation(world: World) -> None:
    await world.say("44", "hello")
    number = await world.book("44")
    await world.ask_for_person("44")
    world.clock.now = TUESDAY_1030
    await world.run_jobs()
    [escalation] = await _escalations(world)
    assert (escalation.reason, escalation.priority) == ("human", 1)  # as urgent already: kept as it is
    notes = await world.handoff.notes(escalation.id)
    assert [n.agent_name for n in notes] == ["system"] and number in notes[0].text
    await world.publish()
    assert world.desk.kinds().count(desk_events.OPENED) == 1
    assert world.desk.kinds()[-1] == desk_events.NOTE


async def test_a_booking_without_a_conversation_is_recorded_and_warned(world: World, caplog: pytest.LogCaptureFixture) -> None:
    number = await world.book("45", conversation=False)
    world.clock.now = TUESDAY_1030
    await world.run_jobs()
    assert await _escalations(world) == []
    _, timeline, _ = await _ticket(world, number)
    [event] = [e for e in timeline if e.kind == ticket_events.ESCALATED]
    assert event.data["promise"] == "callback" and event.data["escalation"] is None
    assert "has no conversation" in caplog.text
