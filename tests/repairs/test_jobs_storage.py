"""The durable scheduler's table on SQLite and PostgreSQL: scheduled once, claimed once, in order per group."""

from __future__ import annotations

import asyncio
import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage import Database, jobs
from bot.storage.database import alembic_config
from bot.storage.models import Base

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=1)
LIFECYCLE_TABLES = {"jobs", "ticket_events", "bookings", "conversations", "sms_outbox"}


def _tables(diff: object) -> set[str]:
    names: set[str] = set()
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            for attr in ("name", "table"):
                value = getattr(part, attr, None)
                if isinstance(value, str):
                    names.add(value)
                elif value is not None and isinstance(getattr(value, "name", None), str):
                    names.add(value.name)
    return names


async def test_migration_matches_the_models_and_downgrades(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            def diff(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection)
                return [d for d in compare_metadata(context, Base.metadata) if LIFECYCLE_TABLES & _tables(d)]

            assert await connection.run_sync(diff) == []
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0009"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert not {"jobs", "ticket_events"} & tables
            # Data of the release before: the upgrade keeps it (no table rebuilt, nothing cascaded) and
            # gives each existing booking its first timeline entry.
            for statement in (
                ("INSERT INTO conversations (id, channel, customer_id, language, language_locked, blocked, low_confidence_streak,"
                " state, created_at, updated_at) VALUES (1, 'sms', '+8613800138000', 'en', false, false, 0, '{}', :t, :t)"),
                "INSERT INTO messages (conversation_id, direction, kind, text, created_at) VALUES (1, 'in', 'text', 'hi', :t)",
                ("INSERT INTO bookings (ticket, channel, customer_id, conversation_id, status, language, product_type, model_id,"
                " model_name, fault, photos, purchase_approx, warranty, service, city, centre_id, slot_start, slot_end, loaner,"
                " contact_name, phone, created_at, updated_at) VALUES ('R22-2222', 'sms', '+8613800138000', 1, 'booked', 'en',"
                " 'phone', 'x20', 'Acme X20', 'screen', '[]', false, 'in', 'store', 'beijing', 'bj-chaoyang', :t, :t, false,"
                " 'Li', '+8613800138000', :t, :t)"),
            ):
                await connection.execute(text(statement), {"t": NOW})
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            counts = [
                (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                for table in ("conversations", "messages", "bookings")
            ]
            assert counts == [1, 1, 1]
            event = (await connection.execute(text("SELECT kind, status, actor FROM ticket_events"))).one()
            assert tuple(event) == ("status", "booked", "customer")
    finally:
        await database.close()


async def test_a_key_schedules_once_and_a_group_runs_in_order(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.sessions() as session, session.begin():
            first = await jobs.schedule(session, "notice", NOW, now=NOW, group="R22-2222", key="notice:1")
            again = await jobs.schedule(session, "notice", NOW, now=NOW, group="R22-2222", key="notice:1")
            second = await jobs.schedule(session, "notice", NOW, now=NOW, group="R22-2222", key="notice:2")
            other = await jobs.schedule(session, "remind", NOW, now=NOW, group="R33-3333")
            future = await jobs.schedule(session, "remind", NOW + dt.timedelta(hours=1), now=NOW)
        assert first is not None and again is None and second is not None
        async with database.sessions() as session, session.begin():
            claimed = await jobs.claim_due(session, "a", LATER, LATER + dt.timedelta(seconds=30))
        assert [job.id for job in claimed] == [first, other]  # one of a group at a time; the future one waits
        async with database.sessions() as session, session.begin():
            assert await jobs.claim_due(session, "b", LATER, LATER + dt.timedelta(seconds=30)) == []
            assert await jobs.finish(session, first, "a", LATER)
            assert not await jobs.finish(session, first, "a", LATER)  # finished once
        async with database.sessions() as session, session.begin():
            claimed = await jobs.claim_due(session, "b", LATER, LATER + dt.timedelta(seconds=30))
        assert [job.id for job in claimed] == [second]
        # "a" died holding `other`: once its lease ran out, someone else takes it.
        async with database.sessions() as session, session.begin():
            claimed = await jobs.claim_due(session, "c", LATER + dt.timedelta(minutes=5), LATER + dt.timedelta(minutes=6))
        assert {job.id for job in claimed} == {other, second}
        async with database.sessions() as session, session.begin():
            claimed = await jobs.claim_due(session, "c", NOW + dt.timedelta(hours=2), NOW + dt.timedelta(hours=3))
        assert future in {job.id for job in claimed}
    finally:
        await database.close()


async def test_a_deferred_or_retried_job_holds_back_the_later_ones_of_its_group(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.sessions() as session, session.begin():
            first = await jobs.schedule(session, "notice", NOW, now=NOW, group="R22-2222")
            second = await jobs.schedule(session, "notice", NOW + dt.timedelta(seconds=5), now=NOW, group="R22-2222")
        async with database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "a", LATER, LATER + dt.timedelta(seconds=30))
            assert job.id == first
            await jobs.defer(session, first, "a", NOW + dt.timedelta(hours=8), "quiet hours")
        async with database.sessions() as session, session.begin():
            # The second is due, but the first (due before it) is not done: the customer gets them in order.
            assert await jobs.claim_due(session, "a", LATER, LATER + dt.timedelta(seconds=30)) == []
        morning = NOW + dt.timedelta(hours=8, seconds=1)
        async with database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "a", morning, morning + dt.timedelta(seconds=30))
            assert job.id == first
            # Sending failed: retried in 30 s. The second still waits behind it.
            await jobs.defer(session, first, "a", morning + dt.timedelta(seconds=30), "provider down", count_attempt=True)
        async with database.sessions() as session, session.begin():
            assert await jobs.claim_due(session, "a", morning, morning + dt.timedelta(seconds=30)) == []
        retry = morning + dt.timedelta(seconds=31)
        async with database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "a", retry, retry + dt.timedelta(seconds=30))
            assert job.id == first
            await jobs.finish(session, first, "a", retry)
        async with database.sessions() as session, session.begin():
            [job] = await jobs.claim_due(session, "a", retry, retry + dt.timedelta(seconds=30))
        assert job.id == second
    finally:
        await database.close()


async def test_a_key_can_be_scheduled_again_once_its_job_is_finished(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.sessions() as session, session.begin():
            first = await jobs.schedule(session, "remind", NOW, now=NOW, booking_id=None, key="remind:1")
            assert await jobs.schedule(session, "remind", NOW, now=NOW, key="remind:1") is None  # pending: once
            [job] = await jobs.claim_due(session, "a", LATER, LATER + dt.timedelta(seconds=30))
            assert job.id == first
            assert await jobs.schedule(session, "remind", NOW, now=NOW, key="remind:1") is None  # running: still once
            await jobs.finish(session, first, "a", LATER, jobs.CANCELLED)
            again = await jobs.schedule(session, "remind", NOW, now=NOW, key="remind:1")  # the device is ready again
        assert again is not None and again != first
    finally:
        await database.close()


async def test_racing_instances_take_each_job_once(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.sessions() as session, session.begin():
            ids = [await jobs.schedule(session, "remind", NOW, now=NOW) for _ in range(40)]

        async def claimer(name: str) -> list[int]:
            got: list[int] = []
            while True:
                async with database.sessions() as session, session.begin():
                    claimed = await jobs.claim_due(session, name, LATER, LATER + dt.timedelta(seconds=30), limit=3)
                    for job in claimed:
                        await jobs.finish(session, job.id, name, LATER)
                if not claimed:
                    return got
                got += [job.id for job in claimed]

        results = await asyncio.gather(*(claimer(f"i{n}") for n in range(4)))
        taken = [job_id for result in results for job_id in result]
        assert sorted(taken) == sorted(ids)
    finally:
        await database.close()
