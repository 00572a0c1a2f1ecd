"""Storage on SQLite and PostgreSQL: migrations, turns, de-duplication, the queue."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.storage import Database, Store


@pytest.fixture
async def store(database_url: str):  # type: ignore[no-untyped-def]
    database = await Database.connect(database_url)
    yield Store(database)
    await database.close()


async def test_migrations_create_the_schema_and_are_idempotent(database_url: str) -> None:
    database = await Database.connect(database_url)
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"conversations", "messages", "escalations", "alembic_version"} <= tables
    await database.close()
    again = await Database.connect(database_url)  # already at head: nothing to do, no error
    assert await again.ping()
    await again.close()


async def test_turn_keeps_conversation_state_and_transcript(store: Store) -> None:
    async with store.turn("console", "c1", language="en", display_name="Ann") as turn:
        first = await turn.record_inbound("text", "hello", "en", "m1")
        await turn.record_outbound("answer", "hi", "en", "smalltalk.greeting", 0.9)
        turn.conversation.state = {"flow": "demo", "step": 2}
        conversation_id = turn.conversation.id
    assert first is not None
    async with store.turn("console", "c1", language="zh-Hans") as turn:
        assert turn.conversation.id == conversation_id
        assert turn.conversation.state == {"flow": "demo", "step": 2}
        assert turn.conversation.language == "en"  # the first language sticks until the engine changes it
        assert turn.conversation.display_name == "Ann"
    transcript = await store.transcript(conversation_id)
    assert [(m.direction, m.text) for m in transcript] == [("in", "hello"), ("out", "hi")]


async def test_redelivered_message_is_recognised(store: Store) -> None:
    async with store.turn("telegram", "42", language="en") as turn:
        assert await turn.record_inbound("text", "hello", None, "update-7") is not None
    async with store.turn("telegram", "42", language="en") as turn:
        assert await turn.record_inbound("text", "hello", None, "update-7") is None
        # The turn stays usable after the duplicate was refused.
        assert await turn.record_inbound("text", "again", None, "update-8") is not None
    assert await store.count_messages() == 2


async def test_failed_turn_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.turn("console", "c2", language="en") as turn:
            await turn.record_inbound("text", "lost?", None, None)
            raise RuntimeError("crash in the middle of a turn")
    assert await store.count_messages() == 0
    assert await store.conversation("console", "c2") is None


async def test_plain_core_work_is_one_transaction_on_its_own_or_in_a_session(store: Store) -> None:
    """`Database.run` commits what returns and undoes what raises; `in_session` work belongs to the
    session's transaction, committed or undone with it."""
    from bot.storage import telegram_queue
    from bot.storage.database import in_session

    database, now = store.database, store.database.clock()

    def store_then(connection: Connection, update_id: int, fail: bool) -> list[int]:
        stored = telegram_queue.store_updates(connection, [(update_id, update_id, {"update_id": update_id})], now)
        if fail:
            raise RuntimeError("after the statement")
        return stored

    assert await database.run(store_then, 1, False) == [1]
    with pytest.raises(RuntimeError):
        await database.run(store_then, 2, True)
    with pytest.raises(RuntimeError):
        async with database.sessions() as session, session.begin():
            assert await in_session(session, store_then, 3, False) == [3]
            raise RuntimeError("the session's transaction fails")
    async with database.sessions() as session, session.begin():
        await in_session(session, store_then, 4, False)
    pending = await database.run(telegram_queue.orphan_updates, now + dt.timedelta(days=1), now + dt.timedelta(days=1))
    assert sorted(update_id for update_id, _ in pending) == [1, 4]


