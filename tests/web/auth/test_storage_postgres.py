"""The staff tables: the migration matches the models and downgrades (SQLite and PostgreSQL), and the
login / session / invitation path on PostgreSQL, the production database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.invitations import StaffInvitations
from bot.staff.roles import Role
from bot.storage import Database
from bot.storage.database import alembic_config
from bot.storage.models import Base
from bot.web.auth.guard import SESSION_COOKIE
from tests.web.conftest import csrf_of, form_login, login, session_token

STAFF_TABLES = {"staff_users", "staff_sessions", "staff_invitations", "staff_audit"}


def _tables(diff: object) -> set[str]:
    names: set[str] = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item if isinstance(item, tuple) else (item,):
            if isinstance(part, str):
                names.add(part)
            for candidate in (getattr(part, "name", None), getattr(getattr(part, "table", None), "name", None)):
                if isinstance(candidate, str):
                    names.add(candidate)
    return names


async def test_migration_matches_the_models_and_downgrades(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            def diff(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection)
                return [d for d in compare_metadata(context, Base.metadata) if STAFF_TABLES & _tables(d)]

            assert await connection.run_sync(diff) == []
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0011"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert not STAFF_TABLES & tables
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert tables >= STAFF_TABLES
    finally:
        await database.close()


@pytest.fixture
async def web_settings_overrides(postgres_database: str | None) -> AsyncIterator[dict[str, Any]]:
    """`web_runtime` on an empty PostgreSQL database in this module."""
    if postgres_database is None:
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    from tests.conftest import _pg_execute

    await _pg_execute(postgres_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    yield {"database_url": postgres_database.replace("postgresql://", "postgresql+asyncpg://", 1)}


@pytest.mark.postgres
async def test_login_sessions_and_invitations_on_postgresql(staff_client: TestClient, client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    assert web_runtime.database.engine.dialect.name == "postgresql"
    admin, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    assert (await form_login(await client_factory(), admin.email, "not the password")).status == 401

    user = await StaffAccounts(web_runtime.database, web_runtime.clock).create("pg@example.com", "Pg", Role.AGENT)
    token = await StaffInvitations(web_runtime.database, web_runtime.clock).issue(user.id, admin.email)
    newcomer = await client_factory()
    page = await newcomer.get(f"/console/invite/{token}")
    form_token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    accepted = await newcomer.post(
        f"/console/invite/{token}", data={"csrf": form_token, "password": "postgres password", "confirm": "postgres password"}, allow_redirects=False
    )
    assert accepted.status == 302
    kept = session_token(newcomer)
    assert kept is not None

    response = await staff_client.post(f"/console/admin/users/{user.id}", data={"csrf": csrf, "action": "revoke"}, allow_redirects=False)
    assert response.status == 302
    replay = await (await client_factory()).get("/console/", allow_redirects=False, cookies={SESSION_COOKIE: kept})
    assert replay.status == 302 and replay.headers["Location"].startswith("/console/login")

    await staff_client.post("/console/logout", data={"csrf": csrf_of(staff_client)})
    assert session_token(staff_client) is None
    audit = await (await client_factory()).get("/console/admin/audit", allow_redirects=False)
    assert audit.status == 302
