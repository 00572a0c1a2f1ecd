"""GET /metrics and GET /healthz through the real aiohttp application, after real turns.

Storage runs on SQLite and PostgreSQL; /healthz checks a real Redis (`redis_url`, TEST_REDIS_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.engine import Inbound
from bot.handoff.desk import RecordingDesk
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage import sms as sms_repo
from bot.storage import sms_outbox
from tests.support import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def runtime(database_url: str, small_kb: Path, clock: Clock) -> AsyncIterator[Runtime]:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb), clock=clock)
    runtime.metrics.cache_seconds = 0  # every scrape reads the database again
    yield runtime
    await runtime.close()


@contextlib.asynccontextmanager
async def client_for(runtime: Runtime) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics as {(name, sorted labels): value}."""
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def said(text: str, customer: str = "c1") -> Inbound:
    return Inbound(channel="console", customer_id=customer, text=text)


async def test_metrics_count_turns_confidence_and_handoffs_and_read_the_queue(runtime: Runtime, clock: Clock) -> None:
    runtime.handoff.desk = RecordingDesk()  # an agents' desk whose outbox nobody publishes here
    async with client_for(runtime) as client:
        before = await scrape(client)
        assert before[("supportbot_metrics_database_up", ())] == 1
        assert before[("supportbot_handoff_queue_length", (("status", "waiting"),))] == 0
        assert before[("supportbot_handoff_oldest_wait_seconds", ())] == 0
        assert ("supportbot_turns_total", (("channel", "console"),)) not in before

        answer = await runtime.handle(said("保修期多长时间？"))
        [reply] = answer.replies
        assert reply.confidence is not None
        await runtime.handle(said("明天北京天气怎么样", customer="c2"))
        handed = await runtime.handle(said("股票会涨吗", customer="c2"))  # second low-confidence turn: a person
        assert handed.handoff is not None and handed.handoff.reason == "low_confidence"
        await runtime.handle(said("我要投诉", customer="c3"))
        await runtime.handle(said("还在吗", customer="c3"))  # already with a person: relayed, no new hand-off
        clock.advance(seconds=90)

        after = await scrape(client)
    console = (("channel", "console"),)
    assert after[("supportbot_turns_total", console)] == 5
    assert after[("supportbot_turn_seconds_count", console)] == 5
    assert after[("supportbot_turn_seconds_sum", console)] > 0
    assert after.get(("supportbot_turn_errors_total", console), 0) == 0
    # The FAQ answer's confidence lands in its bucket (and the bucket counts are cumulative).
    assert after[("supportbot_match_confidence_count", ())] >= 1
    assert after[("supportbot_match_confidence_bucket", (("le", "+Inf"),))] == after[("supportbot_match_confidence_count", ())]
    assert after[("supportbot_match_confidence_sum", ())] >= reply.confidence
    assert after[("supportbot_handoffs_total", (("reason", "low_confidence"),))] == 1
    assert after[("supportbot_handoffs_total", (("reason", "complaint"),))] == 1
    # Read from the database at scrape time, on the bot's clock: two customers wait since 90 s.
    assert after[("supportbot_handoff_queue_length", (("status", "waiting"),))] == 2
    assert after[("supportbot_handoff_queue_length", (("status", "assigned"),))] == 0
    assert after[("supportbot_handoff_oldest_wait_seconds", ())] == 90
    # Each hand-off's card (and the relayed message) waits in the agents' outbox since 90 s.
    agents = (("outbox", "agents"),)
    assert after[("supportbot_outbox_pending", agents)] >= 2
    assert after[("supportbot_outbox_lag_seconds", agents)] == 90
    assert after[("supportbot_outbox_failed", agents)] == 0
    assert after[("supportbot_outbox_pending", (("outbox", "sms"),))] == 0
    assert after[("supportbot_outbox_lag_seconds", (("outbox", "sms"),))] == 0
    # Telegram customers' replies (bot/storage/telegram_outbox.py): none on the console.
    assert after[("supportbot_outbox_pending", (("outbox", "telegram"),))] == 0


async def test_the_sms_outbox_lag_and_failures(runtime: Runtime, clock: Clock) -> None:
    async with runtime.database.sessions() as session, session.begin():
        first = await sms_outbox.enqueue(session, "+8613800138000", "one", "reply")
        await sms_outbox.enqueue(session, "+8613800138001", "two", "reply")
        (claimed,) = await sms_outbox.claim_due(session, clock(), clock() + dt.timedelta(minutes=1), 1)
        assert claimed.id == first
        assert await sms_outbox.finish_outbound(session, claimed, status=sms_repo.OUTBOX_FAILED)
    clock.advance(minutes=2)
    async with runtime.database.sessions() as session, session.begin():
        await sms_outbox.enqueue(session, "+8613800138002", "three", "reply")
    async with client_for(runtime) as client:
        samples = await scrape(client)
    sms = (("outbox", "sms"),)
    assert (samples[("supportbot_outbox_pending", sms)], samples[("supportbot_outbox_failed", sms)]) == (2, 1)
    assert samples[("supportbot_outbox_lag_seconds", sms)] == 120  # the oldest unsent, not the failed one


