"""Telegram topics storage: migration 0007 moves existing topics out of `escalations` (both databases),
downgrades back, matches the models; the repository functions."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage import Database
from bot.storage import telegram as topics
from bot.storage.database import alembic_config
from bot.storage.models import Base
from bot.storage.telegram import TopicPlace

CHAT = -1001234567890
OLD_COLUMNS = {"desk_chat_id", "topic_id", "card_message_id"}


async def test_upgrade_from_0006_moves_topics_and_downgrade_brings_them_back(database_url: str) -> None:
    database = await Database.connect(database_url, migrate=False)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "0006"))
            await connection.execute(
                text(
                    "INSERT INTO conversations (id, channel, customer_id, language, language_locked, blocked, "
                    "low_confidence_streak, state, created_at, updated_at) VALUES "
                    "(1, 'telegram', '42', 'en', false, false, 0, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for escalation_id, chat, topic, card in ((1, CHAT, 77, 501), (2, None, None, None), (3, CHAT, 78, None)):
                await connection.execute(
                    text(
                        "INSERT INTO escalations (id, conversation_id, reason, priority, status, created_at, updated_at, "
                        "desk_chat_id, topic_id, card_message_id) VALUES "
                        "(:id, 1, 'asked', 0, 'waiting', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :chat, :topic, :card)"
                    ),
                    {"id": escalation_id, "chat": chat, "topic": topic, "card": card},
                )
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            rows = (await connection.execute(text("SELECT * FROM telegram_topics ORDER BY escalation_id"))).all()
            assert [tuple(r) for r in rows] == [(1, CHAT, 77, 501), (3, CHAT, 78, None)]
            columns = await connection.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("escalations")})
            assert not OLD_COLUMNS & columns

            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0006"))
            back = (
                await connection.execute(text("SELECT id, desk_chat_id, topic_id, card_message_id FROM escalations ORDER BY id"))
            ).all()
            assert [tuple(r) for r in back] == [(1, CHAT, 77, 501), (2, None, None, None), (3, CHAT, 78, None)]
            assert "telegram_topics" not in await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
    finally:
        await database.close()


async def test_the_migrations_match_the_models(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    finally:
        await database.close()
    assert [d for d in diff if any(name in repr(d) for name in ("telegram_topics", "escalations"))] == []


async def test_topics_are_remembered_replaced_and_found(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO conversations (id, channel, customer_id, language, language_locked, blocked, "
                    "low_confidence_streak, state, created_at, updated_at) VALUES "
                    "(1, 'telegram', '42', 'en', false, false, 0, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for escalation_id in (1, 2):
                await session.execute(
                    text(
                        "INSERT INTO escalations (id, conversation_id, reason, priority, status, created_at, updated_at) "
                        "VALUES (:id, 1, 'asked', 0, 'waiting', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": escalation_id},
                )
        async with database.sessions() as session, session.begin():
            await topics.remember(session, 1, CHAT, 77, None)
            await topics.remember(session, 1, CHAT, 77, 501)  # the card posted: same row, updated
            await topics.remember(session, 2, CHAT, 80, 600)
        async with database.sessions() as session:
            assert await topics.place(session, 1) == TopicPlace(CHAT, 77, 501)
            assert await topics.place(session, 3) is None
            assert await topics.escalation_in(session, CHAT, 80) == 2
            assert await topics.escalation_in(session, CHAT + 1, 80) is None
            assert await topics.topics_in(session, CHAT, [1, 2, 3]) == {1: 77, 2: 80}
    finally:
        await database.close()
