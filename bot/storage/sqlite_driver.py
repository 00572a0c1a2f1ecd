"""SQLite statements run on the event loop's thread, with no trip to aiosqlite's thread.

aiosqlite runs every sqlite3 call in a thread of its own and hands each call over through a queue.
SQLAlchemy's adapter makes one such call to open a cursor, one to execute, one to fetch the rows and one
to close the cursor; each hand-over wakes the thread and waits for the event loop again. Those
hand-overs, not SQLite, were most of what a customer's turn cost on SQLite: about 0.35 ms a statement
when there were four, still 0.19 ms a statement and 0.35 ms a COMMIT when there was one (about 3 ms of a
7.9 ms Telegram turn, `benchmarks/pipeline.py`). A statement of a turn takes SQLite itself a few
microseconds (a COMMIT in WAL mode with `synchronous=NORMAL` writes the log without waiting for the
disk), less than the hand-over that was to keep it off the loop.

`InlineCursor` and `InlineConnection` run each statement, its fetch, the COMMIT and the ROLLBACK
directly on the same sqlite3 connection: the same SQL, the same
transactions (SQLAlchemy still emits BEGIN IMMEDIATE and COMMIT, the BEGIN travelling with the
transaction's first statement, `begin_immediate`), the same pragmas, so nothing about durability
changes; only where the call runs does. What that changes:

* **Waiting for the write lock** happens in asyncio (`_waiting_for_the_lock`): SQLite's busy handler
  would sleep on the loop's thread while the coroutine holding the lock could not run, so connections
  are opened with no busy timeout and a refused BEGIN, COMMIT or lone statement is tried again after an
  `asyncio.sleep`, for up to `LOCK_WAIT_S` as the busy timeout used to.
* **A long statement holds the loop** for its duration. A turn's statements are indexed lookups and
  small writes; the supervisors' reports, which read months of conversations, go through
  `Database.long_read` (`off_the_loop`), whose statements still run in aiosqlite's thread. SQLite's
  automatic checkpoint (every 1,000 pages of log) runs inside the COMMIT that triggers it, so on the
  loop too. PostgreSQL, the production database, is unaffected (asyncpg never blocks).

aiosqlite still opens and closes each connection in its thread (`check_same_thread=False`: the sqlite3
module is built serialised, `sqlite3.threadsafety == 3`, and the two never use a connection at once). It
leans on aiosqlite's connection keeping the sqlite3 one as `_conn` and on SQLAlchemy's adapted cursor
keeping fetched rows in `_rows`; `SUPPORTED` is False (the stock adapter and a busy timeout then) if
either moves, and `tests/test_storage_turn_cost.py` fails.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import Connection
from sqlalchemy.util import EMPTY_DICT

try:
    from sqlalchemy.util.concurrency import await_
except ImportError:  # pragma: no cover - SQLAlchemy 2.0 names it await_only
    from sqlalchemy.util.concurrency import await_only as await_

_T = TypeVar("_T")

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
_PENDING = "supportbot_pending_begin"  # set on the aiosqlite connection whose BEGIN waits for a statement


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: str | None) -> tuple[Any, ...]:
    """(BEGIN,) execute, fetch everything, close: what the adapter needs afterwards, in one call."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


LOCK_WAIT_S = 30.0
"""How long a statement waits for another connection's write lock before "database is locked"."""

_OFF_THE_LOOP: ContextVar[bool] = ContextVar("sqlite_off_the_loop", default=False)


@contextlib.contextmanager
def off_the_loop() -> Iterator[None]:
    """Statements run in this block (this task) go to aiosqlite's thread, as they all used to: for reads
    long enough to hold the event loop back (a supervisor's report over months of conversations)."""
    token = _OFF_THE_LOOP.set(True)
    try:
        yield
    finally:
        _OFF_THE_LOOP.reset(token)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


