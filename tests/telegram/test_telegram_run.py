"""`run_telegram`, as `supportbot serve` calls it: long polling by default, a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram import run_telegram
from bot.channels.telegram.webhook import SECRET_HEADER, webhook_secret
from bot.engine.messages import say
from bot.runtime import build_runtime
from bot.settings import SettingsError
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI, html_to_text
from tests.telegram.conftest import make_settings

ADA = 4001


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def test_polling_by_default(api: FakeTelegramAPI, tmp_path: Path) -> None:
    runtime = await build_runtime(make_settings(api, tmp_path))
    task = asyncio.create_task(run_telegram(runtime))
    try:
        await api.wait_for(lambda: api.calls_to("getUpdates"))
        api.push_update(api.message(ADA, "/start"))
        [greeting] = await api.wait_sent(ADA, 1)
        assert html_to_text(greeting["text"]) == say("welcome", "en", brand="Acme Care")
        assert api.calls_to("deleteWebhook") and not api.calls_to("setWebhook")
    finally:
        await _stop(task)
        await runtime.close()


async def test_webhook_when_webhook_url_is_set(api: FakeTelegramAPI, tmp_path: Path) -> None:
    port = _free_port()
    url = "https://support.example.com/telegram/webhook"
    runtime = await build_runtime(make_settings(api, tmp_path, webhook_url=url, host="127.0.0.1", port=port))
    task = asyncio.create_task(run_telegram(runtime))
    try:
        await api.wait_for(lambda: api.calls_to("setWebhook") or task.done())
        assert not task.done(), task
        assert api.calls_to("setWebhook")[0]["url"] == url
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            headers = {SECRET_HEADER: webhook_secret(BOT_TOKEN)}
            async with session.post(base + "/telegram/webhook", json=api.message(ADA, "/help"), headers=headers) as response:
                assert response.status == 200
            async with session.get(base + "/healthz") as response:
                assert response.status == 200
        [reply] = await api.wait_sent(ADA, 1)
        assert html_to_text(reply["text"]) == say("help", "en")
        assert not api.calls_to("getUpdates")
    finally:
        await _stop(task)
        await runtime.close()


async def test_no_token_is_a_readable_error(api: FakeTelegramAPI, tmp_path: Path) -> None:
    runtime = await build_runtime(make_settings(api, tmp_path, bot_token=None))
    try:
        with pytest.raises(SettingsError, match="BOT_TOKEN"):
            await run_telegram(runtime)
    finally:
        await runtime.close()
