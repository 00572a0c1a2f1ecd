"""One trip to aiosqlite's thread per statement, instead of three or four.

aiosqlite runs every sqlite3 call in a thread of its own and hands each call over through a queue.
SQLAlchemy's adapter makes one such call to open a cursor, one to execute, one to fetch the rows and one
to close the cursor: each hand-over wakes the thread and waits for the event loop again, and those
hand-overs, not SQLite, were most of what a customer's turn cost on SQLite (about 0.35 ms a statement
of the 0.55 ms SQLAlchemy's `SELECT 1` took on the development machine, 0.2 ms through aiosqlite alone).

`OneTripCursor` does the four in one call: the same sqlite3 connection, the same SQL, the same
transaction (SQLAlchemy still emits BEGIN IMMEDIATE and COMMIT), so nothing about durability changes;
only the number of thread hand-overs does. The transaction's BEGIN IMMEDIATE goes in the same trip
as its first statement (`begin_immediate`), and `OneTripConnection` skips the pool's rollback of a
connection that has no transaction open (the usual case: the turn committed), which sqlite3 would
only have found to be a no-op in the thread. A turn is thus as many trips as statements, plus COMMIT. `Database.connect` installs it on each new aiosqlite
connection (`install`). It leans on aiosqlite's `Connection._execute` (run a function in the
connection's thread, in 0.17 to 0.22 at least) and on SQLAlchemy's adapted cursor keeping fetched rows
in `_rows`; `tests/test_storage_turn_cost.py` fails if either stops holding.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import Connection
from sqlalchemy.util import EMPTY_DICT

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
_PENDING = "supportbot_pending_begin"  # set on the aiosqlite connection whose BEGIN waits for a statement


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, begin: str | None) -> tuple[Any, ...]:
    """In aiosqlite's thread: (begin,) execute, fetch everything, close; what the adapter needs afterwards."""
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, executing each statement in a single call to aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor is opened up front (that alone was a trip to the thread).
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
            description, rows, rowcount, lastrowid = await aiosqlite_connection._execute(
                _run, aiosqlite_connection._conn, operation, parameters, many, begin
            )
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return None  # the sqlite3 cursor was closed in the thread; the rows stay in `_rows`

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The adapted aiosqlite connection whose cursors are `OneTripCursor`s."""

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def rollback(self) -> None:
        # The pool "resets" every connection it gets back with a rollback, even right after a commit:
        # a trip to the thread for sqlite3 to find no transaction and do nothing. Skip only that case
        # (and a BEGIN that never went: no statement followed it).
        connection = self._connection
        setattr(connection, _PENDING, None)
        if connection._connection is not None and not connection._conn.in_transaction:
            return
        super().rollback()

    def commit(self) -> None:
        connection = self._connection
        if getattr(connection, _PENDING, None) is not None:  # a transaction without a statement
            setattr(connection, _PENDING, None)
            return
        super().commit()


def begin_immediate(connection: Connection) -> None:
    """The engine's `begin` event on SQLite: BEGIN IMMEDIATE, sent with the transaction's first statement.

    The same statement in the same order, on the same connection, before anything else of the
    transaction; it just travels in the first statement's trip to the thread instead of one of its own.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, OneTripConnection):
        setattr(dbapi_connection._connection, _PENDING, BEGIN_IMMEDIATE)
    else:
        connection.exec_driver_sql(BEGIN_IMMEDIATE)


def _internals_present() -> bool:
    """Whether the library internals this module leans on are where it expects them (checked once)."""
    import aiosqlite

    def slots(cls: type) -> set[str]:
        return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}

    return (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and {"_adapt_connection", "_connection", "_cursor", "_rows", "_soft_closed_memoized"} <= slots(AsyncAdapt_aiosqlite_cursor)
        and {"_execute_mutex", "_connection"} <= slots(AsyncAdapt_aiosqlite_connection)
    )


SUPPORTED = _internals_present()
if not SUPPORTED:  # pragma: no cover - another aiosqlite or SQLAlchemy: the stock adapter, slower but right
    logging.getLogger(__name__).warning("sqlite: aiosqlite/SQLAlchemy internals changed; using the stock adapter")


def install(dbapi_connection: Any, _record: Any = None) -> None:
    """`connect` event: make a new adapted aiosqlite connection hand out one-trip cursors (unless the
    library internals it needs moved: then the stock adapter stays, `SUPPORTED` is False)."""
    if SUPPORTED and type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneTripConnection
