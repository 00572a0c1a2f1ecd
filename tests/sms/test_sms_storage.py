"""SMS storage: the 0004 migration matches the models (both databases) and downgrades; the repository."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.storage import Database
from bot.storage.database import alembic_config
from bot.storage.models import Base
from bot.storage.sms import DONE, FAILED, PENDING, SENDING, SENT, Sender
from bot.storage.sms_store import SmsStore
from bot.storage.store import Store

SMS_TABLES = {"sms_inbox", "sms_outbox", "sms_contacts"}
NOW = dt.datetime(2026, 11, 25, 2, 30, tzinfo=dt.UTC)


async def test_migration_matches_the_models_and_downgrades(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            def diff(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection)
                return [d for d in compare_metadata(context, Base.metadata) if SMS_TABLES & set(_tables(d))]

            assert await connection.run_sync(diff) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert SMS_TABLES <= tables
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0003"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert not SMS_TABLES & tables
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
    finally:
        await database.close()


def _tables(diff: object) -> list[str]:
    names = []
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item if isinstance(item, tuple) else (item,):
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            names += [n for n in (name, getattr(table, "name", None)) if isinstance(n, str)]
            if isinstance(part, str):
                names.append(part)
    return names


async def test_claiming_is_per_number_in_order_and_exclusive(database_url: str) -> None:
    database = await Database.connect(database_url)
    store = SmsStore(database)
    try:
        a1 = await store.enqueue("+8613800000001", "a1", "reply", now=NOW)
        a2 = await store.enqueue("+8613800000001", "a2", "reply", now=NOW)
        b1 = await store.enqueue("+8613800000002", "b1", "reply", now=NOW)
        lease = dt.timedelta(seconds=60)
        first = await store.claim_due(NOW, lease)
        assert [m.id for m in first] == [a1, b1] and all(m.status == SENDING and m.attempts == 1 for m in first)
        assert await store.claim_due(NOW, lease) == []  # leased: nobody else takes them
        claimed = {m.id: m for m in first}
        assert await store.mark_sent(claimed[a1], "SM1", NOW)
        assert await store.mark_retry(claimed[b1], "down", NOW + dt.timedelta(seconds=5))
        assert [m.id for m in await store.claim_due(NOW, lease)] == [a2]
        assert await store.next_due() == NOW + dt.timedelta(seconds=5)  # b1 due before a2's lease ends
        # A worker that died mid-send: the lease runs out and the message is taken again.
        retaken = await store.claim_due(NOW + dt.timedelta(seconds=61), lease)
        assert {m.id for m in retaken} == {a2, b1}
        assert {m.id: m.attempts for m in retaken} == {a2: 2, b1: 2}
        assert [m.status for m in await store.outbox(status=PENDING)] == []
    finally:
        await database.close()


async def test_a_claim_takes_no_more_than_its_limit(database_url: str) -> None:
    """The heads are read once (a MATERIALIZED WITH on PostgreSQL): a plan that scans them again for the
    UPDATE would skip the rows it has just changed and take the next ones, past the limit."""
    database = await Database.connect(database_url)
    store = SmsStore(database)
    try:
        queued = [await store.enqueue(f"+86138000001{n:02d}", f"m{n}", "reply", now=NOW) for n in range(5)]
        lease = dt.timedelta(seconds=60)
        taken = [[m.id for m in await store.claim_due(NOW, lease, limit=2)] for _ in range(3)]
        assert taken == [queued[0:2], queued[2:4], queued[4:5]]  # oldest first, two at a time
        assert await store.claim_due(NOW, lease, limit=2) == []
    finally:
        await database.close()


async def test_a_claim_says_which_messages_must_not_go_and_why(database_url: str) -> None:
    """Opted out and blocked numbers are read by the claim's own statement, for the whole batch."""
    database = await Database.connect(database_url)
    store, conversations = SmsStore(database), Store(database)
    try:
        free, stopped, blocked, both = (f"+861380000001{n}" for n in range(4))
        for number in (free, stopped, blocked, both):
            async with conversations.turn("sms", number, language="zh-Hans"):
                pass
            await store.enqueue(number, "hi", "reply", now=NOW)
        await store.set_opted_out(stopped, True)
        await store.set_opted_out(both, True)
        await conversations.set_blocked("sms", blocked, True)
        await conversations.set_blocked("sms", both, True)
        async with conversations.turn("telegram", free, language="zh-Hans"):
            pass
        await conversations.set_blocked("telegram", free, True)  # another channel's customer of that id
        claimed = await store.claim_due(NOW, dt.timedelta(seconds=60))
        assert {m.to_number: m.withheld for m in claimed} == {
            free: None, stopped: "opted out", blocked: "blocked", both: "opted out",
        }
    finally:
        await database.close()


