"""What one short transaction costs through the async session, and as one greenlet (`Database.run`)
with its statement prepared or not.

Every Telegram update goes through three short transactions (stored; its turn and replies; recorded
handled with its replies sent). Through an `AsyncSession` each call (begin, the connection, every
statement, commit, close) crosses from asyncio into SQLAlchemy's synchronous core on a greenlet of its
own; `Database.run` crosses once for the whole transaction. This times one transaction each way on the
same database: the inbox's store-and-claim of a new update (`telegram_queue.store_and_claim`) alone, and
followed by two claims that find nothing to take (`claim_update`), each with its chat's advisory lock on
PostgreSQL. The "session" way runs them as the async repository functions did before (commit e45fc04):
the lock through `session.execute`, each statement on `await session.connection()`. The ways take turns,
200 transactions each, so that a shared machine's load weighs on all alike; the figure is the median
turn's microseconds per transaction. A third way, `run_unprepared_*`, is `Database.run` with the
store-and-claim sent through `Connection.execute` as before it was prepared (bot/storage/prepared.py,
SQLite only): `run_unprepared_1_us` against `run_1_us` is what preparing one statement saves (the
claims after it go through `Connection.execute` in both).

Three more ways time how a customer's turn opens (a session, the conversation read, then a commit with
nothing written), for one of 50 known customers: `turn_us` as the bot does it (`Store.turn`: the row
read by prepared statements and handed to the session as a loaded `Conversation`,
`conversations.open_turn`), `turn_orm_us` with the ORM loading the entity through the session (what
`open_turn` did before), and `turn_core_us` with the same statements through the session read as plain
rows, no entity.

Four more time a unit of work of one statement as the SMS channel has them (`bot/storage/sms_store.py`):
a read (the sender's rate and opt-out) and a committed write (a contact's upsert), each in an ordinary
session (`read_us`, `write_us`: on PostgreSQL with BEGIN before and ROLLBACK or COMMIT after) and in an
autocommit one (`read_alone_us`, `write_alone_us`: the statement alone; on SQLite the same sessions).

    python benchmarks/transaction_cost.py --json
    {"database": "sqlite", "session_1_us": ..., "run_unprepared_1_us": ..., "run_1_us": ..., "session_3_us": ...,
     "run_unprepared_3_us": ..., "run_3_us": ..., "turn_us": ..., "turn_orm_us": ..., "turn_core_us": ...,
     "read_us": ..., "read_alone_us": ..., "write_us": ..., "write_alone_us": ...}

`--database-url` runs it on an empty PostgreSQL database (migrated at start) instead of a temporary
SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage import Database, Store, conversations, sms  # noqa: E402
from bot.storage import telegram_queue as queue  # noqa: E402
from bot.storage.database import is_postgresql  # noqa: E402
from bot.storage.locks import TELEGRAM_CHATS, fold32, xact_lock  # noqa: E402
from bot.storage.models import Conversation  # noqa: E402

TURN = 200
WARM = 50
CUSTOMERS = 50

# `conversations.open_turn`'s statements, the conversation as the ORM's entity and as a plain row.
_COLUMNS = Conversation.__table__.c
_ENTITY_PROBED = select(Conversation, conversations._ESCALATED, conversations._UNDELIVERED).where(*conversations._KEY)
_ENTITY_LOCKED = conversations._FOR_TURN_LOCKED
_ROW_PROBED = select(_COLUMNS, conversations._ESCALATED, conversations._UNDELIVERED).where(*conversations._KEY)
_ROW_LOCKED = conversations._FOR_TURN_LOCKED.with_only_columns(*_COLUMNS)


def _store_then_claims(connection: Connection, update_id: int, claims: int, now: Any) -> None:
    """`Database.run`'s way: the functions as they are now, on the transaction's connection."""
    if queue.store_and_claim(connection, update_id, update_id, {"update_id": update_id}, "bench", now, now) is None:
        raise RuntimeError("update already stored: the database must be empty")
    _claims(connection, update_id, claims, now)


def _store_unprepared_then_claims(connection: Connection, store: Any, update_id: int, claims: int, now: Any) -> None:
    """`Database.run`'s way with the store-and-claim through `Connection.execute` (not prepared)."""
    queue.lock_chat(connection, update_id)
    stored = connection.execute(store, {
        "stored_id": update_id, "chat": update_id, "body": {"update_id": update_id}, "now": now, "taker": "bench", "until": now,
    })
    if stored.first() is None:
        raise RuntimeError("update already stored: the database must be empty")
    _claims(connection, update_id, claims, now)


def _claims(connection: Connection, update_id: int, claims: int, now: Any) -> None:
    for _ in range(claims):
        if queue.claim_update(connection, update_id, update_id, "other", now, now) is not None:
            raise RuntimeError("a claim took the update it should find held")


