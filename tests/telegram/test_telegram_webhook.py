"""Webhook mode and the web application: setWebhook with a secret, 403 without it, updates POSTed to
our aiohttp server answered through the fake Bot API, and GET /healthz."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import create_app
from bot.channels.telegram.webhook import SECRET_HEADER, start_webhook, webhook_secret
from bot.engine.messages import say
from bot.runtime import Runtime, build_runtime
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI, html_to_text
from tests.telegram.conftest import build_harness, make_settings

ADA = 3001
WEBHOOK_URL = "https://bot.example.com/hooks/telegram"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_url": WEBHOOK_URL, "webhook_secret": None}


class Server:
    def __init__(self, runner: web.AppRunner) -> None:
        self.runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"


@pytest.fixture
async def server(api: FakeTelegramAPI, runtime: Runtime) -> AsyncIterator[Server]:
    harness = build_harness(api, runtime)
    runner = await start_webhook(runtime, harness.bot, harness.dispatcher, host="127.0.0.1", port=0)
    try:
        yield Server(runner)
    finally:
        await runner.cleanup()


async def _post(url: str, update: dict[str, Any], secret: str | None) -> aiohttp.ClientResponse:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as response:
        await response.read()
        return response


async def test_webhook_is_registered_with_a_derived_secret(server: Server, api: FakeTelegramAPI) -> None:
    [call] = api.calls_to("setWebhook")
    assert call["url"] == WEBHOOK_URL
    assert call["secret_token"] == webhook_secret(BOT_TOKEN)
    assert "message" in call["allowed_updates"] and "callback_query" in call["allowed_updates"]
    assert "my_chat_member" in call["allowed_updates"]
    assert len(api.calls_to("setMyCommands")) == 3


async def test_updates_with_the_secret_are_answered(server: Server, api: FakeTelegramAPI) -> None:
    update = api.message(ADA, "How long is the warranty?")
    response = await _post(server.url + "/hooks/telegram", update, webhook_secret(BOT_TOKEN))
    assert response.status == 200
    [answer] = await api.wait_sent(ADA, 1)
    assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
    # Telegram retrying the same update does not produce a second answer.
    assert (await _post(server.url + "/hooks/telegram", update, webhook_secret(BOT_TOKEN))).status == 200
    second = api.message(ADA, "/start")
    assert (await _post(server.url + "/hooks/telegram", second, webhook_secret(BOT_TOKEN))).status == 200
    sent = await api.wait_sent(ADA, 2)
    assert html_to_text(sent[1]["text"]) == say("welcome", "en", brand="Acme Care")
    assert len(api.sent(ADA)) == 2


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_updates_without_the_right_secret_get_403(server: Server, api: FakeTelegramAPI, secret: str | None) -> None:
    response = await _post(server.url + "/hooks/telegram", api.message(ADA, "/start"), secret)
    assert response.status == 403
    # Nothing reached the dispatcher: the next real update is the first thing answered.
    ok = await _post(server.url + "/hooks/telegram", api.message(ADA, "/help"), webhook_secret(BOT_TOKEN))
    assert ok.status == 200
    [reply] = await api.wait_sent(ADA, 1)
    assert html_to_text(reply["text"]) == say("help", "en")


async def test_a_body_that_is_not_json_is_refused(server: Server) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {SECRET_HEADER: webhook_secret(BOT_TOKEN), "Content-Type": "application/json"}
        async with session.post(server.url + "/hooks/telegram", data=b"{not json", headers=headers) as response:
            assert response.status == 400


@pytest.mark.parametrize("body", ["just a string", [1], {"update_id": "x"}, {"update_id": 7, "message": {"text": "no chat"}}])
async def test_an_update_aiogram_cannot_read_is_logged_not_lost_in_the_background(
    server: Server, api: FakeTelegramAPI, body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Acknowledged (a retry would fail the same way) with one warning naming it; the next update is answered."""
    loop_errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: loop_errors.append(context))
    response = await _post(server.url + "/hooks/telegram", body, webhook_secret(BOT_TOKEN))
    assert response.status == 200
    [warning] = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert warning.levelname == "WARNING"
    ok = await _post(server.url + "/hooks/telegram", api.message(ADA, "/help"), webhook_secret(BOT_TOKEN))
    assert ok.status == 200
    await api.wait_sent(ADA, 1)
    gc.collect()  # an unretrieved task exception is reported when the task is collected
    assert not loop_errors


async def test_a_configured_secret_is_used(api: FakeTelegramAPI, tmp_path: Path) -> None:
    runtime = await build_runtime(make_settings(api, tmp_path, webhook_url=WEBHOOK_URL, webhook_secret="s3cr3t_from_env"))
    harness = build_harness(api, runtime)
    runner = await start_webhook(runtime, harness.bot, harness.dispatcher, host="127.0.0.1", port=0)
    try:
        url = Server(runner).url + "/hooks/telegram"
        assert api.calls_to("setWebhook")[0]["secret_token"] == "s3cr3t_from_env"
        assert (await _post(url, api.message(ADA, "/start"), webhook_secret(BOT_TOKEN))).status == 403
        assert (await _post(url, api.message(ADA, "/start"), "s3cr3t_from_env")).status == 200
        await api.wait_sent(ADA, 1)
    finally:
        await runner.cleanup()
        await runtime.close()


async def test_healthz(server: Server, runtime: Runtime) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.url + "/healthz") as response:
        assert response.status == 200
        # "redis": null: REDIS_URL is not set, and one instance needs no Redis.
        assert await response.json() == {"database": True, "redis": None, "knowledge": len(runtime.knowledge.operator_entries)} == {"database": True, "redis": None, "knowledge": 5}


async def test_healthz_is_503_when_the_database_is_down(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down() -> bool:
        raise ConnectionError("gone")

    monkeypatch.setattr(runtime.store, "ping", down)
    app = create_app(runtime)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as session, session.get(Server(runner).url + "/healthz") as response:
            assert response.status == 503
            assert (await response.json())["database"] is False
    finally:
        await runner.cleanup()
