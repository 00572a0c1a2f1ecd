"""Work that must happen once, done by two instances on one PostgreSQL database at the same time.

The agents' outbox, the overdue sweep and agent messages retried to customers: each row is claimed
(SKIP LOCKED plus a lease) so it is posted or delivered once, in order; a claim whose instance died
runs out and another instance takes the row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine import Inbound
from bot.handoff import desk as events
from bot.handoff.delivery import DeliveryFailed
from bot.handoff.operations import Agent
from bot.handoff.outbox import DESK_LEASE, DeskOutbox
from bot.runtime import Runtime
from bot.storage import handoff as repo
from bot.storage.handoff import AGENTS, CUSTOMER, DONE, PENDING, HandoffOutbox
from tests.handoff.conftest import WEDNESDAY_11
from tests.scaleout.claims_support import SharedLog, instances
from tests.support import Clock

pytestmark = pytest.mark.postgres


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_11)


async def say(runtime: Runtime, customer: str, text: str) -> None:
    await runtime.handle(Inbound(channel="console", customer_id=customer, text=text))


async def rows(runtime: Runtime, target: str = AGENTS) -> list[HandoffOutbox]:
    async with runtime.database.sessions() as session:
        found = await session.scalars(select(HandoffOutbox).where(HandoffOutbox.target == target).order_by(HandoffOutbox.id))
        return list(found.all())


def in_order_per_escalation(log: SharedLog) -> bool:
    seen: dict[int, list[int]] = {}
    for _, event in log.posts:
        seen.setdefault(event.escalation.id, []).extend(event.outbox_ids)
    return all(ids == sorted(ids) for ids in seen.values())


async def test_two_instances_post_each_desk_row_once_in_order(pg_url: str, small_kb: Path, clock: Clock) -> None:
    log = SharedLog()
    async with instances(pg_url, small_kb, clock, log) as (a, b):
        for n in range(4):
            await say(a.runtime, f"c{n}", "人工")
            for k in range(3):  # the customer's next lines land on either instance
                await say((a, b)[k % 2].runtime, f"c{n}", f"photo {k} of my printer, customer {n}")
        queued = [r.id for r in await rows(a.runtime) if r.status == PENDING]
        assert len(queued) >= 8
        outboxes = [DeskOutbox(a.runtime.handoff, batch=3), DeskOutbox(b.runtime.handoff, batch=3)]
        for _ in range(12):
            await asyncio.gather(*(o.run_once(clock.now) for o in outboxes))
        posted = log.outbox_ids()
        assert sorted(posted) == queued  # every row posted, none twice
        assert in_order_per_escalation(log)
        assert {name for name, _ in log.posts} == {"i0", "i1"}  # the work was shared
        assert all(r.status == DONE and r.claimed_by is None for r in await rows(a.runtime))


async def test_rows_of_an_instance_that_died_are_posted_by_another_after_the_lease(
    pg_url: str, small_kb: Path, clock: Clock
) -> None:
    log = SharedLog()
    async with instances(pg_url, small_kb, clock, log) as (a, b):
        await say(a.runtime, "c1", "人工")
        await say(a.runtime, "c1", "anyone there?")
        queued = [r.id for r in await rows(a.runtime)]
        # Instance a claims the escalation's first row and dies before posting it.
        async with a.runtime.database.sessions() as session, session.begin():
            claimed = await repo.claim_due(session, AGENTS, clock.now, holder=a.runtime.database.instance,
                                           until=clock.now + DESK_LEASE, limit=1)
        assert [r.id for r in claimed] == queued[:1]
        other = DeskOutbox(b.runtime.handoff)
        assert await other.run_once(clock.now) == 0  # neither the claimed row nor what follows it
        assert await other.next_wait(cap=3600) == pytest.approx(DESK_LEASE.total_seconds())  # waits, no busy loop
        clock.advance(seconds=DESK_LEASE.total_seconds() + 1)
        assert await other.run_once(clock.now) == len(queued)
        assert log.outbox_ids() == queued and {name for name, _ in log.posts} == {"i1"}


async def test_two_instances_sweeping_announce_each_overdue_escalation_once(pg_url: str, small_kb: Path, clock: Clock) -> None:
    async with instances(pg_url, small_kb, clock, SharedLog()) as (a, b):
        for n in range(5):
            await say(a.runtime, f"c{n}", "人工")
        clock.advance(minutes=20)  # past the 15-minute first-answer deadline
        assert sum(await asyncio.gather(a.runtime.handoff.sweep(), b.runtime.handoff.sweep())) == 5
        assert sum(await asyncio.gather(a.runtime.handoff.sweep(), b.runtime.handoff.sweep())) == 0
        overdue = [r.escalation_id for r in await rows(a.runtime) if r.kind == events.OVERDUE]
        assert sorted(overdue) == sorted(set(overdue)) and len(overdue) == 5
        clock.advance(minutes=11)  # HANDOFF_REANNOUNCE_MINUTES later: once more, still once each
        assert sum(await asyncio.gather(a.runtime.handoff.sweep(), b.runtime.handoff.sweep())) == 5


async def test_an_agent_message_is_retried_to_the_customer_by_one_instance(pg_url: str, small_kb: Path, clock: Clock) -> None:
    async with instances(pg_url, small_kb, clock, SharedLog()) as (a, b):
        await say(a.runtime, "c1", "人工")
        [escalation] = await a.runtime.handoff.queue()
        a.delivery.fail = DeliveryFailed
        result = await a.runtime.handoff.agent_message(escalation.id, Agent("7", "Alice"), text="first answer")
        assert result.code == "pending"
        a.delivery.fail = None
        clock.advance(minutes=5)
        await asyncio.gather(a.runtime.handoff.sweep(), b.runtime.handoff.sweep())
        delivered = [m.text for _, m in a.delivery.messages + b.delivery.messages]
        assert delivered == ["first answer"]
        # Again, while the customer writes on one instance and the other sweeps: still once.
        b.delivery.fail = a.delivery.fail = DeliveryFailed
        await a.runtime.handoff.agent_message(escalation.id, Agent("7", "Alice"), text="second answer")
        b.delivery.fail = a.delivery.fail = None
        clock.advance(minutes=5)
        await asyncio.gather(say(b.runtime, "c1", "hello?"), a.runtime.handoff.sweep())
        delivered = [m.text for _, m in a.delivery.messages + b.delivery.messages]
        assert sorted(delivered) == ["first answer", "second answer"]
        assert all(r.status == DONE for r in await rows(a.runtime, CUSTOMER))


async def test_a_fresh_agent_message_is_not_sent_again_by_a_customer_flush_elsewhere(
    pg_url: str, small_kb: Path, clock: Clock
) -> None:
    """The first delivery claims its row: the other instance's flush (the customer wrote) leaves it."""
    async with instances(pg_url, small_kb, clock, SharedLog()) as (a, b):
        await say(a.runtime, "c1", "人工")
        [escalation] = await a.runtime.handoff.queue()
        original = a.delivery.send_agent_message
        started, release = asyncio.Event(), asyncio.Event()

        async def slow(customer_id, message):  # type: ignore[no-untyped-def]
            started.set()
            await release.wait()
            await original(customer_id, message)

        a.delivery.send_agent_message = slow  # type: ignore[method-assign]
        sending = asyncio.create_task(a.runtime.handoff.agent_message(escalation.id, Agent("7", "Alice"), text="hi"))
        await started.wait()
        assert await b.runtime.handoff.flush(escalation.conversation_id) == 0
        release.set()
        assert (await sending).code == "delivered"
        assert [m.text for _, m in a.delivery.messages + b.delivery.messages] == ["hi"]


