"""A repair's whole life by SMS, end to end, with two instances on one PostgreSQL database.

The customer books by SMS through instance A's webhook (the fake Twilio gateway); staff move the ticket
with the CLI and with the HTTP API served by instance B; both instances run their job runners at once.
The customer gets every notice once, in order, in English, never in quiet hours; the reminder of an
uncollected device fires at its (travelled) time; the survey comes after closing and its answer is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import cli
from bot.api.tickets import ticket_routes
from bot.app import create_app
from bot.repairs import lifecycle as lc
from bot.storage import jobs
from bot.storage.booking import find_ticket
from tests.fakes.sms_provider import FakeTwilio
from tests.sms.conftest import DEMO_KB, SmsHarness, cached_matcher, open_harness  # noqa: F401 - cached_matcher: autouse
from tests.sms.test_sms_booking import US, _answer_until_summary

pytestmark = pytest.mark.postgres

TOKEN = "e2e-staff-token-0123456789"
ANSWERS = {"serial number": "skip", "When did you buy": "last March", "How would you like": "1",
           "service centre in Shanghai": "Xuhui", "Free times": "10:00", "loaner": "no", "What name": "John Smith"}


@dataclass
class Desk:
    """Two instances and the staff's ways in."""

    a: SmsHarness
    b: SmsHarness
    api: TestClient
    db_url: str

    def travel(self, **delta: float) -> None:
        self.a.clock.advance(**delta)
        self.b.clock.now = self.a.clock.now  # one clock for both instances, as one wall clock

    async def run_jobs(self) -> None:
        """Both instances' job runners at once, then both outboxes (the workers' work, done here)."""
        await asyncio.gather(self.a.runtime.repairs.runner.run_due(), self.b.runtime.repairs.runner.run_due())
        await asyncio.gather(self.a.flush(), self.b.flush())

    async def api_status(self, ticket: str, status: str, **extra: str) -> dict[str, object]:
        response = await self.api.post(f"/api/tickets/{ticket}/status", json={"status": status, **extra},
                                       headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status == 200, await response.text()
        return await response.json()  # type: ignore[no-any-return]

    def received(self) -> list[str]:
        return self.a.fake.bodies_to(US)


@pytest.fixture
async def desk(pg_url: str, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Desk]:
    a, client_a = await open_harness(pg_url, fake_twilio)
    b, client_b = await open_harness(pg_url, fake_twilio)
    api = TestClient(TestServer(create_app(b.runtime, [ticket_routes(b.runtime.repairs.desk, TOKEN)])))
    await api.start_server()
    monkeypatch.setattr("bot.clock.system_clock", a.clock)  # the CLI process lives on the same (travelled) time
    try:
        yield Desk(a, b, api, pg_url)
    finally:
        await api.close()
        for harness, client in ((a, client_a), (b, client_b)):
            await harness.channel.stop()
            await client.close()
            await harness.runtime.close()


async def test_a_repair_by_sms_is_told_once_in_order_across_two_instances(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    await _answer_until_summary(desk.a, ANSWERS, US, "REPAIR Acme Book 14 no power Shanghai Saturday")
    ticket = find_ticket(await desk.a.chat("1", US))
    assert ticket is not None
    booked = len(desk.received())

    # Staff: the counter receives it (CLI), the workshop reports progress (the centre's system, by API).
    command = ["ticket", "set-status", ticket, "received", "--note", "left at the counter", "--db", desk.db_url, "--kb", str(DEMO_KB)]
    assert await asyncio.to_thread(cli.main, command) == 0  # a command of its own, as an operator runs it
    assert "booked → received" in capsys.readouterr().out
    await desk.api_status(ticket, "diagnosing")
    await desk.api_status(ticket, "waiting_parts", note="internal: board from Shenzhen")
    await desk.run_jobs()
    await desk.run_jobs()  # nothing is sent twice
    notices = desk.received()[booked:]
    assert len(notices) == 3, notices
    assert ticket in notices[0] and "received" in notices[0].lower()
    assert "checking" in notices[1] and "part" in notices[2].lower()
    assert not any("Shenzhen" in text or "counter" in text for text in notices)  # staff notes stay internal

    # 22:00 in Shanghai: the device is ready, but no SMS at night; it goes at 08:00.
    desk.travel(hours=11, minutes=30)  # Wednesday 22:00
    await desk.api_status(ticket, "repairing")
    await desk.api_status(ticket, "ready")
    await desk.run_jobs()
    assert len(desk.received()) == booked + 3
    desk.travel(hours=10)  # Thursday 08:00
    await desk.run_jobs()
    morning = desk.received()[booked + 3:]
    assert len(morning) == 2 and "repair" in morning[0].lower() and "collect" in morning[1].lower(), morning
    assert "Xuhui" in morning[1]  # where to collect it

    # Not collected after the policy's days: reminded once, at the time the policy says.
    desk.travel(days=6)
    await desk.run_jobs()
    assert len(desk.received()) == booked + 5
    desk.travel(days=1, hours=2, minutes=1)  # day 7, just after 10:00
    await desk.run_jobs()
    [reminder] = desk.received()[booked + 5:]
    assert ticket in reminder

    # Collected: closed by the counter, then the survey; its answer is kept with the ticket.
    await desk.api_status(ticket, "closed")
    await desk.run_jobs()
    _closed, survey = desk.received()[booked + 6:]
    assert "1" in survey and "5" in survey
    await desk.a.chat("5", US)
    view = await desk.b.runtime.repairs.desk.show(ticket)
    assert view.survey_score == 5
    assert [e.status for e in view.events if e.kind == "status"] == [
        "booked", "received", "diagnosing", "waiting_parts", "repairing", "ready", "closed"
    ]
    # Every notice job ran once, by one instance or the other; nothing is left pending but the future.
    async with desk.a.runtime.database.sessions() as session:
        notices_jobs = [job for job in await jobs.jobs_of(session, 1) if job.kind == lc.NOTICE]
    assert notices_jobs and all(job.status == jobs.DONE for job in notices_jobs)


async def test_a_notice_left_half_done_by_a_dead_instance_is_sent_once_by_the_other(desk: Desk) -> None:
    await _answer_until_summary(desk.a, ANSWERS, US, "REPAIR Acme Book 14 no power Shanghai Saturday")
    ticket = find_ticket(await desk.a.chat("1", US))
    assert ticket is not None
    booked = len(desk.received())
    await desk.api_status(ticket, "received")
    # Instance A claims the notice, queues its SMS, and dies before marking the job done.
    runner = desk.a.runtime.repairs.runner
    now = desk.a.clock()
    async with desk.a.runtime.database.sessions() as session, session.begin():
        [job] = await jobs.claim_due(session, runner.owner, now, now + runner.lease, kinds=[lc.NOTICE])
    handler = runner.handlers[lc.NOTICE]
    await handler(job)  # queued, never finished
    assert await desk.b.runtime.repairs.runner.run_due() == 0  # B waits while A's lease runs
    desk.travel(minutes=2)
    await desk.run_jobs()
    assert len(desk.received()) == booked + 1  # B ran it again: the outbox knew the message, one SMS
