"""Fixtures of the web chat tests: the real runtime (small knowledge base, fixed clock, SQLite) and the
aiohttp app with the web chat's routes, driven over HTTP with aiohttp's TestClient; helpers to open a
session, post, and read the SSE stream."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.web.routes import register_webchat
from bot.channels.web.sites import identity_hash
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import Clock, use_cached_matcher

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # Wednesday 11:00 in Shanghai
SECRET = "vendor-identity-secret"
SITES = "demo=http://127.0.0.1:8080 http://localhost:8080;shop=https://shop.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def client_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Chat:
    """One web chat app on a runtime, with a client."""

    runtime: Runtime
    client: TestClient

    async def session(self, key: str = "shop", lang: str = "en", **identity: Any) -> str:
        response = await self.client.post("/chat/api/session", json={"key": key, "lang": lang, **identity})
        assert response.status == 200, await response.text()
        return str((await response.json())["token"])

    async def identified(self, user_id: str, key: str = "shop") -> str:
        return await self.session(key, user_id=user_id, hash=identity_hash(SECRET, user_id), name="Li Lei")

    async def say(self, token: str, text: str, cid: str | None = None) -> ClientResponse:
        return await self.client.post("/chat/api/messages", json={"client_id": cid or client_id(), "text": text},
                                      headers={"Authorization": f"Bearer {token}"})

    async def act(self, token: str, action: str, label: str = "") -> ClientResponse:
        return await self.client.post("/chat/api/actions", json={"client_id": client_id(), "action": action, "label": label},
                                      headers={"Authorization": f"Bearer {token}"})

    async def events(self, token: str, count: int, *, since: int | None = None, last_event_id: int | None = None,
                     timeout: float = 5.0) -> list[dict[str, Any]]:
        """Open the SSE stream and read `count` events (fails after `timeout` seconds)."""
        return await read_stream(self.client, token, count, since=since, last_event_id=last_event_id, timeout=timeout)


async def read_stream(client: TestClient, token: str, count: int, *, since: int | None = None,
                      last_event_id: int | None = None, timeout: float = 5.0,
                      started: asyncio.Event | None = None) -> list[dict[str, Any]]:
    params = {"token": token}
    if since is not None:
        params["since"] = str(since)
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    response = await client.get("/chat/api/events", params=params, headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/event-stream")
    if started is not None:
        started.set()
    found: list[dict[str, Any]] = []
    ids: list[int] = []

    async def read() -> None:
        current_id = None
        while len(found) < count:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line.startswith("id: "):
                current_id = int(line[4:])
            elif line.startswith("data: "):
                event = json.loads(line[6:])
                assert event["id"] == current_id
                ids.append(current_id)
                found.append(event)

    try:
        await asyncio.wait_for(read(), timeout)
    finally:
        response.close()
    return found


def texts(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text", "") for e in events]


async def make_chat(runtime: Runtime) -> Chat:
    client = TestClient(TestServer(create_app(runtime, [register_webchat(runtime)])))
    await client.start_server()
    return Chat(runtime, client)


@contextlib.asynccontextmanager
async def open_chat(database_url: str, knowledge_dir: Path, **overrides: Any) -> AsyncIterator[Chat]:
    """A web chat runtime on `database_url` with the test sites and identity secret, served to a client."""
    settings = load_settings(database_url=database_url, knowledge_dir=knowledge_dir, webchat_sites=SITES,
                             webchat_identity_secret=SECRET, **overrides)
    runtime = await build_runtime(settings, clock=Clock(NOW))
    made = await make_chat(runtime)
    try:
        yield made
    finally:
        await made.client.close()
        await runtime.close()


@pytest.fixture
def chat_settings() -> dict[str, Any]:
    """Override in a module for other settings of the web chat runtime."""
    return {}


@pytest.fixture
async def chat(tmp_path: Path, small_kb: Path, chat_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Chat]:
    use_cached_matcher(monkeypatch)
    async with open_chat(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}", small_kb, **chat_settings) as made:
        yield made
