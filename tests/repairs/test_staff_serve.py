"""`supportbot serve` runs the staff API whenever STAFF_API_TOKEN is set: beside Telegram long polling
(through the fake Bot API), and on its own when no channel is configured (not the console chat)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.storage import Database
from tests.conftest import ROOT
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI
from tests.repairs.staff_helpers import book, lifecycle_for

TOKEN = "serve-staff-token-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(base: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(1200):  # bounded: the server is up, or the process died
            if process.returncode is not None:
                raise AssertionError(f"serve exited with {process.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    raise AssertionError("the server did not come up")


async def _serve(tmp_path: Path, kb: Path, extra: dict[str, str]) -> tuple[asyncio.subprocess.Process, str, str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    database = await Database.connect(database_url)
    try:
        number = await book(database, lifecycle_for(kb))
    finally:
        await database.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_", "WEBHOOK_", "STAFF_", "REDIS_", "AGENTS_", "AGENT_"))}
    env.update({"DATABASE_URL": database_url, "KNOWLEDGE_DIR": str(kb), "HOST": "127.0.0.1", "PORT": str(port),
                "STAFF_API_TOKEN": TOKEN, "MODEL_CACHE_DIR": "off", **extra})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    return process, f"http://127.0.0.1:{port}", number


async def _stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return stderr.decode()


async def _change_through_the_api(base: str, number: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/api/tickets/{number}/status", json={"status": "received"}) as response:
            assert response.status == 401
        async with session.post(f"{base}/api/tickets/{number}/status", json={"status": "received"}, headers=headers) as response:
            assert response.status == 200, await response.text()
            body = await response.json()
        assert body["status"] == "received" and body["events"][-1]["actor"] == "api"
        async with session.get(f"{base}/api/tickets/{number}", headers=headers) as response:
            assert response.status == 200 and (await response.json())["status"] == "received"


async def test_serve_with_long_polling_serves_the_staff_api(tmp_path: Path, small_kb: Path) -> None:
    async with FakeTelegramAPI() as api:
        process, base, number = await _serve(tmp_path, small_kb, {"BOT_TOKEN": BOT_TOKEN, "TELEGRAM_API_URL": api.base_url})
        try:
            await _wait_healthy(base, process)
            await api.wait_for(lambda: api.calls_to("getUpdates"), timeout=60)  # long polling runs meanwhile
            await _change_through_the_api(base, number)
            assert not api.calls_to("setWebhook")
        finally:
            stderr = await _stop(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and TOKEN not in stderr


async def test_serve_with_only_the_staff_token_runs_the_http_app(tmp_path: Path, small_kb: Path) -> None:
    """No BOT_TOKEN, no SMS: serve runs the HTTP app with the staff API (never the terminal chat)."""
    process, base, number = await _serve(tmp_path, small_kb, {})
    try:
        await _wait_healthy(base, process)
        await _change_through_the_api(base, number)
    finally:
        stderr = await _stop(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "console chat" not in stderr.lower()


async def test_a_short_token_is_refused_without_repeating_it(tmp_path: Path, small_kb: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "STAFF_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}", "KNOWLEDGE_DIR": str(small_kb), "STAFF_API_TOKEN": "short-tok"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    err = stderr.decode()
    assert process.returncode == 2 and "STAFF_API_TOKEN" in err and "at least 16" in err
    assert "short-tok" not in err and "Traceback" not in err