async def _waiting_for_the_lock(
    aiosqlite_connection: Any, call: Callable[..., _T], *args: Any, commit: bool = False, batch: bool = False
) -> _T:
    """Run `call(sqlite3 connection, *args)` on the event loop's thread (in aiosqlite's within `off_the_loop`);
    while another connection holds SQLite's write lock, wait for it here, in asyncio, and try again.

    SQLite's own busy handler would sleep in this thread, and so block the event loop, whose coroutines
    may be the very ones holding the lock: the connections are opened with no busy timeout and this
    loop waits instead. Only what failed before changing anything is tried again: a BEGIN IMMEDIATE (and
    the statement sent with it) or a single statement, either outside a transaction before and after
    (not a `batch` outside one, part of which may have committed), or a `commit` (which SQLite leaves
    open when it is refused). A statement refused in the middle of a transaction raises, as it always did.
    """
    if not getattr(aiosqlite_connection, "_running", True):  # closing: aiosqlite's own calls refuse too
        raise ValueError("Connection closed")
    connection = aiosqlite_connection._conn
    delay = 0.0005
    deadline: float | None = None
    loop = asyncio.get_running_loop()
    while True:
        started = connection.in_transaction
        try:
            if _OFF_THE_LOOP.get():
                return await aiosqlite_connection._execute(call, connection, *args)  # type: ignore[no-any-return]
            return call(connection, *args)
        except sqlite3.OperationalError as error:
            if commit:
                retry = _is_busy(error) and connection.in_transaction
            else:
                retry = _is_busy(error) and not batch and not started and not connection.in_transaction
            if not retry:
                raise
            now = loop.time()
            deadline = now + LOCK_WAIT_S if deadline is None else deadline
            if now >= deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, executing each statement (and fetching its rows) on the loop's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor is opened: that would be a trip to its thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        return None

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            aiosqlite_connection = self._connection
            begin = getattr(aiosqlite_connection, _PENDING, None)
            setattr(aiosqlite_connection, _PENDING, None)
            try:
                description, rows, rowcount, lastrowid = await _waiting_for_the_lock(
                    aiosqlite_connection, _run, operation, parameters, many, begin, batch=many and begin is None
                )
            except BaseException:
                if begin is not None and aiosqlite_connection._connection is not None and not aiosqlite_connection._conn.in_transaction:
                    # The BEGIN did not go: the transaction's next statement still owes it.
                    setattr(aiosqlite_connection, _PENDING, begin)
                raise
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return None  # the sqlite3 cursor was closed in `_run`; the rows stay in `_rows`

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    """The adapted aiosqlite connection whose cursors are `InlineCursor`s and whose COMMIT and ROLLBACK
    run on the loop's thread too."""

    __slots__ = ()
    _cursor_cls = InlineCursor
    # A server-side cursor (`stream()`) would skip the BEGIN waiting for the first statement; SQLite reads
    # every row into memory anyway (aiosqlite's cursor fetches them all), so it gets the same cursor.
    _ss_cursor_cls = InlineCursor

    def rollback(self) -> None:
        # The pool "resets" every connection it gets back with a rollback, even right after a commit:
        # skip that case (and a BEGIN that never went: no statement followed it).
        connection = self._connection
        setattr(connection, _PENDING, None)
        if connection._connection is None or not connection._conn.in_transaction:
            return
        try:
            connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        connection = self._connection
        if getattr(connection, _PENDING, None) is not None:  # a transaction without a statement
            setattr(connection, _PENDING, None)
            return
        if connection._connection is None:
            return
        try:
            await_(_waiting_for_the_lock(connection, sqlite3.Connection.commit, commit=True))
        except Exception as error:
            self._handle_exception(error)


def begin_immediate(connection: Connection) -> None:
    """The engine's `begin` event on SQLite: BEGIN IMMEDIATE, sent with the transaction's first statement.

    The same statement in the same order, on the same connection, before anything else of the
    transaction; it travels with the first statement, so that a BEGIN refused for another connection's
    lock is tried again together with it (`_waiting_for_the_lock`), and a transaction that sends no
    statement sends no BEGIN.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, InlineConnection):
        setattr(dbapi_connection._connection, _PENDING, BEGIN_IMMEDIATE)
    else:
        connection.exec_driver_sql(BEGIN_IMMEDIATE)


def _internals_present() -> bool:
    """Whether the library internals this module leans on are where it expects them (checked once)."""
    import aiosqlite

    def slots(cls: type) -> set[str]:
        return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}

    return (
        isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and callable(getattr(aiosqlite.Connection, "_execute", None))
        and {"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"} <= slots(AsyncAdapt_aiosqlite_cursor)
        and {"_execute_mutex", "_connection"} <= slots(AsyncAdapt_aiosqlite_connection)
    )


SUPPORTED = _internals_present()
if not SUPPORTED:  # pragma: no cover - another aiosqlite or SQLAlchemy: the stock adapter, slower but right
    logging.getLogger(__name__).warning("sqlite: aiosqlite/SQLAlchemy internals changed; using the stock adapter")


def set_connect_args(connect_args: dict[str, Any]) -> None:
    """The sqlite3 connection's arguments that go with the adapter `install` gives it: inline, no busy
    timeout (a wait for another writer happens in `_waiting_for_the_lock`, never in SQLite's busy handler,
    which would block the loop) and use from the loop's thread; with the stock adapter, SQLite's busy
    handler waits as long, in aiosqlite's thread."""
    if SUPPORTED:
        connect_args["timeout"] = 0
        connect_args["check_same_thread"] = False
    else:
        connect_args.setdefault("timeout", LOCK_WAIT_S)


def install(dbapi_connection: Any, _record: Any = None) -> None:
    """`connect` event: make a new adapted aiosqlite connection run its statements inline (unless the
    library internals it needs moved: then the stock adapter stays, `SUPPORTED` is False)."""
    if SUPPORTED and type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = InlineConnection
