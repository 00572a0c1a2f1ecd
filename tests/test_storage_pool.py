"""PostgreSQL connections are kept in the pool, not opened and closed per transaction under load.

SQLAlchemy's default pool keeps 5 connections and closes each one opened beyond them when it comes
back: with more customers at once than that, every transaction past the fifth started a server process
(843 connections opened in one load-benchmark phase of 4,300 messages). DATABASE_POOL_SIZE and
DATABASE_MAX_OVERFLOW size the pool; the defaults keep 30 and open none beyond them (an overflow, opened
and closed again at every burst, cost a server process each time: 535 in one phase of 7,183 messages).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from bot.runtime import build_runtime
from bot.settings import load_settings
from bot.storage import Database

pytestmark = pytest.mark.postgres


async def _burst(database: Database, at_once: int) -> None:
    """`at_once` transactions holding a connection together, as that many customers' turns do."""

    async def one() -> None:
        async with database.engine.begin() as connection:
            await connection.execute(text("SELECT pg_sleep(0.05)"))

    await asyncio.gather(*(one() for _ in range(at_once)))


async def test_bursts_of_customers_reuse_the_pools_connections(pg_url: str) -> None:
    database = await Database.connect(pg_url, migrate=False)
    opened: list[object] = []
    event.listen(database.engine.sync_engine, "connect", lambda *args: opened.append(args))
    try:
        for _ in range(3):
            await _burst(database, 25)
        assert len(opened) == 25  # the first burst opened them; the next two found them in the pool
    finally:
        await database.close()


async def test_pool_size_and_overflow_come_from_the_settings(pg_url: str, monkeypatch: pytest.MonkeyPatch, small_kb) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    runtime = await build_runtime(load_settings(database_url=pg_url, knowledge_dir=small_kb))
    try:
        pool = runtime.database.engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
    finally:
        await runtime.close()
