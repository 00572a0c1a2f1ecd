"""Fixtures of the learning tests: a runtime on the small knowledge base and a real database, and a
customer who says things to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Inbound
from bot.engine.types import Outcome
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import Clock, use_cached_matcher

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in Shanghai


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'learning.db'}"


@pytest.fixture
async def runtime(sqlite_url: str, small_kb: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    """A runtime on a fresh SQLite database and the small knowledge base (its files' matcher trained once)."""
    use_cached_matcher(monkeypatch)
    built = await build_runtime(load_settings(database_url=sqlite_url, knowledge_dir=small_kb), clock=Clock(NOW))
    try:
        yield built
    finally:
        await built.close()


async def say(runtime: Runtime, text: str, customer: str = "c1", **extra: object) -> Outcome:
    """One customer message on the console channel, through `Runtime.handle` as every channel does."""
    return await runtime.handle(Inbound(channel="console", customer_id=customer, text=text, **extra))  # type: ignore[arg-type]
