"""The SMS channel with two instances on one PostgreSQL database: inbound replay and the outbox.

A received message is leased to the instance that stored it; a replay (at start, then every minute)
takes only messages whose lease ran out or whose instance is gone, each by one instance. The outbox's
claim (one UPDATE whose WITH reads the due heads with SKIP LOCKED) gives each message to one worker
without a worker spending a statement on a message another took, and a claim whose worker died is
taken again once its lease ran out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event

from bot.instances import InstanceRegistry
from bot.storage import Database
from bot.storage import sms as sms_repo
from bot.storage import sms_outbox
from bot.storage.sms import DONE, SENDING
from bot.storage.sms_store import INBOX_LEASE, SmsStore
from tests.fakes.sms_provider import FakeTwilio
from tests.sms.conftest import cached_matcher, open_harness  # noqa: F401 - cached_matcher: an autouse fixture
from tests.support import WEDNESDAY_MORNING, Clock

pytestmark = pytest.mark.postgres

NUMBERS = [f"+861380013800{n}" for n in range(4)]


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_MORNING)


@pytest.fixture
async def databases(pg_url: str, clock: Clock) -> AsyncIterator[tuple[Database, Database]]:
    a = await Database.connect(pg_url, clock=clock)
    b = await Database.connect(pg_url, clock=clock)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def left_behind(database: Database, clock: Clock, count: int, holder: str | None = "gone:1") -> list[int]:
    """Messages an instance stored and never processed (it died), its lease already run out."""
    ids = []
    async with database.sessions() as session, session.begin():
        for n in range(count):
            inbox_id = await sms_repo.receive(session, "twilio", f"SM{holder}{n}", NUMBERS[n % len(NUMBERS)], None, f"hello {n}",
                                              holder=holder, lease_until=clock.now - dt.timedelta(seconds=1))
            assert inbox_id is not None
            ids.append(inbox_id)
    return ids


async def test_two_instances_replaying_together_take_each_message_once(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    a, b = databases
    registries = [InstanceRegistry(a, host="host-a", pid=11), InstanceRegistry(b, host="host-b", pid=12)]
    for registry in registries:
        await registry.register("redis://127.0.0.1:6379/13")  # several instances: PostgreSQL and Redis
    expected = await left_behind(a, clock, 30)
    taken = await asyncio.gather(SmsStore(a).claim_inbox(), SmsStore(b).claim_inbox())
    ids = [item.id for items in taken for item in items]
    assert sorted(ids) == expected  # all of them, none twice
    assert await SmsStore(a).claim_inbox() == [] and await SmsStore(b).claim_inbox() == []  # leased to live instances
    await registries[0].stop()  # a stops (its messages unfinished): b may take a's at once
    assert sorted(item.id for item in await SmsStore(b).claim_inbox()) == sorted(item.id for item in taken[0])
    await registries[1].stop()


async def test_a_message_a_live_instance_handles_is_not_replayed_until_its_lease_runs_out(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    a, b = databases
    registry = InstanceRegistry(a, host="host-a", pid=11)
    await registry.register(None)
    inbox_id = await SmsStore(a).receive("twilio", "SM-live", NUMBERS[0], None, "my printer jams")  # leased to a
    assert await SmsStore(b).claim_inbox() == []
    clock.advance(seconds=INBOX_LEASE.total_seconds() + 1)
    await registry.beat()  # a is still alive, but it never finished the message: b takes it
    assert [item.id for item in await SmsStore(b).claim_inbox()] == [inbox_id]
    await registry.stop()


async def test_a_restart_after_a_crash_replays_at_once(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """The lease of an instance no longer registered (it crashed, or stopped mid-message) does not hold."""
    a, b = databases
    inbox_id = await SmsStore(a).receive("twilio", "SM-crash", NUMBERS[0], None, "hello")  # a never registered
    assert [item.id for item in await SmsStore(b).claim_inbox()] == [inbox_id]


async def test_two_channels_replaying_at_start_answer_each_message_once(pg_url: str, fake_twilio: FakeTwilio) -> None:
    first, first_client = await open_harness(pg_url, fake_twilio)
    second, second_client = await open_harness(pg_url, fake_twilio)
    try:
        await left_behind(first.runtime.database, first.clock, 6, holder=None)  # stored before leases existed
        replayed = await asyncio.gather(first.channel.replay(), second.channel.replay())
        assert sum(replayed) == 6
        await asyncio.gather(first.flush(), second.flush())
        assert [item.status for item in await first.store.inbox()] == [DONE] * 6
        for n, number in enumerate(NUMBERS):
            assert len(fake_twilio.bodies_to(number)) == len(range(n, 6, len(NUMBERS)))  # one answer per message
    finally:
        for harness, client in ((first, first_client), (second, second_client)):
            await harness.channel.stop()
            await client.close()
            await harness.runtime.close()


async def test_two_outbox_workers_claim_each_message_once_and_a_dead_workers_claim_runs_out(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    a, b = databases
    store_a, store_b = SmsStore(a), SmsStore(b)
    for n in range(12):
        await store_a.enqueue(NUMBERS[n % len(NUMBERS)], f"answer {n}", "reply", now=clock.now)
    lease = dt.timedelta(seconds=60)
    claimed = await asyncio.gather(store_a.claim_due(clock.now, lease), store_b.claim_due(clock.now, lease))
    ids = [item.id for items in claimed for item in items]
    assert len(ids) == len(set(ids)) == len(NUMBERS)  # one head per number, each by one worker
    assert await store_b.claim_due(clock.now, lease) == []  # a number's next message waits for its head
    # Both workers "die": nothing is marked sent. After the lease the heads are claimed again, once.
    clock.advance(seconds=61)
    again = await asyncio.gather(store_b.claim_due(clock.now, lease), store_a.claim_due(clock.now, lease))
    assert sorted(item.id for items in again for item in items) == sorted(ids)
    assert all(item.status == SENDING and item.attempts == 2 for items in again for item in items)


async def test_outbox_workers_racing_take_each_message_once_with_one_statement_a_claim(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """Two instances' workers wake for the same new replies all the time under load: a claim that reads a
    message the other is taking must skip it, not try it and fail (a transaction per miss, once measured
    as the whole difference in statements per message between one and two instances in
    benchmarks/load.py). A claim is one UPDATE whatever it finds, within its limit; every message is
    updated once, by one claim."""
    a, b = databases
    store_a, store_b = SmsStore(a), SmsStore(b)
    numbers = [f"+86139000{n:05d}" for n in range(60)]
    for number in numbers:
        await store_a.enqueue(number, "answer", "reply", now=clock.now)
    updated: list[int] = []

    def count_updates(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "UPDATE sms_outbox" in statement:  # a claim (its WITH reads the heads)
            updated.append(cursor.rowcount)

    for database in databases:
        event.listen(database.engine.sync_engine, "after_cursor_execute", count_updates)
    lease = dt.timedelta(seconds=60)
    claimed: list[int] = []
    claims = 0
    while len(claimed) < len(numbers):
        rounds = await asyncio.gather(*(store.claim_due(clock.now, lease, limit=7) for store in (store_a, store_b) * 3))
        assert all(len(items) <= 7 for items in rounds)
        claims += len(rounds)
        claimed += [item.id for items in rounds for item in items]
    assert len(claimed) == len(set(claimed)) == len(numbers)
    assert len(updated) == claims and sum(updated) == len(numbers)


async def test_a_claim_skips_a_message_another_worker_holds_instead_of_waiting_for_it(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """SKIP LOCKED, not a plain FOR UPDATE: a worker in the middle of claiming (its row locked, not yet
    committed) must not hold up the other worker's claim of every other number."""
    a, b = databases
    store_a, store_b = SmsStore(a), SmsStore(b)
    for number in NUMBERS:
        await store_a.enqueue(number, "answer", "reply", now=clock.now)
    async with a.sessions() as session, session.begin():
        [held] = await sms_outbox.claim_due(session, clock.now, clock.now + dt.timedelta(seconds=60), 1)  # not committed
        others = await asyncio.wait_for(store_b.claim_due(clock.now, dt.timedelta(seconds=60)), timeout=5)
        assert sorted(item.to_number for item in others) == sorted(set(NUMBERS) - {held.to_number})
    assert await store_b.claim_due(clock.now, dt.timedelta(seconds=60)) == []  # committed: taken


async def test_a_claim_is_one_statement_without_a_transaction_around_it(databases, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    a, _ = databases
    store = SmsStore(a)
    for n in range(8):
        await store.enqueue(NUMBERS[n % len(NUMBERS)], f"answer {n}", "reply", now=clock.now)
    statements: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        # Autocommit: the driver sends the statement alone, no BEGIN before it and no COMMIT after it.
        statements.append((statement.split(None, 1)[0], conn.connection.dbapi_connection.autocommit))

    event.listen(a.engine.sync_engine, "before_cursor_execute", record)
    items = await store.claim_due(clock.now, dt.timedelta(seconds=60))
    assert [item.to_number for item in items] == NUMBERS  # each number's oldest, oldest first
    assert [item.body for item in items] == [f"answer {n}" for n in range(4)]
    # One statement: the heads read in its WITH, the claim, whether each number opted out or is blocked.
    assert statements == [("WITH", True)]
    statements.clear()
    assert await store.claim_due(clock.now, dt.timedelta(seconds=60)) == []  # the heads are taken
    assert statements == [("WITH", True)]  # a claim that finds nothing is one statement
