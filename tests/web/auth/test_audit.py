"""The audit log: logins (ok and failed), logouts, invitations and role changes are written; the admin
page shows them newest first, paged, in the operator's time zone."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.audit import PAGE_SIZE, AuditLog
from bot.staff.roles import Role
from tests.support import Clock
from tests.web.conftest import create_user, form_login, login


def _log(runtime: Runtime) -> AuditLog:
    return AuditLog(runtime.database, runtime.clock)


async def test_what_is_audited(staff_client: TestClient, client_factory, web_runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    agent = await create_user(web_runtime, Role.AGENT, "agent@example.com")
    browser = await client_factory()
    assert (await form_login(browser, "agent@example.com", "wrong wrong wrong")).status == 401
    assert (await form_login(browser, "ghost@example.com", "wrong wrong wrong")).status == 401
    admin, csrf = await login(staff_client, web_runtime, Role.ADMIN, "admin@example.com")
    await staff_client.post("/console/admin/users", data={"csrf": csrf, "email": "new@example.com", "name": "New", "role": "agent"})
    await staff_client.post(f"/console/admin/users/{agent.id}", data={"csrf": csrf, "action": "save", "role": "supervisor", "capacity": "6"})
    await staff_client.post(f"/console/admin/users/{agent.id}", data={"csrf": csrf, "action": "deactivate"})
    await staff_client.post("/console/logout", data={"csrf": csrf})

    rows = await _log(web_runtime).rows()
    seen = [(row.actor, row.action, row.target) for row in rows]
    assert seen == [
        ("agent@example.com", "login.failed", "agent@example.com"),
        ("ghost@example.com", "login.failed", "ghost@example.com"),
        ("admin@example.com", "login", "admin@example.com"),
        ("admin@example.com", "user.invited", "new@example.com"),
        ("admin@example.com", "user.role_changed", "agent@example.com"),
        ("admin@example.com", "user.capacity_changed", "agent@example.com"),
        ("admin@example.com", "user.deactivated", "agent@example.com"),
        ("admin@example.com", "logout", "admin@example.com"),
    ]
    role_change = rows[4]
    assert role_change.detail == {"from": "agent", "to": "supervisor", "sessions_ended": True}
    assert role_change.user_id == admin.id and role_change.ip == "127.0.0.1"
    assert rows[0].user_id is None  # a failed login is nobody yet


async def test_the_audit_page_is_newest_first_and_paged(staff_client: TestClient, web_runtime: Runtime, web_clock: Clock) -> None:
    log = _log(web_runtime)
    for number in range(PAGE_SIZE + 5):
        web_clock.advance(minutes=1)
        await log.record("test.event", f"target-{number}", user_id=None, actor="cli:test", detail={"n": number})
    await login(staff_client, web_runtime, Role.ADMIN, language="en")
    first = await (await staff_client.get("/console/admin/audit")).text()
    assert first.index("target-54") < first.index("target-53")  # newest first
    assert "target-4<" not in first and "Page 1 of 2" in first
    second = await (await staff_client.get("/console/admin/audit?page=2")).text()
    assert "target-4<" in second and "target-0<" in second and "target-54" not in second
    # Times in the operator's zone (Asia/Shanghai, UTC+8): the clock started at 03:00 UTC = 11:00 there.
    assert "2026-11-25 11:01:00" in second
    assert (await staff_client.get("/console/admin/audit?page=abc")).status == 200
