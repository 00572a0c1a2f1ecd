"""The database connection: one async engine, schema kept current with Alembic migrations."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, false, or_, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import greenlet_spawn  # what AsyncSession.run_sync itself runs on (as sqlite_driver's await_)

from bot.clock import Clock, system_clock
from bot.settings import DATABASE_MAX_OVERFLOW, DATABASE_POOL_SIZE
from bot.storage import sqlite_driver
from bot.storage.models import CLOCK_OPTION

MIGRATIONS = "bot.storage:migrations"

log = logging.getLogger(__name__)

_T = TypeVar("_T")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x7362_0000_0000_0001  # see bot/storage/locks.py for the other keys


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Instances starting together: the first migrates, the others wait here, then find the schema
        # current. Transaction-scoped (the upgrade runs in one transaction): released at commit, or by a
        # crash.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    else:
        # SQLite's write lock (BEGIN IMMEDIATE goes with the transaction's first statement) is taken
        # here, before Alembic starts: its context is process-wide, and two upgrades must not interleave.
        connection.exec_driver_sql("SELECT 1")
    command.upgrade(alembic_config(connection), "head")


def session_clock(session: AsyncSession) -> Clock:
    """The clock of the database a session belongs to, for repository code that needs "now"."""
    return session.info.get(CLOCK_OPTION, system_clock)  # type: ignore[no-any-return]


_ON_COMMIT = "supportbot.on_commit"


def on_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Call `callback` once the session's transaction has committed, and not at all if it rolls back.

    For work that must only start when what the transaction wrote is visible to others: waking the
    agents' desk outbox worker (here and, through Redis, on every instance) when a row was queued for
    it, not after every transaction that might have queued one. The same callback registered twice in
    one transaction runs once; one that fails is logged, since the commit it follows already happened.
    A savepoint's release is not the commit; a savepoint rolled back does not take back what was
    registered inside it (at worst a wake-up with nothing new).
    """
    callbacks: list[Callable[[], None]] = session.info.setdefault(_ON_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    if session.in_nested_transaction():  # SQLAlchemy calls this at a savepoint's release too
        return
    for callback in session.info.pop(_ON_COMMIT, ()):
        try:
            callback()
        except Exception:
            log.exception("a callback after a commit failed")


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the session's own transaction, not a savepoint: committed or not, done
        session.info.pop(_ON_COMMIT, None)


def dialect_insert(session: AsyncSession) -> Any:
    """The `insert` of the session's dialect: the generic one has no ON CONFLICT, and SQLite and
    PostgreSQL each bring their own."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Any:
    """The `insert` of a dialect by name, for statements built once per dialect (see `dialect_insert`)."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


async def in_session(session: AsyncSession, work: Callable[..., _T], *args: Any) -> _T:
    """`work(connection, *args)`, plain synchronous Core statements, on the session's connection and in its
    transaction, in one greenlet: each call through the async layer is a greenlet switch of its own
    (`session.connection()` one, each `execute` another), which on a customer's turn cost more than
    SQLite's work. See `Database.run` for a whole transaction; `work` reads its results before returning."""
    return await session.run_sync(_on_connection, work, *args)


def _on_connection(session: Session, work: Callable[..., _T], *args: Any) -> _T:
    return work(session.connection(), *args)


def one_of(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (constants)` written as `column = a OR column = b`: an IN list is expanded into the SQL
    at every execution (SQLAlchemy's "post-compile" step), plain parameters are compiled once and cached.
    For the few fixed values of a status on a customer's turn, where that expansion cost a fifth of the
    statement. Like IN, no values match no row."""
    if isinstance(values, str):
        raise TypeError("one_of takes a sequence of values, not a string")
    return or_(*(column == value for value in values)) if values else false()


def is_postgresql(target: AsyncSession | Connection) -> bool:
    """Whether row locks mean anything: SQLite serialises writers (BEGIN IMMEDIATE) and has no FOR UPDATE."""
    if isinstance(target, Connection):
        return target.dialect.name == "postgresql"
    return target.bind is not None and target.bind.dialect.name == "postgresql"


class Database:
    """Owns the async engine and the session factory; `connect` migrates the schema to the latest version.

    It also carries the bot's clock: column defaults read it from the engine's execution options and
    repository functions from `session_clock`, so every stored time comes from the one injected clock.
    """

    def __init__(self, engine: AsyncEngine, clock: Clock = system_clock) -> None:
        engine.sync_engine.update_execution_options(**{CLOCK_OPTION: clock})
        self.engine = engine
        self.clock = clock
        # Who this process is when it claims shared work (outbox rows, inbound SMS) or registers itself.
        self.instance = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.sessions = async_sessionmaker(
            engine, expire_on_commit=False, class_=AsyncSession, info={CLOCK_OPTION: clock}
        )
        # Sessions for statements that each stand alone (a read, a one-row write, a claim that is one
        # UPDATE): on PostgreSQL each statement is its own transaction, sent without the BEGIN before it
        # and the COMMIT or ROLLBACK after it, two round trips of three. Only for statements whose
        # atomicity is their own: no read-modify-write, no ORM object added or changed (a flush of several
        # rows would not be atomic), no row or advisory lock meant to outlive its statement. Reading ORM
        # entities is fine. Writes still go inside `session.begin()`, for SQLite, where these are the
        # ordinary sessions: its BEGIN and COMMIT cost no round trip, and BEGIN IMMEDIATE orders its writers.
        self.autocommit_sessions = async_sessionmaker(
            _autocommit(engine), expire_on_commit=False, class_=AsyncSession, info={CLOCK_OPTION: clock}
        )

    @classmethod
    async def connect(
        cls, url: str, *, migrate: bool = True, clock: Clock = system_clock, pre_ping: bool = False,
        pool_size: int = DATABASE_POOL_SIZE, max_overflow: int = DATABASE_MAX_OVERFLOW, **engine_options: Any
    ) -> Database:
        """Open the database named by a DATABASE_URL, creating the SQLite file's folder if needed.

        `pre_ping` (PostgreSQL, the DATABASE_PRE_PING setting): ask the server before every transaction
        whether a pooled connection still works, for networks that drop idle connections silently (see
        `_replace_if_closed`); always so with a driver other than asyncpg. `pool_size` / `max_overflow`
        (PostgreSQL, DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW): connections kept open, and opened for a
        burst and closed when returned."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            sqlite_driver.set_connect_args(engine_options.setdefault("connect_args", {}))
        else:
            # asyncpg's own flag tells a closed connection without a round trip (`_replace_if_closed`).
            engine_options.setdefault("pool_pre_ping", pre_ping or parsed.get_driver_name() != "asyncpg")
            # A host that drops packets silently fails in seconds, not after the OS's minute-long timeout.
            engine_options.setdefault("connect_args", {}).setdefault("timeout", 10)
            # SQLAlchemy's default keeps 5 and closes each connection opened beyond them when it comes
            # back: with more customers at once, a server process started every few transactions.
            engine_options.update(pool_size=pool_size, max_overflow=max_overflow)
        # A statement's parameters are customers' words and numbers: never in an error's text (or a log).
        engine_options.setdefault("hide_parameters", True)
        engine = create_async_engine(url, **engine_options)
        if parsed.get_backend_name() == "sqlite":
            # Statements on the event loop's thread (bot/storage/sqlite_driver.py); same SQL, same durability.
            event.listen(engine.sync_engine, "connect", sqlite_driver.install)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        elif parsed.get_driver_name() == "asyncpg" and not engine_options["pool_pre_ping"]:
            event.listen(engine.sync_engine, "checkout", _replace_if_closed)
        database = cls(engine, clock)
        if migrate:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade)
        return database

    async def run(self, work: Callable[..., _T], *args: Any) -> _T:
        """`work(connection, *args)` in one transaction, committed when it returns, rolled back when it
        raises: plain synchronous Core statements, all run in one greenlet.

        For the short transactions every Telegram update pays (storing it, recording it handled): the
        async layer switches greenlets for each of a session's calls (begin, connection, each statement,
        commit, close), which cost more than the statements; one switch for the whole transaction does the
        same work for about half on SQLite (benchmarks/transaction_cost.py). Same connection pool, same
        events (the BEGIN IMMEDIATE on SQLite), same durability. `work` must read its results before it
        returns: the connection goes back to the pool then.
        """
        return await greenlet_spawn(self._in_transaction, work, *args)

    def _in_transaction(self, work: Callable[..., _T], *args: Any) -> _T:
        with self.engine.sync_engine.begin() as connection:
            return work(connection, *args)

    @contextlib.asynccontextmanager
    async def long_read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads long enough to hold the event loop back (a supervisor's report): on SQLite
        its statements run in aiosqlite's thread (`sqlite_driver.off_the_loop`), not on the loop's."""
        with sqlite_driver.off_the_loop():
            async with self.sessions() as session:
                yield session

    async def ping(self) -> bool:
        """True when the database answers a trivial query (used by /healthz)."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()


def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The engine whose connections run each statement as its own transaction on PostgreSQL (same pool:
    the isolation level is set on the driver's connection at checkout and reset at return, no round
    trip either way with asyncpg); the engine itself elsewhere."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Take a connection the server closed (a restart, a terminated backend) out of the pool as it is
    checked out: the pool then opens a new one, and the transaction never sees the dead one.

    asyncpg marks its connection closed as soon as the event loop reads the server's goodbye, so this
    costs no round trip. SQLAlchemy's `pool_pre_ping` asks the server instead, with a BEGIN, an empty
    query and a ROLLBACK: three round trips before every transaction, 1.4 ms of a Telegram update's three
    transactions in `benchmarks/pipeline.py` (README, "Storage"). What this does not catch, the ping
    would: a connection that looks open here but that the other end no longer knows (its host rebooted,
    a NAT or proxy dropped it while idle), which answers the first write with a reset. The transaction's
    first statement fails instead, the error invalidates the whole pool, and the callers' own retries
    (the inbox's, the outbox's, a turn's update handled again after its lease) take new connections.
    A deployment behind such a network sets DATABASE_PRE_PING.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database server closed this connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 driver's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Put the database in WAL mode (it stays so in the file). Switching needs a moment of exclusive access
    and SQLite may refuse it at once ("database is locked") rather than wait, e.g. while another instance
    starting at the same time converts or migrates the same new file: look first, and retry briefly (the
    inline cursor waits for the lock itself, in asyncio, as for any statement)."""
    attempts = 1 if isinstance(cursor, sqlite_driver.InlineCursor) else 50
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3.OperationalError, as the async adapter passes it on
            if "database is locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)  # only while connecting, and only when another process holds the file


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front: concurrent writers wait for it instead of failing with
    # "database is locked" when a read transaction later tries to write. It goes to SQLite with the
    # transaction's first statement (sqlite_driver), which waits for the lock in asyncio.
    sqlite_driver.begin_immediate(connection)
