"""Every change under /console/ needs the session's CSRF token and must not come from another site."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts
from bot.staff.roles import Role
from tests.web.conftest import PASSWORD, create_user, login

EVIL = "https://evil.example"


async def _role_of(runtime: Runtime, user_id: int) -> Role:
    user = await StaffAccounts(runtime.database, runtime.clock).get(user_id)
    assert user is not None
    return user.role


async def test_a_change_without_the_token_is_refused(staff_client: TestClient, web_runtime: Runtime) -> None:
    await login(staff_client, web_runtime, Role.ADMIN)
    target = await create_user(web_runtime, Role.AGENT)
    change = {"action": "save", "role": "admin", "capacity": "5"}
    for data in (change, {**change, "csrf": ""}, {**change, "csrf": "guessed-token"}):
        response = await staff_client.post(f"/console/admin/users/{target.id}", data=data, allow_redirects=False)
        assert response.status == 403
        assert "another site" in await response.text() or "其他网站" in await response.text()
    assert await _role_of(web_runtime, target.id) is Role.AGENT
    # JSON and other methods too.
    for method in ("PUT", "PATCH", "DELETE"):
        response = await staff_client.request(method, f"/console/admin/users/{target.id}", json={"role": "admin"})
        assert response.status == 403


async def test_the_token_in_a_field_or_header_is_accepted(staff_client: TestClient, web_runtime: Runtime) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    target = await create_user(web_runtime, Role.AGENT)
    response = await staff_client.post(
        f"/console/admin/users/{target.id}", data={"csrf": csrf, "action": "save", "role": "supervisor", "capacity": "5"}, allow_redirects=False
    )
    assert response.status == 302
    assert await _role_of(web_runtime, target.id) is Role.SUPERVISOR
    response = await staff_client.post(
        f"/console/admin/users/{target.id}", data={"action": "save", "role": "agent", "capacity": "5"},
        headers={"X-CSRF-Token": csrf}, allow_redirects=False,
    )
    assert response.status == 302
    assert await _role_of(web_runtime, target.id) is Role.AGENT


async def test_a_cross_site_post_is_refused_even_with_the_token(staff_client: TestClient, web_runtime: Runtime) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    target = await create_user(web_runtime, Role.AGENT)
    data = {"csrf": csrf, "action": "save", "role": "admin", "capacity": "5"}
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/page"}, {"Sec-Fetch-Site": "cross-site"}):
        response = await staff_client.post(f"/console/admin/users/{target.id}", data=data, headers=headers, allow_redirects=False)
        assert response.status == 403, headers
    assert await _role_of(web_runtime, target.id) is Role.AGENT
    own = str(staff_client.make_url("/")).rstrip("/")
    response = await staff_client.post(f"/console/admin/users/{target.id}", data=data, headers={"Origin": own}, allow_redirects=False)
    assert response.status == 302


async def test_the_login_form_is_protected_too(staff_client: TestClient, web_runtime: Runtime) -> None:
    user = await create_user(web_runtime, Role.ADMIN)
    # A site posting the victim's browser into the attacker's account: no pre-session token, refused.
    response = await staff_client.post("/console/login", data={"email": user.email, "password": PASSWORD}, allow_redirects=False)
    assert response.status == 403
    page = await staff_client.get("/console/login")
    token = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = await staff_client.post(
        "/console/login", data={"csrf": token, "email": user.email, "password": PASSWORD}, headers={"Origin": EVIL}, allow_redirects=False
    )
    assert response.status == 403
    response = await staff_client.post("/console/login", data={"csrf": token, "email": user.email, "password": PASSWORD}, allow_redirects=False)
    assert response.status == 302


async def test_logout_needs_the_token(staff_client: TestClient, web_runtime: Runtime) -> None:
    """A foreign page cannot log an agent out (a nuisance attack) either."""
    await login(staff_client, web_runtime, Role.ADMIN)
    response = await staff_client.post("/console/logout", allow_redirects=False)
    assert response.status == 403
    assert (await staff_client.get("/console/admin/users", allow_redirects=False)).status == 200
