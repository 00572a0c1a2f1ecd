"""Fixtures of the multi-instance tests (helpers in claims_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import IN_CI, _pg_execute
from tests.sms.conftest import fake_twilio  # noqa: F401 - a fixture, for the SMS replay test


@pytest.fixture
async def pg_url(postgres_database: str | None) -> AsyncIterator[str]:
    """An empty PostgreSQL database (asyncpg URL): the multi-instance paths only exist there."""
    if postgres_database is None:
        if IN_CI:
            pytest.fail("PostgreSQL is mandatory in CI")
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    await _pg_execute(postgres_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    yield postgres_database.replace("postgresql://", "postgresql+asyncpg://", 1)
