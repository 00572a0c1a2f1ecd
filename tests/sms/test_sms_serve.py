"""`supportbot serve` with SMS: SMS only (no BOT_TOKEN), and SMS beside Telegram (polling and webhook mode)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.channels.sms import build_sms, sms_routes
from bot.channels.telegram import run_telegram
from bot.channels.telegram.webhook import SECRET_HEADER, webhook_secret
from bot.runtime import build_runtime
from tests.conftest import ROOT
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI
from tests.sms.conftest import CUSTOMER, twilio_signature
from tests.telegram.conftest import KB_DIR, make_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _form(text: str, sid: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": CUSTOMER, "To": FROM_NUMBER, "Body": text, "NumMedia": "0"}


async def _wait_healthy(base: str, process: asyncio.subprocess.Process | None = None) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):  # bounded: the server is up, or the process died
            if process is not None and process.returncode is not None:
                raise AssertionError(f"serve exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise AssertionError("the server did not come up")


async def _post_sms(base: str, text: str, sid: str, public: str | None = None) -> int:
    form = _form(text, sid)
    signature = twilio_signature((public or base) + "/sms/twilio", form)
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/sms/twilio", data=form, headers={"X-Twilio-Signature": signature}) as response:
            return response.status


async def test_sms_only_deployment_serves_without_bot_token(tmp_path: Path, small_kb: Path) -> None:
    fake = await FakeTwilio().start()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_", "WEBHOOK_"))}
    env.update({
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}", "KNOWLEDGE_DIR": str(small_kb),
        "HOST": "127.0.0.1", "PORT": str(port), "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_URL": fake.api_url, "PUBLIC_URL": "https://sms.example.com",
    })
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(base, process)
        assert await _post_sms(base, "How long is the warranty?", "SM" + "1" * 32, public="https://sms.example.com") == 200
        assert await _post_sms(base, "forged", "SM" + "2" * 32) == 403  # signed for the wrong URL
        await fake.wait_for(lambda: len(fake.messages) == 1, timeout=30)
        assert fake.messages[0].to == CUSTOMER and "two-year warranty" in fake.messages[0].body
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        await fake.stop()
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_partial_twilio_settings_are_a_readable_error(tmp_path: Path, small_kb: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", "KNOWLEDGE_DIR": str(small_kb),
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PORT": str(_free_port())})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "TWILIO_ACCOUNT_SID" in stderr.decode() and "Traceback" not in stderr.decode()


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def _telegram_and_sms(tmp_path: Path, **overrides: object) -> None:
    port = _free_port()
    fake = await FakeTwilio().start()
    async with FakeTelegramAPI() as api:
        settings = make_settings(
            api, tmp_path, host="127.0.0.1", port=port, knowledge_dir=KB_DIR, twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN, twilio_from_number=FROM_NUMBER, twilio_api_url=fake.api_url, **overrides,
        )
        runtime = await build_runtime(settings)
        task = asyncio.create_task(run_telegram(runtime, channels=[sms_routes(build_sms(runtime))]))
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_healthy(base)
            assert await _post_sms(base, "How long is the warranty?", "SM" + "3" * 32) == 200
            await fake.wait_for(lambda: len(fake.messages) == 1, timeout=30)
            if settings.webhook_url:
                async with aiohttp.ClientSession() as session:
                    headers = {SECRET_HEADER: webhook_secret(BOT_TOKEN)}
                    async with session.post(base + "/telegram/webhook", json=api.message(4001, "/help"), headers=headers) as response:
                        assert response.status == 200
                await api.wait_sent(4001, 1)
            else:
                await api.wait_for(lambda: api.calls_to("getUpdates"))
        finally:
            await _stop(task)
            await runtime.close()
            await fake.stop()


async def test_sms_beside_telegram_polling(tmp_path: Path) -> None:
    await _telegram_and_sms(tmp_path)


async def test_sms_beside_telegram_webhook(tmp_path: Path) -> None:
    await _telegram_and_sms(tmp_path, webhook_url="https://support.example.com/telegram/webhook")
