"""Logging in and out of the console through the real form: passwords, sessions, cookies, headers."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.roles import Role
from tests.web.conftest import PASSWORD, create_user, form_login, login, session_token


async def test_a_good_password_logs_in_and_a_bad_one_does_not(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.AGENT, "ann@example.com", name="Ann")
    bad = await form_login(staff_client, "ann@example.com", "wrong password!")
    assert bad.status == 401
    assert "邮箱或密码不正确。" in await bad.text()
    assert session_token(staff_client) is None

    good = await form_login(staff_client, "ANN@example.com ", PASSWORD)
    assert good.status == 302 and good.headers["Location"] == "/console/"
    cookie = good.cookies["console_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/console"
    assert not cookie["secure"]  # plain http here; https gets Secure
    page = await staff_client.get("/console/admin/users")
    assert page.status == 403  # logged in, but an agent
    assert user.name in await page.text()


async def test_pages_need_a_session(staff_client: TestClient) -> None:
    response = await staff_client.get("/console/admin/users", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/console/login?next=")


async def test_security_headers_on_console_responses(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime, Role.ADMIN)
    page = await staff_client.get("/console/admin/users")
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    css = await staff_client.get("/console/static/console.css")
    assert css.status == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
    assert css.headers.get("Cache-Control") != "no-store"
