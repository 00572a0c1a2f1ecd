"""What a customer's turn costs the database, counted rather than timed (timings are flaky in CI).

A plain FAQ turn of a known customer is one transaction of a few statements (benchmarks/pipeline.py
reports the same count as `statements_per_update`); the turn's inbound message and replies go in one
INSERT whose ids must come back in the replies' order; on SQLite no statement goes through aiosqlite's
thread (bot/storage/sqlite_driver.py); and no statement on that path is rewritten at each execution
(an IN list of constants is expanded into the SQL every time, plain parameters are compiled once).
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from bot.engine import Inbound
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage import Database, Store, messages
from bot.storage import telegram_outbox as outbox
from bot.storage import telegram_queue as updates
from bot.storage.models import Conversation
from bot.storage.sqlite_driver import InlineConnection
from tests.support import DriverTrips, benchmark_module


@pytest.fixture
async def runtime(database_url: str, small_kb: Path) -> AsyncIterator[Runtime]:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    yield runtime
    await runtime.close()


def _statements(database: Database) -> list[str]:
    """Every statement the database is sent from now on (BEGIN IMMEDIATE included on SQLite), and COMMIT."""
    sent: list[str] = []
    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: sent.append(statement.split()[0]))
    event.listen(engine, "commit", lambda _c: sent.append("COMMIT"))
    return sent


def _question(runtime: Runtime) -> str:
    return next(q for e in runtime.knowledge.operator_entries if e.handoff is None and e.flow is None for q in e.questions)


async def test_a_faq_turn_of_a_known_customer_is_a_handful_of_statements(runtime: Runtime) -> None:
    question = _question(runtime)
    await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="1"))
    sent = _statements(runtime.database)
    outcome = await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="2"))
    assert outcome.replies and not outcome.duplicate
    # Lock and read the conversation (on SQLite with what the hand-off needs to know; on PostgreSQL that
    # is a second SELECT once the lock is held), one INSERT for the message and its replies, the
    # conversation's UPDATE when it changed, COMMIT. SQLite's BEGIN IMMEDIATE travels with the first
    # statement, asyncpg's BEGIN is no statement: neither is in `sent`.
    assert sent.count("INSERT") == 1, sent
    assert sent.count("COMMIT") == 1, sent
    assert len(sent) <= (4 if runtime.database.engine.dialect.name == "sqlite" else 5), sent


async def test_a_redelivered_message_is_one_rolled_back_turn(runtime: Runtime) -> None:
    question = _question(runtime)
    first = await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="7"))
    again = await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="7"))
    assert again.duplicate and not again.replies
    transcript = await runtime.store.transcript(first.conversation_id)
    assert [m.direction for m in transcript] == ["in"] + ["out"] * len(first.replies)


async def test_one_insert_gives_the_replies_their_ids_in_order(runtime: Runtime) -> None:
    async with runtime.database.sessions() as session, session.begin():
        conversation = Conversation(channel="test", customer_id="c9", language="en", state={})
        session.add(conversation)
        await session.flush()
        inbound: dict[str, Any] = {"conversation_id": conversation.id, "direction": "in", "kind": "text", "text": "q", "external_id": "x"}
        replies = [{"conversation_id": conversation.id, "direction": "out", "kind": "info", "text": f"reply {n}"} for n in range(5)]
        inbound_id, ids = await messages.insert_turn(session, inbound, replies)
        assert inbound_id is not None and ids == sorted(ids) and inbound_id < ids[0]
        stored = await messages.by_ids(session, ids)
        assert [stored[i].text for i in ids] == [f"reply {n}" for n in range(5)]
        again, more = await messages.insert_turn(session, inbound, replies[:1])
        assert again is None and len(more) == 1


@pytest.fixture
async def sqlite_runtime(tmp_path: Path, small_kb: Path) -> AsyncIterator[Runtime]:
    runtime = await build_runtime(load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}", knowledge_dir=small_kb))
    yield runtime
    await runtime.close()


async def test_sqlite_statements_make_no_trip_to_the_driver_thread(sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import sqlite_driver

    runtime = sqlite_runtime
    assert sqlite_driver.SUPPORTED, "aiosqlite or SQLAlchemy moved the internals sqlite_driver.py relies on"
    trips = DriverTrips(monkeypatch)
    question = _question(runtime)
    await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="1"))
    async with runtime.database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, InlineConnection)
    sent = _statements(runtime.database)
    trips.count = 0
    outcome = await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="2"))
    assert outcome.replies
    # The turn's statements and its COMMIT ran (and were stored: read back below), none through the thread.
    assert "INSERT" in sent and "COMMIT" in sent, sent
    assert trips.count == 0, (trips.count, sent)
    transcript = await runtime.store.transcript(outcome.conversation_id)
    assert [m.external_id for m in transcript if m.direction == "in"] == ["1", "2"]


def _expanded(runtime: Runtime) -> list[str]:
    """The statements sent from now on (until the runtime closes) whose SQL SQLAlchemy rewrites at each
    execution ("post-compile" parameters: IN lists), by their first words."""
    found: list[str] = []

    def check(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        compiled = getattr(context, "compiled", None)
        if compiled is not None and compiled.post_compile_params:
            found.append(" ".join(statement.split()[:4]))

    event.listen(runtime.database.engine.sync_engine, "before_cursor_execute", check)
    return found


async def test_a_turn_and_an_updates_bookkeeping_are_compiled_once(runtime: Runtime) -> None:
    question = _question(runtime)
    await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="1"))
    expanded = _expanded(runtime)
    await runtime.handle(Inbound(channel="test", customer_id="c1", text=question, external_id="2"))
    # What every Telegram update goes through besides the turn: stored, its replies queued and marked
    # sent (several at once), recorded handled.
    database, now = runtime.database, runtime.clock()
    taken = await database.run(updates.store_and_claim, 1, 42, {"update_id": 1}, "me", now, now)
    assert isinstance(taken, updates.QueuedUpdate)
    ids, leased = await database.run(outbox.enqueue_messages, 42, "msg:1", [("sendMessage", {"text": "a"}), ("sendMessage", {"text": "b"})], now, "me", now)
    assert leased and len(ids) == 2

    def finish(connection: Connection) -> None:
        outbox.mark_sent(connection, ids, now)
        assert updates.finish_update(connection, 1, 42, "me", now) is None

    await database.run(finish)
    assert expanded == []
    # Both were marked sent: the chat's next message has nothing unsent ahead of it and goes at once.
    _, leased = await database.run(outbox.enqueue_messages, 42, "msg:2", [("sendMessage", {"text": "c"})], now, "me", now)
    assert leased


async def test_the_transaction_cost_benchmark_stores_what_it_times(database_url: str) -> None:
    """benchmarks/transaction_cost.py leans on the inbox's own statements: its three ways must keep running
    the same ones (a store, then two claims finding nothing), and each transaction must commit its update.
    Its three ways of opening a turn send the same statements as `conversations.open_turn`, whose result
    they read as an entity built from a prepared row (the bot's way), an ORM entity, and a plain row."""
    from sqlalchemy import func, select
    from sqlalchemy.engine import Engine

    benchmark = benchmark_module("transaction_cost")
    sent: list[str] = []
    turns: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()[:3]))
        if "FROM conversations" in statement:
            turns.append(statement)

    url = database_url
    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = await benchmark.measure(url, benchmark.TURN)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert {f"{way}_{n}_us" for way in ("session", "run_unprepared", "run") for n in (1, 3)} | {"turn_us", "turn_orm_us", "turn_core_us"} <= set(result)
    transactions = benchmark.WARM + benchmark.TURN  # of each of the nine kinds
    # Each customer's first turn found no conversation and created it; the turns timed load it, the three
    # ways alike: on SQLite one SELECT with the probe's EXISTS, on PostgreSQL the row locked, then the
    # probe (a first contact there reads the row twice, before and after creating it, then probes).
    loads = {text: n for text, n in collections.Counter(turns).items() if n > benchmark.CUSTOMERS}
    assert any("EXISTS" in text for text in loads)
    if database_url.startswith("postgresql"):
        locked = [n for text, n in loads.items() if "FOR UPDATE" in text]
        assert len(loads) == 2 and locked == [2 * benchmark.CUSTOMERS + 3 * transactions]
        assert set(loads.values()) - set(locked) == {benchmark.CUSTOMERS + 3 * transactions}
    else:
        assert list(loads.values()) == [benchmark.CUSTOMERS + 3 * transactions]
    assert sent.count("INSERT INTO telegram_updates") == 6 * transactions
    assert sent.count("UPDATE telegram_updates SET") == 3 * 2 * transactions  # the 3-statement kinds, all three ways
    database = await Database.connect(url)
    try:
        async with database.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(updates.TelegramUpdate))
    finally:
        await database.close()
    assert stored == 6 * transactions


