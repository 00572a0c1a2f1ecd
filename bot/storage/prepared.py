"""The statements every Telegram update sends, compiled once and run on SQLite's cursor directly.

`Connection.execute` wraps each statement in about 40 µs of Python on top of the driver (on SQLite,
`run_unprepared_1_us` against `run_1_us` of `benchmarks/transaction_cost.py`): it looks the compiled
form up in its cache, builds an execution context, turns the parameters into the driver's and builds a
result with its metadata. On the handful of statements each update sends (storing it, the turn's messages and
UPDATE, queueing and marking its replies, recording it handled) that costs more than SQLite's own work
on them. A `Prepared` statement does that work once: on SQLite it keeps the SQL, the order of its
parameters and the column types' conversions, and sends each execution straight to the DBAPI cursor of
the same connection, in the same transaction.

Only on SQLite, the embedded default, where the `ratio_to_floor` target is measured: an in-process
database has no server-side statement cache to invalidate after a migration and no connection a network
can drop, which is what SQLAlchemy's execution context handles around a statement on PostgreSQL
(asyncpg's cached statements re-prepared after a schema change, the whole pool replaced after a
disconnect, a connection cancelled mid-statement invalidated). On every other database a `Prepared`
statement goes through `Connection.execute` like any other, and returns the same plain tuples.

What the SQLite path keeps of `Connection.execute`: the types' conversions both ways (JSON, datetimes,
booleans), the `before_cursor_execute` / `after_cursor_execute` listeners (with no execution context:
the tests and `benchmarks/pipeline.py` count statements with them), and errors raised as SQLAlchemy's
(`IntegrityError`...) without their parameters. It runs only inside a transaction the caller began
(`Database.run`, a session's), whose BEGIN IMMEDIATE goes with its first statement
(bot/storage/sqlite_driver.py). Refused when first compiled: parameters rendered at each execution (IN
lists) and column defaults computed at execution, which only the full path fills in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Insert
from sqlalchemy.sql.base import Executable

Processor = Callable[[Any], Any] | None


class _SqlitePlan:
    """A statement compiled for SQLite: the SQL, the value for each `?` in order, how values convert."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared statement cannot have parameters rendered at execution (an IN list)")
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a prepared statement must give every column default a value of its own")
        self.sql: str = compiled.string
        self.names = frozenset(compiled.binds)
        self.binds: list[tuple[str, bool, Any, Processor]] = []
        for name in compiled.positiontup or ():  # qmark: a name used twice has two places
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self.binds.append((name, bind.required, bind.effective_value, processor))
        # SQLite's cursor describes no column types: SQLAlchemy's own processors get None too.
        columns = getattr(statement, "exported_columns", ())
        self.results: list[Processor] = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        self.converts = any(self.results)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's parameters for one execution. A value for no parameter is refused: on other
        databases `Connection.execute` would take it as a column to write."""
        unknown = values.keys() - self.names
        if unknown:
            raise exc.InvalidRequestError(f"not a parameter of this statement: {', '.join(sorted(unknown))}")
        converted = []
        for name, required, default, processor in self.binds:
            if name in values:
                value = values[name]
            elif required:
                raise exc.InvalidRequestError(f"a value is required for bind parameter {name!r}")
            else:
                value = default
            converted.append(processor(value) if processor is not None else value)
        return tuple(converted)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.converts:
            return tuple(raw)
        return tuple(process(value) if process is not None else value for process, value in zip(self.results, raw, strict=True))


class Prepared:
    """One hot-path statement: on SQLite compiled once and run on the connection's DBAPI cursor, elsewhere
    run by `Connection.execute`; either way in the caller's transaction (a `Connection` from
    `Database.run`, or a turn's through `in_session`), returning plain tuples.

    `statement` is the statement, or a function of the dialect's name that builds it (an INSERT ... ON
    CONFLICT is each dialect's own).
    """

    def __init__(self, statement: Executable | Callable[[str], Executable]) -> None:
        self._statement = statement
        self._statements: dict[str, Executable] = {}
        self._sqlite_plan: _SqlitePlan | None = None

    def statement_for(self, dialect: Dialect) -> Executable:
        """The statement for this dialect, built once (the compiled cache keys on the same object)."""
        statement = self._statements.get(dialect.name)
        if statement is None:
            statement = self._statement if isinstance(self._statement, Executable) else self._statement(dialect.name)
            self._statements[dialect.name] = statement
        return statement

    def _plan(self, connection: Connection) -> _SqlitePlan | None:
        """The SQLite plan, or None: the statement goes through `Connection.execute`."""
        dialect = connection.dialect
        if dialect.name != "sqlite":
            return None
        if self._sqlite_plan is None:
            self._sqlite_plan = _SqlitePlan(self.statement_for(dialect), dialect)
        if not connection.in_transaction():
            raise exc.InvalidRequestError("a prepared statement runs inside the caller's transaction")
        return self._sqlite_plan

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it once; the rows it returned (RETURNING or SELECT), converted to Python values."""
        plan = self._plan(connection)
        if plan is None:
            result = connection.execute(self.statement_for(connection.dialect), values)
            return [tuple(row) for row in result.all()] if result.returns_rows else []
        rows, _ = _send_to_sqlite(connection, plan.sql, plan.parameters(values), many=False)
        return [plan.row(row) for row in rows]

    def first(self, connection: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row it returned, or None."""
        rows = self.rows(connection, values)
        return rows[0] if rows else None

    def scalar(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """The first column of the first row it returned, or None."""
        row = self.first(connection, values)
        return row[0] if row is not None else None

    def run(self, connection: Connection, values: Mapping[str, Any]) -> int:
        """Run it once, for what it changed: how many rows."""
        plan = self._plan(connection)
        if plan is None:
            return int(connection.execute(self.statement_for(connection.dialect), values).rowcount)
        return _send_to_sqlite(connection, plan.sql, plan.parameters(values), many=False)[1]

    def run_many(self, connection: Connection, value_sets: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per set of values, in one call of the driver (statements returning nothing)."""
        if not value_sets:
            return
        plan = self._plan(connection)
        if plan is None:
            connection.execute(self.statement_for(connection.dialect), list(value_sets))
            return
        _send_to_sqlite(connection, plan.sql, [plan.parameters(values) for values in value_sets], many=True)


class PreparedRows:
    """A multi-row INSERT ... VALUES (...), (...) of `columns`, RETURNING what `insert` returns: one
    statement, one round trip. On SQLite prepared for each number of rows it was given (a turn writes a
    few); elsewhere SQLAlchemy's own multi-row INSERT, as before ("insertmanyvalues"; the statement with
    a bind parameter per row and column made PostgreSQL's updates slower in benchmarks/pipeline.py).

    A row may leave a column out: it is inserted as None (SQL NULL; JSON null in a JSON column). A key
    that is not one of `columns` is refused rather than dropped.
    """

    MOST = 64  # rows in one statement: SQLite takes 32,766 parameters, and a turn writes a handful

    def __init__(self, insert: Callable[[str], Insert], columns: Sequence[str]) -> None:
        self._insert = insert
        self._columns = tuple(columns)
        self._known = frozenset(columns)
        self._by_count: dict[int, Prepared] = {}
        self._whole = Prepared(insert)  # without VALUES: SQLAlchemy's own multi-row INSERT, off SQLite

    def _prepared(self, count: int) -> Prepared:
        prepared = self._by_count.get(count)
        if prepared is None:
            prepared = self._by_count[count] = Prepared(lambda dialect: self._values(dialect, count))
        return prepared

    def _values(self, dialect: str, count: int) -> Insert:
        statement = self._insert(dialect)
        table = statement.table
        return statement.values(
            [{column: bindparam(f"{column}_{n}", type_=table.c[column].type) for column in self._columns} for n in range(count)]
        )

    def rows(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Insert the rows; what RETURNING gave back (in no promised order: sort by id)."""
        for row in rows:
            unknown = row.keys() - self._known
            if unknown:
                raise exc.InvalidRequestError(f"not a column of this insert: {', '.join(sorted(unknown))}")
        if connection.dialect.name != "sqlite":  # SQLAlchemy's own multi-row INSERT ("insertmanyvalues")
            statement = self._whole.statement_for(connection.dialect)
            every_column = [{column: row.get(column) for column in self._columns} for row in rows]
            return [tuple(row) for row in connection.execute(statement, every_column).all()] if rows else []
        returned: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), self.MOST):
            chunk = rows[start : start + self.MOST]
            values = {f"{column}_{n}": row.get(column) for n, row in enumerate(chunk) for column in self._columns}
            returned += self._prepared(len(chunk)).rows(connection, values)
        return returned


def _send_to_sqlite(connection: Connection, sql: str, parameters: Any, *, many: bool) -> tuple[list[Any], int]:
    """Execute on the connection's DBAPI cursor with the statement listeners around it; a failure raised
    as SQLAlchemy's error, its parameters hidden (they are customers' words)."""
    cursor = connection.connection.cursor()
    dispatch = connection.dispatch
    try:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, sql, parameters, None, many)
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
        except connection.dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                sql, parameters, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True,
                dialect=connection.dialect, ismulti=many,
            ) from error
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, parameters, None, many)
        return rows, cursor.rowcount
    finally:
        cursor.close()
