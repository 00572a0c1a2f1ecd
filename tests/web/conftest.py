"""Shared fixtures of the staff-web tests: a runtime on a fresh SQLite database with the small knowledge
base and a fixed clock, the aiohttp app with every staff-web part that exists, and `login`, which
creates a user and logs in through the real login form.

    async def test_x(staff_client, web_runtime):
        user, csrf = await login(staff_client, web_runtime, role=Role.SUPERVISOR)
        response = await staff_client.post("/console/...", data={"csrf": csrf, ...})

A second browser: `another = await new_client(staff_app)` (close it with `await another.close()`), or
the `client_factory` fixture, which closes them for you.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.staff.accounts import StaffAccounts, StaffUser
from bot.staff.roles import Role
from bot.staff.sessions import csrf_for
from bot.web.auth.guard import SESSION_COOKIE
from bot.web.routes import register_staff_web
from tests.support import Clock, use_cached_matcher

# Wednesday 25 November 2026, 11:00 in Shanghai (03:00 UTC): within office hours.
WEB_NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"
_emails = itertools.count(1)


@pytest.fixture
def web_clock() -> Clock:
    """The bot's clock in staff-web tests: fixed at WEB_NOW, moved by hand with `.advance(minutes=...)`."""
    return Clock(WEB_NOW)


@pytest.fixture
def web_settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings of `web_runtime` (e.g. {"console_session_hours": 1})."""
    return {}


@pytest.fixture
async def web_runtime(
    tmp_path: Path, small_kb: Path, web_clock: Clock, web_settings_overrides: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Runtime]:
    """A Runtime on a fresh SQLite database with the small test knowledge base and a fixed clock."""
    use_cached_matcher(monkeypatch)
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'web.db'}", "knowledge_dir": small_kb,
    }
    values.update(web_settings_overrides)  # e.g. a PostgreSQL database_url, redis_url, console_session_hours
    settings = load_settings(**values)
    runtime = await build_runtime(settings, clock=web_clock)
    try:
        yield runtime
    finally:
        await runtime.close()


def build_staff_app(runtime: Runtime) -> web.Application:
    """The app `serve` would build for the staff web: /healthz plus everything under /console/."""
    return create_app(runtime, channels=[lambda app: register_staff_web(app, runtime)])


@pytest.fixture
def staff_app(web_runtime: Runtime) -> web.Application:
    """The aiohttp app with setup_auth and every staff-web part's routes that exist."""
    return build_staff_app(web_runtime)


@pytest.fixture
async def staff_server(staff_app: web.Application) -> AsyncIterator[TestServer]:
    server = TestServer(staff_app)
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def staff_client(staff_server: TestServer) -> AsyncIterator[TestClient]:
    """A browser on the staff app (its own cookie jar)."""
    client = TestClient(staff_server)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def client_factory(staff_server: TestServer) -> AsyncIterator[Callable[[], Awaitable[TestClient]]]:
    """More browsers on the same server (each with its own cookies): `other = await client_factory()`."""
    made: list[TestClient] = []

    async def make() -> TestClient:
        client = TestClient(staff_server)
        await client.start_server()
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()


def session_token(client: TestClient) -> str | None:
    """The console session cookie this browser holds (None when logged out)."""
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION_COOKIE and cookie.value:
            return cookie.value
    return None


def csrf_of(client: TestClient) -> str:
    """The CSRF token of this browser's session (the value pages carry in their forms)."""
    token = session_token(client)
    assert token, "not logged in"
    return csrf_for(token)


async def create_user(
    runtime: Runtime, role: Role = Role.AGENT, email: str | None = None, *, name: str | None = None,
    password: str = PASSWORD, capacity: int = 5, language: str = "en",
) -> StaffUser:
    """An active user with a password, straight in the database."""
    email = email or f"{Role(role).value}{next(_emails)}@example.com"
    accounts = StaffAccounts(runtime.database, runtime.clock)
    return await accounts.create(email, name or email.split("@")[0].title(), Role(role), capacity=capacity, language=language, password=password)


async def form_login(client: TestClient, email: str, password: str = PASSWORD, **headers: str) -> Any:
    """Submit the real login form (first GET for its pre-session CSRF token); the response, redirects not followed."""
    page = await client.get("/console/login")
    assert page.status == 200, await page.text()
    html = await page.text()
    token = html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return await client.post(
        "/console/login", data={"csrf": token, "email": email, "password": password, "next": "/console/"},
        allow_redirects=False, headers=headers or None,
    )


async def login(
    client: TestClient, runtime: Runtime, role: Role = Role.AGENT, email: str | None = None, *,
    name: str | None = None, password: str = PASSWORD, capacity: int = 5, language: str = "en",
) -> tuple[StaffUser, str]:
    """Create a user with `role` and log in with the real form: (the user, the session's CSRF token)."""
    user = await create_user(runtime, role, email, name=name, password=password, capacity=capacity, language=language)
    response = await form_login(client, user.email, password)
    assert response.status == 302, f"login failed: {response.status} {await response.text()}"
    return user, csrf_of(client)
