"""PostgreSQL closing the bot's connections (a restart, a terminated backend) costs no customer turn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bot.storage import Database, Store, telegram_queue

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(pg_url: str) -> AsyncIterator[Database]:
    opened = await Database.connect(pg_url)
    yield opened
    await opened.close()


async def _backend(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate_all(postgres_database: str) -> int:
    """What a database restart does to the bot's pooled connections: the server closes every one. Returns
    once their server processes are gone (their sockets closed), how many there were."""
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    admin = await asyncpg.connect(postgres_database)
    try:
        terminated = int(await admin.fetchval(f"SELECT count(pg_terminate_backend(pid)) {others}"))
        for _ in range(200):
            if not await admin.fetchval(f"SELECT count(*) {others}"):
                break
            await asyncio.sleep(0.05)
        return terminated
    finally:
        await admin.close()


async def test_connections_the_server_closed_are_replaced_before_a_turn_uses_them(
    database: Database, postgres_database: str
) -> None:
    pooled: list[Any] = []  # every connection given back to the pool (the dead ones will be in there)
    event.listen(database.engine.sync_engine, "checkin", lambda dbapi_connection, _record: pooled.append(dbapi_connection))
    store = Store(database)
    async with store.turn("telegram", "42", language="en") as turn:
        await turn.record_inbound("text", "before the restart", "en", "m1")
    before = await _backend(database)

    assert await _terminate_all(postgres_database) >= 1
    for _ in range(200):  # until the event loop has read the server's goodbye on each of them
        if all(connection.driver_connection.is_closed() for connection in pooled):
            break
        await asyncio.sleep(0.05)

    # The turn's session, `Database.run` and a plain connection each take a pooled connection first.
    async with store.turn("telegram", "42", language="en") as turn:
        assert await turn.record_inbound("text", "after the restart", "en", "m2") is not None

    def store_update(connection: Connection) -> list[int]:
        return telegram_queue.store_updates(connection, [(7, 42, {"update_id": 7})], database.clock())

    assert await database.run(store_update) == [7]
    assert await _backend(database) != before
    conversation = await store.conversation("telegram", "42")
    assert conversation is not None
    assert [m.text for m in await store.transcript(conversation.id)] == ["before the restart", "after the restart"]


async def test_database_pre_ping_asks_the_server_instead(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_PRE_PING=true: SQLAlchemy's ping before every transaction (for networks that drop idle
    connections silently), and no local check; the default is the local check alone."""
    from bot.settings import load_settings
    from bot.storage.database import _replace_if_closed

    monkeypatch.setenv("DATABASE_PRE_PING", "true")
    assert load_settings().database_pre_ping is True
    for pre_ping in (True, False):
        database = await Database.connect(pg_url, migrate=False, pre_ping=pre_ping)
        try:
            assert database.engine.sync_engine.pool._pre_ping is pre_ping
            assert event.contains(database.engine.sync_engine, "checkout", _replace_if_closed) is not pre_ping
            assert await database.ping()
        finally:
            await database.close()
