"""Prepared statements (bot/storage/prepared.py) behave as `Connection.execute` does around them: the same
values stored and read back, the same statement listeners, the same errors. On SQLite they run on the
driver's cursor; on PostgreSQL through `Connection.execute` itself, and these tests hold them there too."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import bindparam, event, exc, insert, select, text, update
from sqlalchemy.engine import Connection

from bot.storage import Database
from bot.storage.database import insert_of
from bot.storage.prepared import Prepared, PreparedRows
from bot.storage.telegram_queue import TelegramUpdate

UPDATES = TelegramUpdate.__table__
SECRET = "customer words 13800138000"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = await Database.connect(database_url)
    yield opened
    await opened.close()


STORE = Prepared(
    insert(UPDATES)
    .values(
        update_id=bindparam("id"), chat_id=bindparam("chat"), payload=bindparam("body", type_=UPDATES.c.payload.type),
        status="pending", attempts=0, received_at=bindparam("at", type_=UPDATES.c.received_at.type),
        lease_until=bindparam("until", type_=UPDATES.c.lease_until.type),
    )
    .returning(UPDATES.c.update_id, UPDATES.c.payload, UPDATES.c.received_at)
)
READ = Prepared(
    select(UPDATES.c.payload, UPDATES.c.received_at, UPDATES.c.lease_until, UPDATES.c.owner).where(UPDATES.c.update_id == bindparam("id"))
)


async def test_values_go_in_and_come_out_converted_as_the_full_path_does(database: Database) -> None:
    at = dt.datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    body = {"text": "你好 ｆｕｌｌ-width", "nested": [1, None, {"a": True}]}
    returned = await database.run(STORE.first, {"id": 1, "chat": 42, "body": body, "at": at, "until": None})
    assert returned is not None
    update_id, payload, received = returned
    assert update_id == 1 and payload == body and received.replace(tzinfo=dt.UTC) == at

    def both_ways(connection: Connection) -> tuple[Any, Any]:
        core = connection.execute(select(UPDATES.c.payload, UPDATES.c.received_at, UPDATES.c.lease_until, UPDATES.c.owner)
                                  .where(UPDATES.c.update_id == 1)).one()
        return tuple(core), READ.first(connection, {"id": 1})

    core, prepared = await database.run(both_ways)
    assert prepared == core
    assert await database.run(READ.first, {"id": 2}) is None
    assert await database.run(READ.scalar, {"id": 2}) is None


async def test_rows_changed_and_several_sets_of_values_in_one_call(database: Database) -> None:
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    for update_id in (1, 2, 3):
        await database.run(STORE.run, {"id": update_id, "chat": 42, "body": {}, "at": at, "until": None})
    lease = Prepared(update(UPDATES).where(UPDATES.c.update_id == bindparam("id")).values(owner=bindparam("owner")))
    assert await database.run(lease.run, {"id": 2, "owner": "me"}) == 1
    assert await database.run(lease.run, {"id": 9, "owner": "me"}) == 0
    await database.run(lease.run_many, [{"id": 1, "owner": "a"}, {"id": 3, "owner": "b"}])
    await database.run(lease.run_many, [])
    owners = await database.run(lambda c: dict(c.execute(select(UPDATES.c.update_id, UPDATES.c.owner)).all()))
    assert owners == {1: "a", 2: "me", 3: "b"}


async def test_statement_listeners_see_every_prepared_statement(database: Database) -> None:
    seen: list[tuple[str, bool]] = []
    after: list[str] = []
    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, _p, _ctx, many: seen.append((sql.split()[0], many)))
    event.listen(engine, "after_cursor_execute", lambda _c, _cur, sql, *_a: after.append(sql.split()[0]))
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    await database.run(STORE.run, {"id": 1, "chat": 42, "body": {}, "at": at, "until": None})
    await database.run(READ.rows, {"id": 1})
    assert seen[-2:] == [("INSERT", False), ("SELECT", False)]
    assert after[-2:] == ["INSERT", "SELECT"]


async def test_a_failure_is_sqlalchemys_error_without_the_customers_words(database: Database) -> None:
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    values = {"id": 1, "chat": 42, "body": {"text": SECRET}, "at": at, "until": None}
    await database.run(STORE.run, values)
    with pytest.raises(exc.IntegrityError) as raised:
        await database.run(STORE.run, values)
    assert SECRET not in str(raised.value) and "13800138000" not in str(raised.value)
    # The transaction that failed wrote nothing; the database goes on serving.
    assert await database.run(READ.scalar, {"id": 1}) == {"text": SECRET}


async def test_a_missing_value_is_refused_not_stored_as_null(database: Database) -> None:
    with pytest.raises(exc.SQLAlchemyError, match="chat"):
        await database.run(STORE.run, {"id": 1, "body": {}, "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "until": None})
    assert await database.run(READ.first, {"id": 1}) is None


@pytest.fixture
async def sqlite_database(tmp_path: Any) -> AsyncIterator[Database]:
    """SQLite alone: where `Prepared` compiles statements itself (elsewhere `Connection.execute` runs them)."""
    opened = await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'prepared.db'}")
    yield opened
    await opened.close()


async def test_what_only_the_full_path_can_run_is_refused_when_first_compiled(sqlite_database: Database) -> None:
    database = sqlite_database
    in_list = Prepared(select(UPDATES.c.update_id).where(UPDATES.c.update_id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="IN list"):
        await database.run(in_list.rows, {"ids": [1, 2]})
    # `attempts` and `status` have column defaults the full path would compute at execution.
    defaults = Prepared(insert(UPDATES).values(update_id=bindparam("id"), received_at=bindparam("at", type_=UPDATES.c.received_at.type)))
    with pytest.raises(ValueError, match="default"):
        await database.run(defaults.run, {"id": 1, "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)})


COLUMNS = ("update_id", "chat_id", "payload", "status", "attempts", "received_at", "owner", "lease_until", "error", "done_at")
ROWS = PreparedRows(
    lambda dialect: insert_of(dialect)(UPDATES).on_conflict_do_nothing(index_elements=["update_id"]).returning(UPDATES.c.update_id, UPDATES.c.payload),
    COLUMNS,
)


def _row(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "chat_id": 7, "payload": {"n": update_id}, "status": "pending", "attempts": 0,
            "received_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}


async def test_a_value_for_no_parameter_is_refused(sqlite_database: Database) -> None:
    # On PostgreSQL `Connection.execute` would take a key naming a column as one more column to write.
    values = {"id": 1, "chat": 42, "body": {}, "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "until": None, "owner": "me"}
    with pytest.raises(exc.InvalidRequestError, match="owner"):
        await sqlite_database.run(STORE.run, values)
    assert await sqlite_database.run(READ.first, {"id": 1}) is None


async def test_a_prepared_statement_runs_in_the_callers_transaction_only(sqlite_database: Database) -> None:
    async with sqlite_database.engine.connect() as connection:  # no transaction begun: no BEGIN IMMEDIATE either
        with pytest.raises(exc.InvalidRequestError, match="transaction"):
            await connection.run_sync(READ.first, {"id": 1})


async def test_several_rows_in_one_insert_and_more_than_one_statement_holds(database: Database) -> None:
    count = PreparedRows.MOST + 6
    returned = await database.run(ROWS.rows, [_row(n) for n in range(1, count + 1)])
    assert sorted(returned) == [(n, {"n": n}) for n in range(1, count + 1)]
    # ON CONFLICT DO NOTHING: what was stored before comes back from none of the rows.
    again = await database.run(ROWS.rows, [_row(3), _row(count + 1), _row(5)])
    assert again == [(count + 1, {"n": count + 1})]
    stored = await database.run(lambda c: c.execute(select(UPDATES.c.update_id, UPDATES.c.owner, UPDATES.c.done_at)).all())
    assert len(stored) == count + 1 and all(owner is None and done is None for _, owner, done in stored)
    # A key that is not one of the insert's columns is refused, not dropped.
    with pytest.raises(exc.InvalidRequestError, match="not a column"):
        await database.run(ROWS.rows, [_row(count + 2) | {"ownr": "me"}])
    assert await database.run(READ.first, {"id": count + 2}) is None


@pytest.mark.postgres
async def test_a_connection_the_server_dropped_is_invalidated_and_replaced(pg_url: str, postgres_database: str) -> None:
    database = await Database.connect(pg_url)
    try:
        async with database.engine.connect() as connection:
            backend = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await connection.commit()
            admin = await asyncpg.connect(postgres_database)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", backend)
            finally:
                await admin.close()
            raw = await connection.get_raw_connection()
            for _ in range(200):  # until the event loop read the server's goodbye
                if raw.driver_connection.is_closed():
                    break
                await asyncio.sleep(0.05)
            with pytest.raises(exc.DBAPIError) as raised:
                await connection.run_sync(READ.first, {"id": 1})
            assert raised.value.connection_invalidated
            assert connection.invalidated
        # The pool opened another connection for the next transaction.
        assert await database.run(READ.first, {"id": 1}) is None
    finally:
        await database.close()
