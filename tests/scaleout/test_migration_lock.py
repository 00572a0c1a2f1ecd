"""Instances starting together migrate an empty database once: an advisory lock on PostgreSQL, the
upgrade's BEGIN IMMEDIATE on SQLite."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.storage import Database


async def test_instances_starting_together_on_an_empty_database_all_succeed(database_url: str) -> None:
    databases = await asyncio.gather(*(Database.connect(database_url, migrate=True) for _ in range(3)))
    try:
        async with databases[0].engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            tables = {"bot_instances", "handoff_outbox", "sms_inbox"}
            for table in tables:  # the schema is whole: 0008's columns included
                await connection.execute(text(f"SELECT * FROM {table} LIMIT 0"))
            await connection.execute(text("SELECT claimed_by, lease_until FROM handoff_outbox LIMIT 0"))
            await connection.execute(text("SELECT claimed_by, lease_until FROM sms_inbox LIMIT 0"))
        assert len(versions) == 1
        again = await Database.connect(database_url, migrate=True)  # and later starts find nothing to do
        await again.close()
    finally:
        for database in databases:
            await database.close()


async def test_0008_downgrades_and_upgrades_again(database_url: str) -> None:
    from alembic import command

    from bot.storage.database import alembic_config

    database = await Database.connect(database_url, migrate=True)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0007"))
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            await connection.execute(text("SELECT claimed_by, lease_until FROM sms_inbox LIMIT 0"))
    finally:
        await database.close()