async def test_a_worker_whose_lease_ran_out_records_nothing_over_the_next_claim(database_url: str) -> None:
    """A stalled worker finishing late must not undo what the worker that took the message over recorded:
    a retry written over "sent" would send the message again."""
    database = await Database.connect(database_url)
    store = SmsStore(database)
    try:
        queued = await store.enqueue("+8613800000003", "late", "reply", now=NOW)
        lease = dt.timedelta(seconds=60)
        (stalled,) = await store.claim_due(NOW, lease)
        (taken_over,) = await store.claim_due(NOW + dt.timedelta(seconds=61), lease)
        assert stalled.id == taken_over.id == queued and (stalled.attempts, taken_over.attempts) == (1, 2)
        # While the second worker sends it, the first one's late result is not recorded...
        assert not await store.mark_retry(stalled, "timed out", NOW + dt.timedelta(seconds=90))
        assert [(m.status, m.attempts) for m in await store.outbox()] == [(SENDING, 2)]
        assert await store.mark_sent(taken_over, "SM2", NOW + dt.timedelta(seconds=62))
        # ...nor after it: "sent" stays, and nothing is due again.
        assert not await store.mark_failed(stalled, "gave up")
        assert not await store.mark_sent(taken_over, "SM2", NOW + dt.timedelta(seconds=63))  # recorded once
        (row,) = await store.outbox()
        assert (row.status, row.provider_id, row.last_error) == (SENT, "SM2", None)
        assert await store.claim_due(NOW + dt.timedelta(hours=1), lease) == [] and await store.next_due() is None
    finally:
        await database.close()


async def test_contacts_and_inbox(database_url: str) -> None:
    database = await Database.connect(database_url)
    store = SmsStore(database)
    try:
        number = "+8613800138000"
        assert not await store.is_opted_out(number)
        await store.save_more(number, "the rest", "zh-Hans")
        await store.set_opted_out(number, True)
        assert await store.is_opted_out(number) and await store.take_more(number) is None  # STOP drops MORE
        await store.set_opted_out(number, False)
        await store.save_more(number, "rest", "en")
        assert await store.take_more(number) == ("rest", "en", None) and await store.take_more(number) is None
        first = await store.receive("twilio", "SM1", number, None, "hi\x00there")
        assert first is not None and await store.receive("twilio", "SM1", number, None, "hi") is None
        assert await store.receive("json", "SM1", number, None, "hi") is not None  # another provider's id space
        [item, _] = await store.pending_inbox()
        assert item.body == "hi\ufffdthere"
        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        assert await store.sender(number, since) == Sender(recent=2, opted_out=False)
        assert await store.sender(number, since, before_id=first) == Sender(recent=1, opted_out=False)
        await store.set_opted_out(number, True)
        assert await store.sender(number, since) == Sender(recent=2, opted_out=True)
        assert await store.sender("+8613800000999", since) == Sender(recent=0, opted_out=False)  # never wrote
        # How handling ended is recorded once: a failure after the turn recorded it handled is not its own.
        await store.finish_inbound(first, DONE)
        await store.finish_inbound(first, FAILED, "the connection broke after the commit")
        assert [(i.id, i.status) for i in await store.inbox(number)][0] == (first, DONE)
    finally:
        await database.close()