async def measure(database_url: str, transactions: int) -> dict[str, Any]:
    database = await Database.connect(database_url)
    dialect = database.engine.dialect.name
    ids = itertools.count(1)
    now = database.clock()
    store_statement = queue._store_and_claim_statement(dialect)  # built once, as the bot's statements are

    async def through_session(statements: int) -> None:
        update_id = next(ids)
        async with database.sessions() as session, session.begin():
            await xact_lock(session, TELEGRAM_CHATS, fold32(update_id))
            connection = await session.connection()
            stored = await connection.execute(store_statement, {
                "stored_id": update_id, "chat": update_id, "body": {"update_id": update_id}, "now": now, "taker": "bench",
                "until": now,
            })
            if stored.first() is None:
                raise RuntimeError("update already stored: the database must be empty")
            for _ in range(statements - 1):
                await xact_lock(session, TELEGRAM_CHATS, fold32(update_id))
                connection = await session.connection()
                claimed = await connection.execute(
                    queue._claim_statement(), {"claimed_id": update_id, "now": now, "new_owner": "other", "new_until": now}
                )
                if claimed.first() is not None:
                    raise RuntimeError("a claim took the update it should find held")

    async def as_one_greenlet(statements: int) -> None:
        await database.run(_store_then_claims, next(ids), statements - 1, now)

    async def as_one_greenlet_unprepared(statements: int) -> None:
        await database.run(_store_unprepared_then_claims, store_statement, next(ids), statements - 1, now)

    store, customers = Store(database), itertools.cycle([f"c{n}" for n in range(CUSTOMERS)])
    for customer in range(CUSTOMERS):  # known customers: their turns load a stored conversation
        async with store.turn("bench", f"c{customer}", language="en"):
            pass

    async def turn_as_the_bot_opens_it() -> None:
        async with store.turn("bench", next(customers), language="en") as turn:
            if turn.conversation.id is None:
                raise RuntimeError("no conversation loaded")

    async def turn_through_the_session(locked: Any, probed: Any) -> None:
        key = {"channel": "bench", "customer_id": next(customers)}
        async with database.sessions() as session, session.begin():
            if is_postgresql(session):  # as `open_turn` there: the row locked, then the probe
                row = (await session.execute(locked, key)).first()
                probe = None
                if row is not None:
                    conversation_id = row[0].id if isinstance(row[0], Conversation) else row.id
                    probe = (await session.execute(conversations._PROBE, {"conversation_id": conversation_id})).first()
            else:
                row = probe = (await session.execute(probed, key)).first()
            if row is None or probe is None:
                raise RuntimeError("no conversation loaded")

    numbers = itertools.cycle([f"+86138{n:08d}" for n in range(CUSTOMERS)])

    async def read(sessions: Any) -> None:  # the SMS sender's rate and opt-out, one SELECT
        async with sessions() as session:
            await sms.sender(session, next(numbers), now)

    async def write(sessions: Any) -> None:  # a contact's MORE cleared, one upsert, committed
        async with sessions() as session, session.begin():
            await sms.save_more(session, next(numbers), None, None)

    ways: dict[str, Callable[[], Awaitable[None]]] = {
        f"{name}_{statements}_us": (lambda way=way, statements=statements: way(statements))
        for statements in (1, 3)
        for name, way in (("session", through_session), ("run_unprepared", as_one_greenlet_unprepared), ("run", as_one_greenlet))
    }
    ways |= {
        "turn_us": turn_as_the_bot_opens_it,
        "turn_orm_us": lambda: turn_through_the_session(_ENTITY_LOCKED, _ENTITY_PROBED),
        "turn_core_us": lambda: turn_through_the_session(_ROW_LOCKED, _ROW_PROBED),
        "read_us": lambda: read(database.sessions),
        "read_alone_us": lambda: read(database.autocommit_sessions),
        "write_us": lambda: write(database.sessions),
        "write_alone_us": lambda: write(database.autocommit_sessions),
    }
    timings: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for way in ways.values():  # warm: statements compiled and cached, connections open
            for _ in range(WARM):
                await way()
        for _ in range(max(1, transactions // TURN)):
            for name, way in ways.items():
                started = time.perf_counter()
                for _ in range(TURN):
                    await way()
                timings[name].append((time.perf_counter() - started) / TURN * 1e6)
    finally:
        await database.close()
    result: dict[str, Any] = {"database": database_url.split("+", 1)[0].split(":", 1)[0], "transactions": transactions}
    result.update({name: round(statistics.median(values), 1) for name, values in timings.items()})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=4000, help="of each kind")
    parser.add_argument("--database-url", help="an empty database to use (default: a temporary SQLite file)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="supportbot-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        result = asyncio.run(measure(url, args.transactions))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>16}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
