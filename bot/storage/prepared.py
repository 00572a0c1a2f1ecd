"""The statements every Telegram update sends, compiled once per dialect and run on the driver's cursor.

`Connection.execute` wraps each statement in about 40 µs of Python on top of the driver (on SQLite,
`core_1_us` against `run_1_us` of `benchmarks/transaction_cost.py`): it looks the compiled form up in
its cache, builds an execution context, turns the parameters into the driver's, and builds a result
with its metadata. On the handful of statements each update sends (storing it, the turn's messages and
UPDATE, queueing and marking its replies, recording it handled) that cost more than SQLite's own work
on them. A `Prepared`
statement does that once: it keeps the SQL string, the order of its parameters and their types' bind
processors per dialect, and sends each execution straight to the DBAPI cursor of the same connection,
in the same transaction.

What SQLAlchemy does around a statement that the bot relies on is kept: the column types' conversions
both ways (JSON, SQLite's datetimes), the `before_cursor_execute` / `after_cursor_execute` listeners
(the tests and `benchmarks/pipeline.py` count statements with them), errors raised as SQLAlchemy's
(`IntegrityError`...) without their parameters, and a connection the database dropped invalidated, so
the pool replaces it. What it refuses, when first compiled: parameters rewritten at each execution (IN
lists) and column defaults computed at execution, which only the full path knows how to fill in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Insert
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ColumnElement

Processor = Callable[[Any], Any] | None


class _Plan:
    """A statement compiled for one dialect: the SQL, where each parameter goes, how values convert."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared statement cannot have parameters rendered at execution (an IN list)")
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError("a prepared statement must give every column default a value of its own")
        self.sql: str = compiled.string
        self.positional: bool = compiled.positional
        names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        self.binds = [
            (name, bind.required, bind.effective_value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name, bind in ((name, compiled.binds[name]) for name in names)
        ]
        columns: Sequence[ColumnElement[Any]] = getattr(statement, "exported_columns", ())
        self.results: list[Processor] = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        self.converts = any(self.results)

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for one execution: a tuple (positional styles) or a dict."""
        converted = []
        for name, required, default, processor in self.binds:
            if name in values:
                value = values[name]
            elif required:
                raise exc.ArgumentError(f"a value is required for bind parameter {name!r}")
            else:
                value = default
            converted.append(processor(value) if processor is not None else value)
        if self.positional:
            return tuple(converted)
        return {name: value for (name, *_), value in zip(self.binds, converted, strict=True)}

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.converts:
            return tuple(raw)
        return tuple(process(value) if process is not None else value for process, value in zip(self.results, raw, strict=False))


class Prepared:
    """One hot-path statement: compiled once per dialect, then run on the connection's DBAPI cursor.

    `statement` is the statement, or a function of the dialect's name that builds it (an INSERT ... ON
    CONFLICT is each dialect's own). Runs in the caller's transaction: a `Connection` from
    `Database.run`, or a turn's through `in_session`.
    """

    def __init__(self, statement: Executable | Callable[[str], Executable]) -> None:
        self._statement = statement
        self._plans: dict[str, _Plan] = {}

    def plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            statement = self._statement if isinstance(self._statement, Executable) else self._statement(dialect.name)
            plan = self._plans[dialect.name] = _Plan(statement, dialect)
        return plan

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it once; the rows it returned (RETURNING or SELECT), converted to Python values."""
        plan = self.plan(connection.dialect)
        rows, _ = _send(connection, plan.sql, plan.parameters(values), many=False)
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
        plan = self.plan(connection.dialect)
        return _send(connection, plan.sql, plan.parameters(values), many=False)[1]

    def run_many(self, connection: Connection, value_sets: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per set of values, in one call of the driver (statements returning nothing)."""
        if not value_sets:
            return
        plan = self.plan(connection.dialect)
        _send(connection, plan.sql, [plan.parameters(values) for values in value_sets], many=True)


class PreparedRows:
    """A multi-row INSERT ... VALUES (...), (...) of `columns`, prepared for each number of rows it was
    given (a turn writes a few): one statement, one round trip, RETURNING what `insert` returns."""

    MOST = 64  # rows in one statement: SQLite takes 32,766 parameters, and a turn writes a handful

    def __init__(self, insert: Callable[[str], Insert], columns: Sequence[str]) -> None:
        self._insert = insert
        self._columns = tuple(columns)
        self._by_count: dict[int, Prepared] = {}

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
        """Insert the rows (each a value, or None, for every column); what RETURNING gave back."""
        returned: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), self.MOST):
            chunk = rows[start : start + self.MOST]
            values = {f"{column}_{n}": row.get(column) for n, row in enumerate(chunk) for column in self._columns}
            returned += self._prepared(len(chunk)).rows(connection, values)
        return returned


def _send(connection: Connection, sql: str, parameters: Any, *, many: bool) -> tuple[list[Any], int]:
    """Execute on the connection's DBAPI cursor, as `Connection.execute` would around it: the statement
    listeners, and a failure raised as SQLAlchemy's error (parameters hidden: they are customers' words),
    the connection invalidated when the database dropped it."""
    dbapi_connection = connection.connection
    cursor = dbapi_connection.cursor()
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
            dropped = connection.dialect.is_disconnect(error, dbapi_connection.dbapi_connection, cursor)
            if dropped:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                sql, parameters, error, connection.dialect.loaded_dbapi.Error, hide_parameters=True,
                connection_invalidated=dropped, dialect=connection.dialect, ismulti=many,
            ) from error
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, sql, parameters, None, many)
        return rows, cursor.rowcount
    finally:
        cursor.close()