class _Unreachable:
    """A database whose server is gone (refuses) or hangs (never answers)."""

    def __init__(self, hang: bool) -> None:
        self.hang = hang

    @contextlib.asynccontextmanager
    async def sessions(self) -> AsyncIterator[Any]:
        if self.hang:
            await asyncio.sleep(3600)
        raise ConnectionRefusedError("connection refused")
        yield  # pragma: no cover


@pytest.mark.parametrize("hang", [False, True], ids=["refused", "hanging"])
async def test_metrics_answer_when_the_database_is_down(runtime: Runtime, hang: bool) -> None:
    await runtime.handle(said("保修期多长时间？"))
    async with client_for(runtime) as client:
        assert (await scrape(client))[("supportbot_handoff_queue_length", (("status", "waiting"),))] == 0
        database, runtime.database = runtime.database, _Unreachable(hang)  # type: ignore[assignment]
        runtime.metrics.timeout = 0.2
        try:
            down = await scrape(client)
        finally:
            runtime.database = database
        # The process's own counters are still there; the database figures are left out, not stale.
        assert down[("supportbot_turns_total", (("channel", "console"),))] == 1
        assert down[("supportbot_metrics_database_up", ())] == 0
        assert not [key for key in down if key[0].startswith(("supportbot_handoff_queue", "supportbot_outbox"))]
        back = await scrape(client)
        assert back[("supportbot_metrics_database_up", ())] == 1
        assert back[("supportbot_handoff_queue_length", (("status", "waiting"),))] == 0


async def test_two_runtimes_count_apart(runtime: Runtime, small_kb: Path, tmp_path: Path) -> None:
    other = await build_runtime(load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'other.db'}", knowledge_dir=small_kb))
    try:
        await runtime.handle(said("保修期多长时间？"))
        async with client_for(other) as client:
            assert ("supportbot_turns_total", (("channel", "console"),)) not in await scrape(client)
    finally:
        await other.close()


async def test_telegram_429s_are_counted(tmp_path: Path) -> None:
    from bot.channels.telegram.bot import create_telegram
    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.telegram.conftest import make_settings

    async with FakeTelegramAPI() as api:
        runtime = await build_runtime(make_settings(api, tmp_path))
        try:
            bot, _, _ = create_telegram(runtime, pacer=False)
            api.fail_next("sendMessage", 1, 429, retry_after=1)
            try:
                await bot.send_message(chat_id=42, text="hi")  # waited out, then sent
            finally:
                await bot.session.close()
            async with client_for(runtime) as client:
                samples = await scrape(client)
        finally:
            await runtime.close()
    assert samples[("supportbot_telegram_retry_after_total", (("method", "sendMessage"),))] == 1


# -- /healthz --------------------------------------------------------------------------------------


async def test_healthz_checks_redis_when_configured(database_url: str, small_kb: Path, redis_url: str) -> None:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb, redis_url=redis_url))
    try:
        async with client_for(runtime) as client:
            response = await client.get("/healthz")
            assert response.status == 200
            assert await response.json() == {"database": True, "redis": True, "knowledge": 5}
    finally:
        await runtime.close()


@pytest.mark.parametrize("bad_url", ["redis://127.0.0.1:1/0", "redis://no-such-host.invalid:6379/0"])
async def test_healthz_reports_redis_down_without_failing(runtime: Runtime, bad_url: str) -> None:
    # Configured after start-up: the server went away while the bot runs. Every instance falls back to
    # its own limits meanwhile, so the instance stays in the load balancer (all would fail at once).
    runtime.settings = runtime.settings.model_copy(update={"redis_url": bad_url})
    async with client_for(runtime) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"database": True, "redis": False, "knowledge": 5}


async def test_healthz_without_redis_is_healthy(runtime: Runtime) -> None:
    async with client_for(runtime) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"database": True, "redis": None, "knowledge": 5}


async def test_a_turn_that_raises_is_counted_as_an_error(runtime: Runtime) -> None:
    async def broken(inbound: Inbound, keep: object = None) -> None:
        raise RuntimeError("database went away mid-turn")

    runtime.engine.handle = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        await runtime.handle(Inbound(channel="telegram", customer_id="42", text="hi"))
    async with client_for(runtime) as client:
        samples = await scrape(client)
    telegram = (("channel", "telegram"),)
    assert (samples[("supportbot_turns_total", telegram)], samples[("supportbot_turn_errors_total", telegram)]) == (1, 1)
    assert samples[("supportbot_turn_seconds_count", telegram)] == 1
