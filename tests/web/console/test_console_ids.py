"""Ids in URLs beyond what a row id can be (PostgreSQL int4) are "not found", never a 500: on SQLite and
on PostgreSQL (where the driver refuses such a number for an `integer` column)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.staff.roles import Role
from bot.web.ids import MAX_ID, parse_id
from tests.web.conftest import login

HUGE = "99999999999"


@pytest.fixture
def web_settings_overrides(database_url: str) -> dict[str, Any]:
    """Every test here once on SQLite and once on PostgreSQL (skipped when no server is reachable)."""
    return {"database_url": database_url}


def test_the_parser_keeps_to_the_int4_range() -> None:
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1), HUGE, "１２", "1e3", "", None, " "):
        assert parse_id(bad) is None, bad
    assert parse_id("0", minimum=0) == 0


@pytest.mark.parametrize("path", [
    f"/console/conversations/{HUGE}",
    f"/console/attachments/{HUGE}",
    f"/console/conversations/{HUGE}/events",
    f"/console/conversations/1/attachments/{HUGE}",
])
async def test_huge_ids_in_console_pages_are_not_found(staff_client: TestClient, web_runtime: Runtime, path: str) -> None:
    await login(staff_client, web_runtime, Role.ADMIN)
    response = await staff_client.get(path, allow_redirects=False)
    assert response.status == 404


async def test_huge_ids_in_forms_of_supervisors_and_admins_are_not_found(staff_client: TestClient, web_runtime: Runtime) -> None:
    _, csrf = await login(staff_client, web_runtime, Role.ADMIN)
    for path, data in [
        (f"/console/suggestions/{HUGE}", {"action": "reject"}),
        (f"/console/suggestions/versions/{HUGE}/rollback", {}),
        (f"/console/admin/users/{HUGE}", {"action": "deactivate"}),
        (f"/console/conversations/{HUGE}/take", {}),
    ]:
        response = await staff_client.post(path, data={"csrf": csrf, **data}, allow_redirects=False)
        assert response.status == 404, (path, response.status, await response.text())