def test_lease_durations_are_what_the_readme_says() -> None:
    from bot.handoff.dispatch import DELIVERY_LEASE, FIRST_TRY_GRACE
    from bot.storage.sms_store import INBOX_LEASE

    assert DESK_LEASE == DELIVERY_LEASE == dt.timedelta(minutes=2)
    assert FIRST_TRY_GRACE == dt.timedelta(seconds=60) and INBOX_LEASE == dt.timedelta(minutes=5)


async def test_a_long_paced_round_keeps_its_rows(pg_url: str, small_kb: Path, clock: Clock) -> None:
    """Posting at the group's pace can outlast the lease: the round renews it, so no row is taken over."""
    log = SharedLog()
    async with instances(pg_url, small_kb, clock, log) as (a, b):
        for n in range(4):
            await say(a.runtime, f"c{n}", "人工")
        queued = [r.id for r in await rows(a.runtime)]
        other = DeskOutbox(b.runtime.handoff)
        stolen: list[int] = []
        post = a.runtime.handoff.desk.publish

        async def paced(event):  # type: ignore[no-untyped-def]
            await post(event)
            clock.advance(seconds=50)  # the pacer held this post back
            stolen.append(await other.run_once(clock.now))

        a.runtime.handoff.desk.publish = paced
        assert await DeskOutbox(a.runtime.handoff).run_once(clock.now) == len(queued)
        assert stolen == [0] * len(log.posts) and log.outbox_ids() == queued