async def test_a_turns_conversation_is_the_stored_row_and_writes_back_what_the_turn_changed(database_url: str) -> None:
    """`open_turn` reads the row with prepared statements and hands it to the session as loaded: the
    entity holds the stored values, a change made during the turn is written at its commit, and a turn
    that changes nothing writes nothing."""
    database = await Database.connect(database_url)
    store = Store(database)
    try:
        async with store.turn("test", "c1", language="zh-Hant", display_name="陳") as turn:
            turn.conversation.state = {"flow": "booking", "slots": {"fault": "屏幕"}}
        async with store.turn("test", "c1", language="en") as turn:
            loaded = turn.conversation
            assert (loaded.language, loaded.display_name, loaded.state) == ("zh-Hant", "陳", {"flow": "booking", "slots": {"fault": "屏幕"}})
            assert loaded.created_at is not None and loaded.language_locked is False and loaded.id is not None
            loaded.language_locked, loaded.reminders_off = True, True
        sent = _statements(database)
        async with store.turn("test", "c1", language="en", display_name="陳") as turn:
            assert turn.conversation.language_locked is True and turn.conversation.reminders_off is True
        assert "UPDATE" not in sent and sent.count("COMMIT") == 1, sent
        async with store.turn("test", "c1", language="en", display_name="Chan"):
            pass
        stored = await store.conversation("test", "c1")
        assert stored is not None and stored.display_name == "Chan"
    finally:
        await database.close()
