"""`Database.autocommit_sessions`: statements that stand alone, without a transaction around them on
PostgreSQL (no BEGIN before, no COMMIT or ROLLBACK after: two round trips of three), ordinary sessions on
SQLite. What must hold: writes are kept, each statement is its own transaction on the server, and the
pooled connection goes back to ordinary transactions for the next session that takes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, text

from bot.storage import Database
from bot.storage.sms_store import SmsStore


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await Database.connect(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def one_connection(pg_url: str) -> AsyncIterator[Database]:
    """A pool of one: every session below gets the same server connection."""
    opened = await Database.connect(pg_url, pool_size=1, max_overflow=0)
    yield opened
    await opened.close()


async def _two_transaction_ids(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    first = await session.scalar(text("SELECT txid_current()"))
    second = await session.scalar(text("SELECT txid_current()"))
    return int(first), int(second)


async def test_what_an_autocommit_session_writes_is_kept_and_read_back(database: Database) -> None:
    store = SmsStore(database)
    inbox_id = await store.receive("twilio", "SM1", "+8613800138000", None, "打印机卡纸")
    assert inbox_id is not None
    assert await store.receive("twilio", "SM1", "+8613800138000", None, "打印机卡纸") is None  # the same message again
    async with database.sessions() as session:  # after the connection went back to the pool: committed
        assert await session.scalar(text("SELECT body FROM sms_inbox WHERE id = :id"), {"id": inbox_id}) == "打印机卡纸"
    assert [item.body for item in await store.inbox("+8613800138000")] == ["打印机卡纸"]


@pytest.mark.postgres
async def test_on_postgresql_each_statement_is_its_own_transaction(one_connection: Database) -> None:
    async with one_connection.autocommit_sessions() as session:
        first, second = await _two_transaction_ids(session)
    assert first != second  # no BEGIN: the server ran each statement alone
    async with one_connection.sessions() as session, session.begin():
        first, second = await _two_transaction_ids(session)
    assert first == second  # the ordinary session on the same connection: one transaction


@pytest.mark.postgres
async def test_the_connection_goes_back_to_ordinary_transactions(one_connection: Database) -> None:
    async with one_connection.autocommit_sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE scratch (n integer)"))
    with pytest.raises(RuntimeError):
        async with one_connection.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO scratch VALUES (1)"))
            raise RuntimeError("the turn failed")
    async with one_connection.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM scratch")) == 0  # rolled back, not autocommitted
    with pytest.raises(RuntimeError):
        async with one_connection.autocommit_sessions() as session, session.begin():
            await session.execute(text("INSERT INTO scratch VALUES (2)"))
            raise RuntimeError("after the statement")
    async with one_connection.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM scratch")) == 1  # autocommit: kept, as documented


@pytest.mark.postgres
async def test_the_sms_stores_units_alone_are_one_statement_and_the_others_transactions(pg_url: str) -> None:
    """A unit moved to an autocommit session must be one statement: a second one added later would run
    without the first's atomicity, and nothing else would notice. Read-modify-write units stay transactions."""
    database = await Database.connect(pg_url)
    store, number = SmsStore(database), "+8613800138000"
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.split(None, 1)[0], conn.connection.dbapi_connection.autocommit))

    async def statements(unit) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
        seen.clear()
        await unit
        return list(seen)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        now = database.clock()
        inbox_id = await store.receive("twilio", "SM1", number, None, "hello")
        assert inbox_id is not None
        alone = [("INSERT", True)]
        assert await statements(store.receive("twilio", "SM2", number, None, "again")) == alone
        assert await statements(store.save_more(number, "the rest", "en", 2)) == alone
        assert await statements(store.set_opted_out(number, False)) == alone
        for read in (store.sender(number, now), store.options_sent(number), store.is_opted_out(number),
                     store.withheld(number), store.next_due(), store.inbox(number), store.outbox(number)):
            assert await statements(read) == [("SELECT", True)]
        assert await statements(store.renew_inbox(inbox_id)) == [("UPDATE", True)]
        assert await statements(store.finish_inbound(inbox_id, "done")) == [("UPDATE", True)]
        await store.enqueue(number, "reply", "reply", now=now)
        claimed: list = []  # type: ignore[type-arg]

        async def claim() -> None:
            claimed.extend(await store.claim_due(now, dt.timedelta(seconds=60)))

        assert await statements(claim()) == [("WITH", True)]
        assert await statements(store.mark_sent(claimed[0], "SM9", now)) == [("UPDATE", True)]
        # Read, then change what was read: a transaction each.
        assert {autocommit for _, autocommit in await statements(store.take_more(number))} == {False}
        assert {autocommit for _, autocommit in await statements(store.claim_inbox())} == {False}
        assert {autocommit for _, autocommit in await statements(store.enqueue(number, "x", "reply", source="s1"))} == {False}
    finally:
        await database.close()
