"""Shared fixtures: a database on SQLite and on the local PostgreSQL, and a small knowledge base.

PostgreSQL is the production database and is tested for real. When the server is not reachable the
PostgreSQL variants skip locally, and fail when CI=true: `.ci/run` makes them mandatory.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parent.parent


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(autouse=True)
def no_model_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test trains its own matcher (tests of the model cache pass their own directory), and nothing is
    written under the working tree's data/."""
    monkeypatch.setenv("MODEL_CACHE_DIR", "off")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A throw-away PostgreSQL database for this test session (its asyncpg URL), or None if unreachable."""
    name = f"supportbot_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_execute(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if IN_CI:
            pytest.fail(f"PostgreSQL is mandatory in CI and is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        yield None
        return
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    yield url
    asyncio.run(_pg_execute(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str | None) -> AsyncIterator[str]:
    """A DATABASE_URL for an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    if postgres_database is None:
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    yield await _emptied(postgres_database)


@pytest.fixture
async def pg_url(postgres_database: str | None) -> AsyncIterator[str]:
    """An empty PostgreSQL database (asyncpg URL), for what only exists there (several instances, the
    pool's reconnects)."""
    if postgres_database is None:
        if IN_CI:
            pytest.fail("PostgreSQL is mandatory in CI")
        pytest.skip("PostgreSQL not reachable (mandatory when CI=true)")
    yield await _emptied(postgres_database)


async def _emptied(postgres_database: str) -> str:
    """The test session's PostgreSQL database with an empty schema, as an asyncpg URL."""
    await _pg_execute(postgres_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    return postgres_database.replace("postgresql://", "postgresql+asyncpg://", 1)


REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The URL of an empty Redis database (number 15, flushed before and after), for the scale-out tests.

    Skips when no server answers, and fails when CI=true: `.ci/run` makes the Redis tests mandatory.
    """
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        await client.aclose()
        if IN_CI:
            pytest.fail(f"Redis is mandatory in CI and is not reachable at {REDIS_TEST_URL}: {exc}")
        pytest.skip("Redis not reachable (mandatory when CI=true)")
    await client.flushdb()
    try:
        yield REDIS_TEST_URL
    finally:
        await client.flushdb()
        await client.aclose()


SMALL_FAQ = """\
- id: warranty.period
  title: {zh-Hans: 保修期, zh-Hant: 保固期, en: Warranty period}
  questions: [保修期多长时间, 保修几年, 质保期是多久, 保固多久, "How long is the warranty?", warranty period]
  answer:
    zh-Hans: 整机保修两年。
    zh-Hant: 整機保固兩年。
    en: The whole device has a two-year warranty.
- id: warranty.extended
  title: {zh-Hans: 延长保修, zh-Hant: 延長保固, en: Extended warranty}
  questions: [怎么购买延保, 延长保修多少钱, 可以延保吗, 延長保固怎麼買, "How do I buy an extended warranty?", extend my warranty]
  answer:
    zh-Hans: 购机一年内可购买延保。
    zh-Hant: 購機一年內可購買延長保固。
    en: You can buy an extended warranty within a year of purchase.
- id: battery.price
  title: {zh-Hans: 电池价格, zh-Hant: 電池價格, en: Battery price}
  questions: [换电池多少钱, 电池更换价格, 电池不耐用想换, 換電池要多少錢, "How much is a new battery?", battery replacement cost]
  answer:
    zh-Hans: 更换电池 199 元起。
    zh-Hant: 更換電池 199 元起。
    en: A battery replacement starts at 199 yuan.
- id: hotline.hours
  title: {zh-Hans: 热线时间, zh-Hant: 熱線時間, en: Hotline hours}
  questions: [客服电话多少, 热线几点上班, 客服几点下班, 客服電話幾點, "What are your hotline hours?", phone number of support]
  answer:
    zh-Hans: 热线 400-000-0000，每天 9:00-21:00。
    zh-Hant: 熱線 400-000-0000，每天 9:00-21:00。
    en: Call 400-000-0000, every day 9:00-21:00.
- id: complaint
  title: {zh-Hans: 投诉, zh-Hant: 投訴, en: Complaint}
  questions: [我要投诉, 服务太差了, 差评, 我要客訴, I want to file a complaint, terrible service]
  handoff: complaint
  answer:
    zh-Hans: 您的投诉我们已记录。
    zh-Hant: 您的投訴我們已記錄。
    en: We have recorded your complaint.
"""


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A five-entry knowledge directory (faq/ only) written for the test."""
    directory = tmp_path / "kb"
    (directory / "faq").mkdir(parents=True)
    (directory / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    return directory
