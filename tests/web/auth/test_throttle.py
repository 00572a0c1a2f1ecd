"""Login throttling per email and per client address, in memory and shared through Redis; and a failed
login costs one password verification whether the account exists or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.staff import passwords
from bot.staff.accounts import StaffAccounts
from bot.staff.roles import Role
from bot.staff.throttle import ADDRESS_FACTOR
from tests.support import Clock, use_cached_matcher
from tests.web.conftest import (
    PASSWORD,
    WEB_NOW,
    build_staff_app,
    create_user,
    form_login,
)

ATTEMPTS = 3


@pytest.fixture
def web_settings_overrides() -> dict[str, Any]:
    return {"console_login_attempts_per_15min": ATTEMPTS}


async def test_too_many_failures_for_an_email_get_a_readable_429(staff_client: TestClient, web_runtime: Runtime, web_clock: Clock) -> None:
    user = await create_user(web_runtime, Role.AGENT, "target@example.com")
    for _ in range(ATTEMPTS):
        assert (await form_login(staff_client, user.email, "not the password")).status == 401
    refused = await form_login(staff_client, user.email, PASSWORD)  # even the right password, while blocked
    assert refused.status == 429
    body = await refused.text()
    assert "登录失败次数过多，请 15 分钟后再试。" in body  # DEFAULT_LANGUAGE zh-Hans, nothing chosen
    # Another email from elsewhere is not affected by this one's window... (same address: under its own limit)
    other = await create_user(web_runtime, Role.AGENT)
    assert (await form_login(staff_client, other.email)).status == 302
    # ...and once the window has moved on, the right password works again.
    web_clock.advance(minutes=15, seconds=1)
    fresh = TestClient(staff_client.server)
    await fresh.start_server()
    try:
        assert (await form_login(fresh, user.email, PASSWORD)).status == 302
    finally:
        await fresh.close()


async def test_too_many_failures_from_one_address_get_a_429(staff_client: TestClient, web_runtime: Runtime) -> None:
    for number in range(ATTEMPTS * ADDRESS_FACTOR):
        response = await form_login(staff_client, f"guess{number}@example.com", "whatever-guess")
        assert response.status == 401
    user = await create_user(web_runtime, Role.AGENT)
    assert (await form_login(staff_client, user.email)).status == 429


async def test_the_email_window_ignores_case_and_spaces(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.AGENT, "case@example.com")
    for typed in ("Case@Example.com", " case@example.com", "CASE@EXAMPLE.COM"):
        assert (await form_login(staff_client, typed, "nope nope nope")).status == 401
    assert (await form_login(staff_client, user.email)).status == 429


async def test_an_unknown_email_costs_one_verification_too(web_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append("verify")
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_HASHER", Counting())
    accounts = StaffAccounts(web_runtime.database, web_runtime.clock)
    await create_user(web_runtime, Role.AGENT, "known@example.com")
    assert await accounts.authenticate("known@example.com", "wrong password") is None
    assert await accounts.authenticate("nobody@example.com", "wrong password") is None
    assert await accounts.authenticate("not even an email", "wrong password") is None
    assert calls == ["verify", "verify", "verify"]
    assert await accounts.authenticate("known@example.com", PASSWORD) is not None


async def test_an_outdated_hash_is_replaced_at_login(web_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import staff as repo

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8192))
    user = await create_user(web_runtime, Role.AGENT)
    async with web_runtime.database.sessions() as session:
        old = (await repo.user_by_id(session, user.id)).password_hash  # type: ignore[union-attr]
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher())
    accounts = StaffAccounts(web_runtime.database, web_runtime.clock)
    assert await accounts.authenticate(user.email, PASSWORD) is not None
    async with web_runtime.database.sessions() as session:
        new = (await repo.user_by_id(session, user.id)).password_hash  # type: ignore[union-attr]
    assert new != old and not PasswordHasher().check_needs_rehash(new)  # type: ignore[arg-type]
    assert await accounts.authenticate(user.email, PASSWORD) is not None


@pytest.mark.redis
async def test_failures_are_counted_across_instances_through_redis(
    tmp_path: Path, small_kb: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_cached_matcher(monkeypatch)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}", knowledge_dir=small_kb, redis_url=redis_url,
        console_login_attempts_per_15min=ATTEMPTS,
    )
    instances: list[Runtime] = []
    clients: list[TestClient] = []
    try:
        for _ in range(2):
            instances.append(await build_runtime(settings, clock=Clock(WEB_NOW)))
            client = TestClient(TestServer(build_staff_app(instances[-1])))
            await client.start_server()
            clients.append(client)
        a, b = clients
        user = await create_user(instances[0], Role.AGENT, "shared@example.com")
        for _ in range(ATTEMPTS):
            assert (await form_login(a, user.email, "wrong password here")).status == 401
        assert (await form_login(b, user.email)).status == 429  # instance B knows what A counted
    finally:
        for client in clients:
            await client.close()
        for runtime in instances:
            await runtime.close()


async def test_parallel_guesses_cannot_outrun_the_count(
    staff_client: TestClient, web_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 wrong passwords at once: only the window's worth of them reach the password check."""
    import asyncio

    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append("verify")
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "_HASHER", Counting())
    user = await create_user(web_runtime, Role.AGENT, "parallel@example.com")
    page = await staff_client.get("/console/login")
    token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]

    async def guess(number: int) -> int:
        response = await staff_client.post(
            "/console/login", data={"csrf": token, "email": user.email, "password": f"guess {number}", "next": "/console/"},
            allow_redirects=False,
        )
        return response.status

    statuses = await asyncio.gather(*(guess(number) for number in range(30)))
    assert len(verified) <= ATTEMPTS
    assert statuses.count(401) <= ATTEMPTS
    assert statuses.count(429) >= 30 - ATTEMPTS


async def test_a_successful_login_forgives_the_emails_typos(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.AGENT, "typos@example.com")
    for _ in range(ATTEMPTS - 1):
        assert (await form_login(staff_client, user.email, "not the password")).status == 401
    assert (await form_login(staff_client, user.email)).status == 302
    fresh = TestClient(staff_client.server)
    await fresh.start_server()
    try:
        for _ in range(ATTEMPTS - 1):
            assert (await form_login(fresh, user.email, "not the password")).status == 401
        assert (await form_login(fresh, user.email)).status == 302
    finally:
        await fresh.close()
