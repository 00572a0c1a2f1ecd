"""The learning tables on SQLite and PostgreSQL: the migration matches the models and downgrades; a
signal is stored once per (source, message) whoever collects it; the cursor and the active version."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.storage import Database, Store
from bot.storage import suggestions as repo
from bot.storage.database import alembic_config
from bot.storage.models import Base

TABLES = {"kb_signals", "kb_suggestions", "kb_versions", "kb_learning_state"}


def _tables(diff: object) -> set[str]:
    names: set[str] = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item if isinstance(item, tuple) else (item,):
            for attr in ("name", "table"):
                value = getattr(part, attr, None)
                if isinstance(value, str):
                    names.add(value)
                elif value is not None and isinstance(getattr(value, "name", None), str):
                    names.add(value.name)
    return names


async def test_migration_matches_the_models_and_downgrades(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            def diff(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection)
                return [d for d in compare_metadata(context, Base.metadata) if TABLES & _tables(d)]

            assert await connection.run_sync(diff) == []
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0012"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert not TABLES & tables
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
    finally:
        await database.close()


async def test_signals_are_stored_once_and_state_is_kept(database_url: str) -> None:
    database = await Database.connect(database_url)
    store = Store(database)
    try:
        async with store.turn("console", "c1", language="en") as turn:
            asked = await turn.record_inbound("text", "my phone fell in water", "en", None)
            await turn.record_outbound("not_understood", "Sorry", "en")
            conversation_id = turn.conversation.id
        async with database.sessions() as session, session.begin():
            upto = await repo.last_message_id(session)
            [failed], read_up_to = await repo.failed_turns(session, 0, upto)
            assert read_up_to == upto
            # A list cut by its limit says where it stopped, so the next collection goes on from there.
            assert await repo.failed_turns(session, 0, upto + 100, limit=1) == ([failed], failed.reply_id)
            assert (failed.source, failed.message_id, failed.text) == ("not_understood", asked, "my phone fell in water")
            row = {"source": "not_understood", "message_id": asked, "reply_id": failed.reply_id, "conversation_id": conversation_id,
                   "text": "my phone fell in water", "script": "en", "language": "en", "intent_id": None, "confidence": None}
            assert await repo.add_signals(session, [row, row]) == 1
            await repo.set_state(session, repo.SIGNAL_CURSOR, upto)
            await repo.set_state(session, repo.SIGNAL_CURSOR, upto + 5)
        async with database.sessions() as session, session.begin():
            assert await repo.add_signals(session, [row]) == 0  # another collection, another instance
            assert await repo.state_value(session, repo.SIGNAL_CURSOR) == upto + 5
            assert await repo.active_additions(session) == (0, {})
            suggestion_id = await repo.new_suggestion(session, "en", "my phone fell in water")
            [signal] = await repo.ungrouped_signals(session)
            await repo.attach(session, [signal.id], suggestion_id)
            version_id = await repo.add_version(session, {"examples": {"x": ["y"]}, "intents": []}, based_on=0, by="sup",
                                                note=None, evaluation=None)
            await repo.set_state(session, repo.ACTIVE_VERSION, version_id)
        async with database.sessions() as session:
            assert await repo.examples(session, suggestion_id) == [("my phone fell in water", 1)]
            assert await repo.active_additions(session) == (version_id, {"examples": {"x": ["y"]}, "intents": []})
    finally:
        await database.close()
