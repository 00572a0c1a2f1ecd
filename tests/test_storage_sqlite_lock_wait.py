"""SQLite runs on the event loop's thread (bot/storage/sqlite_driver.py): waiting for another connection's
write lock must happen in asyncio, never by blocking the loop, or the coroutine holding the lock could
never finish and both would wait for the busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.storage import database as database_module
from bot.storage import sqlite_driver
from bot.storage.database import Database
from tests.support import DriverTrips

pytestmark = pytest.mark.skipif(not sqlite_driver.SUPPORTED, reason="the stock adapter waits in its own thread")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "locks.db"


@pytest.fixture
async def database(path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(f"sqlite+aiosqlite:///{path}", migrate=False)
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (who TEXT NOT NULL)"))
    yield database
    await database.close()


class Ticker:
    """Counts the event loop's turns every 5 ms: a loop blocked by a sleeping busy handler stops counting."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@pytest.fixture
def foreign_writer(path: Path) -> Iterator[threading.Event]:
    """Another process's writer: holds the write lock (BEGIN IMMEDIATE) until the event is set."""
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO notes VALUES ('foreign')")
        holding.set()
        release.wait(10)
        connection.execute("COMMIT")
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(5)
    yield release
    release.set()
    thread.join(10)


async def _notes(database: Database) -> list[str]:
    async with database.engine.connect() as connection:
        return [row[0] for row in await connection.execute(text("SELECT who FROM notes ORDER BY rowid"))]


async def test_two_writers_in_one_event_loop_take_turns(database: Database) -> None:
    first_holds = asyncio.Event()

    async def first() -> None:
        async with database.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('first')"))
            first_holds.set()
            await asyncio.sleep(0.3)  # holding the write lock, the loop must go on running

    async def second() -> None:
        await first_holds.wait()
        async with database.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('second')"))

    with Ticker() as ticker:
        await asyncio.wait_for(asyncio.gather(first(), second()), 10)
    assert await _notes(database) == ["first", "second"]
    assert ticker.ticks >= 20  # 0.3 s of waiting, the loop turning all along


async def test_a_writer_waits_for_another_process_without_blocking_the_loop(
    database: Database, foreign_writer: threading.Event
) -> None:
    asyncio.get_running_loop().call_later(0.3, foreign_writer.set)
    started = time.monotonic()
    with Ticker() as ticker:
        async with database.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('ours')"))
    assert time.monotonic() - started >= 0.25
    assert ticker.ticks >= 20
    assert await _notes(database) == ["foreign", "ours"]


async def test_a_lock_held_past_the_wait_fails_the_statement_and_writes_nothing(
    database: Database, foreign_writer: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_S", 0.2)
    with Ticker() as ticker, pytest.raises(OperationalError, match="database is locked"):
        async with database.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO notes VALUES ('ours')"))
    assert ticker.ticks >= 10
    foreign_writer.set()
    await asyncio.sleep(0.1)
    assert await _notes(database) == ["foreign"]


async def test_a_refused_commit_is_tried_again(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without WAL (a file system that refuses it), COMMIT needs every reader gone and SQLite refuses it
    # while one reads; the transaction stays open and the COMMIT goes once the reader is done.
    monkeypatch.setattr(database_module, "_wal", lambda cursor: None)
    database = await Database.connect(f"sqlite+aiosqlite:///{path}", migrate=False)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (who TEXT NOT NULL)"))
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM notes").fetchall()  # a shared lock, until the reader commits
        asyncio.get_running_loop().call_later(0.3, reader.execute, "COMMIT")
        with Ticker() as ticker:
            async with database.sessions() as session, session.begin():
                await session.execute(text("INSERT INTO notes VALUES ('ours')"))
        assert ticker.ticks >= 20
        reader.close()
        assert await _notes(database) == ["ours"]
    finally:
        await database.close()


async def test_long_reads_run_in_the_driver_thread(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # A supervisor's report over months of conversations must not hold the event loop: its session's
    # statements go to aiosqlite's thread; a customer's turn's do not.
    trips = DriverTrips(monkeypatch)
    async with database.sessions() as session, session.begin():
        await session.execute(text("INSERT INTO notes VALUES ('turn')"))
    assert trips.count == 0
    async with database.long_read() as session:
        assert [row[0] for row in await session.execute(text("SELECT who FROM notes"))] == ["turn"]
    assert trips.count >= 1
    trips.count = 0
    async with database.sessions() as session:  # and only inside the block
        await session.execute(text("SELECT who FROM notes"))
    assert trips.count == 0
