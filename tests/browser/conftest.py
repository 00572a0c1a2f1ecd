"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, and real `supportbot serve`
processes (two instances on one PostgreSQL database and Redis) with a vendor site on another origin.

Chromium comes from the system's packages (`.ci/run` installs it); Playwright never downloads a browser
here. Without Chromium, PostgreSQL or Redis the tests skip locally and fail when CI=true, like the
PostgreSQL fixtures of tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.browser.harness import Deployment, deployment, server_errors
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, REDIS_TEST_URL, _pg_execute

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is mandatory in CI (.ci/run installs it)")
    pytest.skip(f"{what} not available (mandatory when CI=true)")


@pytest.fixture(scope="package")
def browser_database() -> Iterator[str]:
    """A PostgreSQL database of its own for this module's servers (asyncpg URL), dropped after.

    Not the session's shared `postgres_database`: other modules reset that one's schema, and these
    servers keep their connections open for the whole package."""
    name = f"supportbot_browser_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_execute(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        _missing(f"PostgreSQL ({POSTGRES_ADMIN_URL}: {exc})")
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    asyncio.run(_pg_execute(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="package")
def browser_redis() -> Iterator[str]:
    """The test Redis database (TEST_REDIS_URL), flushed before and after."""
    try:
        _flush_redis(REDIS_TEST_URL)
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        _missing(f"Redis ({REDIS_TEST_URL}: {exc})")
    yield REDIS_TEST_URL
    _flush_redis(REDIS_TEST_URL)


@pytest.fixture(scope="package")
def bots(browser_database: str, browser_redis: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Instances A (the widget's) and B (the agents' console) on one database, the vendor site, the staff users."""
    if not Path(CHROMIUM).exists():  # no point starting servers nobody can look at
        _missing(f"Chromium ({CHROMIUM})")
    with deployment(browser_database, browser_redis, tmp_path_factory.mktemp("browser")) as running:
        yield running
    for server in running.servers():  # a traceback in a server's log (a bug, not a closed tab) fails the run
        errors = server_errors(server.log())
        assert not errors, f"supportbot serve ({server.name}) logged {len(errors)} traceback(s):\n" + "\n\n".join(errors)[-8000:]


@pytest.fixture
async def chromium() -> AsyncIterator[object]:
    """A headless Chromium (the system's), launched for one test."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        _missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("the Python package playwright")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()
