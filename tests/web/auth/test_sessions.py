"""Sessions are server-side and revocable: whatever ends one makes the old cookie worthless at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.roles import Role
from bot.staff.sessions import token_hash
from bot.web.auth.guard import SESSION_COOKIE
from tests.support import Clock
from tests.web.conftest import (
    PASSWORD,
    create_user,
    csrf_of,
    form_login,
    login,
    session_token,
)

Browser = Callable[[], Awaitable[TestClient]]


async def _replay(client: TestClient, token: str, path: str = "/console/admin/users") -> int:
    """Request `path` with a given session cookie (a stolen or kept copy), as a fresh browser would."""
    response = await client.get(path, allow_redirects=False, cookies={SESSION_COOKIE: token})
    return response.status


async def test_logout_ends_the_session_for_good(staff_client: TestClient, client_factory: Browser, web_runtime: Runtime) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    token = session_token(staff_client)
    assert token is not None
    thief = await client_factory()
    assert await _replay(thief, token) == 200
    response = await staff_client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/console/login"
    assert await _replay(thief, token) == 302  # back to the login page
    assert session_token(staff_client) is None


async def test_login_rotates_the_session_id(staff_client: TestClient, client_factory: Browser, web_runtime: Runtime) -> None:
    """A session id planted before the login (fixation) is never adopted, and a second login replaces the first."""
    user = await create_user(web_runtime, Role.ADMIN)
    planted = "chosen-by-an-attacker-0123456789abcdef"
    staff_client.session.cookie_jar.update_cookies({SESSION_COOKIE: planted}, response_url=staff_client.make_url("/console/"))
    assert session_token(staff_client) == planted
    assert (await form_login(staff_client, user.email)).status == 302
    first = session_token(staff_client)
    assert first is not None and first != planted
    other = await client_factory()
    assert await _replay(other, planted) == 302
    assert await _replay(other, first) == 200

    # Logging in again from the logged-in browser: a new id, and the old one is over.
    response = await staff_client.post(
        "/console/login", data={"csrf": csrf_of(staff_client), "email": user.email, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 302
    second = session_token(staff_client)
    assert second is not None and second != first
    assert await _replay(other, first) == 302
    assert await _replay(other, second) == 200


async def test_admin_revoking_sessions_logs_the_user_out_at_once(
    staff_client: TestClient, client_factory: Browser, web_runtime: Runtime
) -> None:
    _, admin_csrf = await login(staff_client, web_runtime, Role.ADMIN)
    agent_browser = await client_factory()
    agent, _ = await login(agent_browser, web_runtime, Role.SUPERVISOR)
    agent_token = session_token(agent_browser)
    assert agent_token is not None and await _replay(agent_browser, agent_token, "/console/login") == 302  # logged in
    response = await staff_client.post(f"/console/admin/users/{agent.id}", data={"csrf": admin_csrf, "action": "revoke"}, allow_redirects=False)
    assert response.status == 302
    page = await agent_browser.get("/console/admin/audit", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/console/login")


async def test_deactivating_a_user_ends_their_sessions(staff_client: TestClient, client_factory: Browser, web_runtime: Runtime) -> None:
    _, admin_csrf = await login(staff_client, web_runtime, Role.ADMIN)
    agent_browser = await client_factory()
    agent, _ = await login(agent_browser, web_runtime, Role.ADMIN, "victim@example.com")
    token = session_token(agent_browser)
    assert token is not None and await _replay(agent_browser, token) == 200
    response = await staff_client.post(f"/console/admin/users/{agent.id}", data={"csrf": admin_csrf, "action": "deactivate"}, allow_redirects=False)
    assert response.status == 302
    assert await _replay(agent_browser, token) == 302
    # And they cannot log in again.
    assert (await form_login(agent_browser, "victim@example.com")).status == 401


async def test_a_role_change_or_new_password_ends_the_sessions(staff_client: TestClient, client_factory: Browser, web_runtime: Runtime) -> None:
    _, admin_csrf = await login(staff_client, web_runtime, Role.ADMIN)
    browser = await client_factory()
    user, _ = await login(browser, web_runtime, Role.ADMIN, "changing@example.com")
    token = session_token(browser)
    assert token is not None
    response = await staff_client.post(
        f"/console/admin/users/{user.id}", data={"csrf": admin_csrf, "action": "save", "role": "agent", "capacity": "3"}, allow_redirects=False
    )
    assert response.status == 302
    assert await _replay(browser, token) == 302
    changed = await StaffAccounts(web_runtime.database, web_runtime.clock).get(user.id)
    assert changed is not None and changed.role is Role.AGENT and changed.capacity == 3

    await form_login(browser, "changing@example.com")
    token = session_token(browser)
    assert token is not None and await _replay(browser, token, "/console/login") == 302
    await StaffAccounts(web_runtime.database, web_runtime.clock).change(user.id, password="another long password")
    assert await _replay(browser, token, "/console/admin/users") == 302


async def test_a_capacity_change_keeps_the_session(staff_client: TestClient, client_factory: Browser, web_runtime: Runtime) -> None:
    _, admin_csrf = await login(staff_client, web_runtime, Role.ADMIN)
    browser = await client_factory()
    user, _ = await login(browser, web_runtime, Role.ADMIN)
    token = session_token(browser)
    assert token is not None
    await staff_client.post(f"/console/admin/users/{user.id}", data={"csrf": admin_csrf, "action": "save", "role": "admin", "capacity": "9"})
    assert await _replay(browser, token) == 200


async def test_an_idle_session_expires(staff_client: TestClient, web_runtime: Runtime, web_clock: Clock) -> None:
    await login(staff_client, web_runtime, Role.ADMIN)
    hours = web_runtime.settings.console_session_hours
    web_clock.advance(hours=hours - 1)
    assert (await staff_client.get("/console/admin/users", allow_redirects=False)).status == 200  # used: idle time restarts
    web_clock.advance(hours=hours - 1)
    assert (await staff_client.get("/console/admin/users", allow_redirects=False)).status == 200
    web_clock.advance(hours=hours, seconds=1)
    assert (await staff_client.get("/console/admin/users", allow_redirects=False)).status == 302


async def test_only_the_tokens_hash_is_stored(staff_client: TestClient, web_runtime: Runtime) -> None:
    from bot.storage import staff as repo

    await login(staff_client, web_runtime, Role.AGENT)
    token = session_token(staff_client)
    assert token is not None
    async with web_runtime.database.sessions() as session:
        assert await repo.session_with_user(session, token) is None
        assert await repo.session_with_user(session, token_hash(token)) is not None


async def test_the_cookie_is_secure_over_https(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.AGENT)
    response = await form_login(staff_client, user.email, **{"X-Forwarded-Proto": "https"})
    assert response.status == 302
    assert response.cookies[SESSION_COOKIE]["secure"]


async def test_a_change_after_the_session_ended_asks_to_log_in(staff_client: TestClient, web_runtime: Runtime, web_clock: Clock) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    web_clock.advance(hours=web_runtime.settings.console_session_hours, seconds=1)
    page = await staff_client.post("/console/admin/users", data={"csrf": csrf, "email": "a@example.com", "name": "A", "role": "agent"},
                                   allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/console/login")
    script = await staff_client.post("/console/admin/users", json={}, headers={"Accept": "application/json"}, allow_redirects=False)
    assert script.status == 401
