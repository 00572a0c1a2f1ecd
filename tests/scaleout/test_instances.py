"""A second instance on a database it cannot share is refused with one line; with PostgreSQL and
REDIS_URL it may start. Instances register, heartbeat, and leave; a dead one stops counting."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import pytest

from bot.cli import EXIT_REFUSED, main
from bot.instances import InstanceRefused, InstanceRegistry, refusal
from bot.storage import Database
from bot.storage import instances as repo
from bot.storage.instances import FRESH
from tests.support import WEDNESDAY_MORNING, Clock

REDIS = "redis://127.0.0.1:6379/13"


def test_the_rule() -> None:
    assert refusal("sqlite", None, []) is None  # alone: the embedded default
    assert refusal("postgresql", None, []) is None
    line = refusal("sqlite", REDIS, [("host-a", 42)])
    assert line is not None and "\n" not in line
    assert "another instance (host-a:42)" in line and "sqlite is one process's database" in line
    assert 'several instances need PostgreSQL and REDIS_URL (see README "Several instances")' in line
    assert "REDIS_URL is not set" in (refusal("postgresql", None, [("host-a", 42)]) or "")
    assert "REDIS_URL is not set" in (refusal("postgresql", "", [("host-a", 42)]) or "")
    assert refusal("postgresql", REDIS, [("host-a", 42)]) is None
    # Telegram hands updates to one getUpdates poller per bot: several instances take them by webhook.
    assert "set WEBHOOK_URL" in (refusal("postgresql", REDIS, [("host-a", 42)], polling=True) or "")
    assert refusal("postgresql", REDIS, [], polling=True) is None


async def test_second_instance_is_refused_or_allowed(database_url: str) -> None:
    clock = Clock(WEDNESDAY_MORNING)
    first_db = await Database.connect(database_url, clock=clock)
    second_db = await Database.connect(database_url, clock=clock)
    first = InstanceRegistry(first_db, host="host-a", pid=101)
    second = InstanceRegistry(second_db, host="host-b", pid=202)
    try:
        await first.register(None)
        with pytest.raises(InstanceRefused, match=r"another instance \(host-a:101\)"):
            await second.register(None)
        if database_url.startswith("postgresql"):
            await second.register(REDIS)  # PostgreSQL and Redis: several instances are fine
            async with first_db.sessions() as session:
                assert sorted(i.host for i in await repo.instances(session)) == ["host-a", "host-b"]
            await second.stop()
        else:
            with pytest.raises(InstanceRefused, match="sqlite is one process's database"):
                await second.register(REDIS)  # Redis does not make SQLite shareable
        # The first stops heartbeating (it died): after FRESH it no longer counts.
        clock.advance(seconds=FRESH.total_seconds() - 1)
        with pytest.raises(InstanceRefused):
            await second.register(None)
        clock.advance(seconds=2)
        await second.register(None)
        async with first_db.sessions() as session:
            assert [i.host for i in await repo.instances(session)] == ["host-b"]  # the dead row swept away
        await second.stop()
        async with first_db.sessions() as session:
            assert await repo.instances(session) == []  # a clean stop removes the row
    finally:
        await first_db.close()
        await second_db.close()


async def test_heartbeat_keeps_an_instance_counted(database_url: str) -> None:
    clock = Clock(WEDNESDAY_MORNING)
    database = await Database.connect(database_url, clock=clock)
    other = await Database.connect(database_url, clock=clock)
    first = InstanceRegistry(database, host="host-a", pid=101)
    second = InstanceRegistry(other, host="host-b", pid=202)
    try:
        await first.register(None)
        for _ in range(5):
            clock.advance(seconds=10)
            await first.beat()
        with pytest.raises(InstanceRefused):
            await second.register(None)
        # A row swept while its instance stalled is put back by the next heartbeat.
        async with database.sessions() as session, session.begin():
            await repo.unregister(session, first.id)
        await first.beat()
        with pytest.raises(InstanceRefused):
            await second.register(None)
    finally:
        await database.close()
        await other.close()


async def test_a_crashed_instance_on_this_host_does_not_block_its_restart(database_url: str) -> None:
    clock = Clock(WEDNESDAY_MORNING)
    database = await Database.connect(database_url, clock=clock)
    try:
        async with database.sessions() as session, session.begin():
            await repo.register(session, "crashed", socket.gethostname(), os.getpid(), clock.now)  # same host and pid: gone
        await InstanceRegistry(database).register(None)
    finally:
        await database.close()


def test_serve_refuses_a_second_instance_in_one_line(database_url: str, small_kb: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    async def someone_running() -> None:
        database = await Database.connect(database_url)
        now = dt.datetime.now(dt.UTC)
        async with database.sessions() as session, session.begin():
            await repo.register(session, "other", "other-host", 4242, now)
        await database.close()

    asyncio.run(someone_running())
    monkeypatch.setenv("SMS_WEBHOOK_SECRET", "x" * 32)  # something to serve
    monkeypatch.setenv("MODEL_CACHE_DIR", "off")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    code = main(["serve", "--db", database_url, "--kb", str(small_kb)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_REFUSED
    assert err[-1].startswith("supportbot: another instance (other-host:4242) is running on this database")