async def test_a_callback_on_commit_runs_after_a_commit_once_and_never_after_a_rollback(store: Store) -> None:
    from bot.storage.database import on_commit

    calls: list[str] = []

    def woken() -> None:
        calls.append("woken")

    def broken() -> None:
        raise RuntimeError("a callback's own failure")

    async with store.turn("console", "c1", language="en") as turn:
        on_commit(turn.session, broken)
        on_commit(turn.session, woken)
        on_commit(turn.session, woken)
        await turn.record_inbound("text", "kept", None, "m1")
        async with turn.session.begin_nested():  # a savepoint released is not the commit
            pass
        assert calls == []  # not before the commit: what it wrote is not visible yet
    assert calls == ["woken"]  # once; the broken one was logged and the turn stays committed
    assert await store.count_messages() == 1
    with pytest.raises(RuntimeError):
        async with store.turn("console", "c1", language="en") as turn:
            on_commit(turn.session, woken)
            raise RuntimeError("the turn fails")
    async with store.turn("console", "c1", language="en"):
        pass  # the failed turn's callback was forgotten with it
    assert calls == ["woken"]


async def test_concurrent_first_messages_make_one_conversation(store: Store) -> None:
    async def first_contact(n: int) -> int:
        async with store.turn("sms", "+8613800000000", language="zh-Hans") as turn:
            await turn.record_inbound("text", f"msg {n}", None, f"sid-{n}")
            return turn.conversation.id

    ids = await asyncio.gather(*(first_contact(n) for n in range(8)))
    assert len(set(ids)) == 1
    assert await store.count_messages() == 8


async def test_queue_orders_by_priority_then_age_and_reuses_open_escalation(store: Store) -> None:
    for customer, reason, priority in [("a", "low_confidence", 0), ("b", "complaint", 2), ("c", "human", 1)]:
        async with store.turn("console", customer, language="en") as turn:
            await turn.open_escalation(reason, priority)
    async with store.turn("console", "a", language="en") as turn:
        again = await turn.open_escalation("complaint", 2)  # same customer: raise priority, no second row
    queue = await store.queue()
    assert [(row.customer_id, row.reason, row.priority) for row in queue] == [
        ("a", "low_confidence", 2),
        ("b", "complaint", 2),
        ("c", "human", 1),
    ]
    assert again.id == queue[0].id


async def test_blocked_flag(store: Store) -> None:
    async with store.turn("telegram", "99", language="en"):
        pass
    assert not await store.is_blocked("telegram", "99")
    await store.set_blocked("telegram", "99", True)
    assert await store.is_blocked("telegram", "99")


def test_no_sql_outside_the_storage_package() -> None:
    """Every statement is a repository function in bot/storage; the rest of the bot calls those."""
    import re
    from pathlib import Path

    sql = re.compile(
        r"(?<![.\w])(select|insert|update|delete)\(|\.(execute|scalars?)\(|on_conflict_do|with_for_update|session\.(add|get|flush)\("
    )
    root = Path(__file__).resolve().parents[1] / "bot"
    offenders = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in root.rglob("*.py")
        if "storage" not in path.relative_to(root).parts[:1]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sql.search(line) and "sqlalchemy" not in line
    ]
    assert offenders == []


def test_the_hand_off_tables_know_nothing_of_telegram() -> None:
    from bot.storage.handoff import EscalationView
    from bot.storage.models import Escalation

    telegram = {"desk_chat_id", "topic_id", "card_message_id"}
    assert not telegram & set(Escalation.__table__.columns.keys())
    assert not telegram & set(EscalationView.__dataclass_fields__)


def test_one_of_matches_like_in_with_constants() -> None:
    from sqlalchemy import column, select
    from sqlalchemy.dialects import sqlite

    from bot.storage.database import one_of

    status = column("status")
    assert "status = " in str(select(status).where(one_of(status, ("waiting", "assigned"))).compile(dialect=sqlite.dialect()))
    # No values, no row (as `IN ()`); a string is one value, not its letters.
    assert str(select(status).where(one_of(status, ())).compile(dialect=sqlite.dialect())).endswith("WHERE 0 = 1")
    with pytest.raises(TypeError):
        one_of(status, "waiting")
