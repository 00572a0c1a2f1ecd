"""Roles are enforced on the server: an agent gets the 403 page on admin and supervisor pages."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.runtime import Runtime
from bot.staff.audit import AuditLog
from bot.staff.roles import Role
from bot.web.auth import audit, require
from tests.web.conftest import build_staff_app, login


def test_each_role_includes_the_ones_below() -> None:
    assert Role.ADMIN.allows(Role.SUPERVISOR) and Role.ADMIN.allows(Role.AGENT) and Role.ADMIN.allows(Role.ADMIN)
    assert Role.SUPERVISOR.allows(Role.AGENT) and not Role.SUPERVISOR.allows(Role.ADMIN)
    assert Role.AGENT.allows(Role.AGENT) and not Role.AGENT.allows(Role.SUPERVISOR)


async def supervisors_only(request: web.Request) -> web.Response:
    user = require(request, Role.SUPERVISOR)
    await audit(request, "test.supervisor_page", "page", {"viewer": user.id})
    return web.Response(text="numbers")


async def _client(runtime: Runtime) -> TestClient:
    app = build_staff_app(runtime)
    app.router.add_get("/console/test/supervisor", supervisors_only)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_an_agent_gets_403_on_admin_and_supervisor_pages(web_runtime: Runtime) -> None:
    client = await _client(web_runtime)
    try:
        await login(client, web_runtime, Role.AGENT, language="en")
        for path in ("/console/admin/users", "/console/admin/audit", "/console/test/supervisor"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 403, path
            assert "Your role does not allow this page" in await response.text()
        _, csrf = await login(client, web_runtime, Role.AGENT)
        response = await client.post("/console/admin/users", data={"csrf": csrf, "email": "x@example.com", "name": "X", "role": "admin"})
        assert response.status == 403
    finally:
        await client.close()


async def test_a_supervisor_reaches_supervisor_pages_but_not_admin_ones(web_runtime: Runtime) -> None:
    client = await _client(web_runtime)
    try:
        supervisor, _ = await login(client, web_runtime, Role.SUPERVISOR)
        assert (await client.get("/console/test/supervisor")).status == 200
        rows = await AuditLog(web_runtime.database, web_runtime.clock).rows("test.supervisor_page")
        assert [(r.user_id, r.actor, r.target, r.detail, r.ip) for r in rows] == [
            (supervisor.id, supervisor.email, "page", {"viewer": supervisor.id}, "127.0.0.1")
        ]
        assert (await client.get("/console/admin/users", allow_redirects=False)).status == 403
        await login(client, web_runtime, Role.ADMIN)
        assert (await client.get("/console/test/supervisor")).status == 200
        assert (await client.get("/console/admin/users")).status == 200
    finally:
        await client.close()


async def test_an_unknown_user_id_is_not_found(staff_client: TestClient, web_runtime: Runtime) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    for user_id in ("999", "abc"):
        response = await staff_client.post(f"/console/admin/users/{user_id}", data={"csrf": csrf, "action": "revoke"})
        assert response.status == 404


async def test_an_admin_cannot_demote_or_deactivate_themselves(staff_client: TestClient, web_runtime: Runtime) -> None:
    admin, csrf = await login(staff_client, web_runtime, Role.ADMIN, language="en")
    for data in ({"action": "deactivate"}, {"action": "save", "role": "agent", "capacity": "5"}):
        response = await staff_client.post(f"/console/admin/users/{admin.id}", data={"csrf": csrf, **data})
        assert response.status == 400
        assert "You cannot deactivate yourself" in await response.text()
    assert (await staff_client.get("/console/admin/users")).status == 200
