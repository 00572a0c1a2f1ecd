"""Invitations: single use, expiring, replaced by a newer one; choosing the password logs the person in."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.invitations import INVITATION_HOURS, StaffInvitations
from bot.staff.roles import Role
from tests.support import Clock
from tests.web.conftest import csrf_of, form_login, login, session_token

NEW_PASSWORD = "a brand new password"
LINK = re.compile(r"https?://[^\s<\"]+/console/invite/[A-Za-z0-9_-]+")


async def _accept(client: TestClient, path: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> int:
    page = await client.get(path)
    if page.status != 200:
        return page.status
    token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = await client.post(path, data={"csrf": token, "password": password, "confirm": confirm or password}, allow_redirects=False)
    return response.status


async def _invite(runtime: Runtime, email: str = "new@example.com", role: Role = Role.AGENT) -> tuple[int, str]:
    user = await StaffAccounts(runtime.database, runtime.clock).create(email, "New Person", role)
    token = await StaffInvitations(runtime.database, runtime.clock).issue(user.id, "test")
    return user.id, f"/console/invite/{token}"


async def test_an_admin_invites_and_the_link_works_once(staff_client: TestClient, client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN, language="en")
    response = await staff_client.post(
        "/console/admin/users", data={"csrf": csrf, "email": "Newbie@Example.com", "name": "Newbie", "role": "supervisor", "capacity": "4", "language": "zh-Hant"}
    )
    assert response.status == 200
    html = await response.text()
    link = LINK.search(html)
    assert link is not None and "valid for 72 hours" in html
    # PUBLIC_URL unset: the address the admin's browser uses.
    assert link.group(0).startswith(str(staff_client.make_url("/console/invite/")))
    listing = await staff_client.get("/console/admin/users")
    assert LINK.search(await listing.text()) is None  # shown once only

    newcomer = await client_factory()
    path = "/console/invite/" + link.group(0).rsplit("/", 1)[1]
    assert await _accept(newcomer, path) == 302
    token = session_token(newcomer)
    assert token is not None  # logged in at once
    user = await StaffAccounts(web_runtime.database, web_runtime.clock).by_email("newbie@example.com")
    assert user is not None and user.active and user.role is Role.SUPERVISOR and user.capacity == 4 and user.language == "zh-Hant"
    assert (await newcomer.get("/console/admin/users", allow_redirects=False)).status == 403  # a supervisor, logged in

    again = await client_factory()
    assert (await again.get(path)).status == 410
    assert (await form_login(again, "newbie@example.com", NEW_PASSWORD)).status == 302


async def test_a_used_link_cannot_set_the_password_again(client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    _, path = await _invite(web_runtime)
    first, second = await client_factory(), await client_factory()
    page = await second.get(path)  # opened in another tab before the first one was submitted
    stale = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert await _accept(first, path) == 302
    response = await second.post(path, data={"csrf": stale, "password": "attacker password 1", "confirm": "attacker password 1"})
    assert response.status == 410
    assert (await form_login(second, "new@example.com", NEW_PASSWORD)).status == 302


async def test_an_expired_link_is_refused(client_factory, web_runtime: Runtime, web_clock: Clock) -> None:  # type: ignore[no-untyped-def]
    _, path = await _invite(web_runtime)
    web_clock.advance(hours=INVITATION_HOURS - 1)
    browser = await client_factory()
    assert (await browser.get(path)).status == 200
    web_clock.advance(hours=1, seconds=1)
    assert await _accept(browser, path) == 410
    user = await StaffAccounts(web_runtime.database, web_runtime.clock).by_email("new@example.com")
    assert user is not None and not user.active


async def test_a_newer_invitation_replaces_the_older(client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    user_id, old = await _invite(web_runtime)
    newer = f"/console/invite/{await StaffInvitations(web_runtime.database, web_runtime.clock).issue(user_id, 'test')}"
    browser = await client_factory()
    assert (await browser.get(old)).status == 410
    assert await _accept(browser, newer) == 302


async def test_the_password_must_be_confirmed_and_long_enough(client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    _, path = await _invite(web_runtime)
    browser = await client_factory()
    assert await _accept(browser, path, NEW_PASSWORD, "something else entirely") == 400
    assert await _accept(browser, path, "short", "short") == 400
    assert session_token(browser) is None
    assert await _accept(browser, path) == 302


async def test_an_unknown_token_is_refused(client_factory) -> None:  # type: ignore[no-untyped-def]
    browser = await client_factory()
    assert (await browser.get("/console/invite/not-a-real-token")).status == 410
    assert (await browser.get("/console/invite/" + "x" * 500)).status == 410


async def test_reinvite_from_the_admin_page(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime, Role.ADMIN)
    user_id, old = await _invite(web_runtime, "slow@example.com")
    response = await staff_client.post(f"/console/admin/users/{user_id}", data={"csrf": csrf_of(staff_client), "action": "reinvite"})
    assert response.status == 200 and LINK.search(await response.text()) is not None
    assert (await staff_client.get(old)).status == 410
