"""The staff HTTP API (bot/api/tickets.py) on the bot's aiohttp app: token, status codes, changes through the desk."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api import ticket_routes
from bot.app import create_app
from bot.repairs import statuses as st
from bot.repairs.desk import RepairDesk
from bot.repairs.lifecycle import NOTICE
from bot.storage import Database
from tests.repairs.staff_helpers import book, lifecycle_for

TOKEN = "s3cret-staff-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai


@dataclass
class Api:
    client: TestClient
    desk: RepairDesk
    number: str
    woken: list[bool]

    async def post(self, path: str, body: object = None, *, headers: dict[str, str] | None = None, data: bytes | None = None):  # type: ignore[no-untyped-def]
        payload = data if data is not None else json.dumps(body).encode()
        return await self.client.post(path, data=payload, headers={"Content-Type": "application/json", **AUTH, **(headers or {})})

    def status_path(self, number: str | None = None) -> str:
        return f"/api/tickets/{number or self.number}/status"


async def start(database_url: str, tmp_path: Path) -> Api:
    database = await Database.connect(database_url, clock=lambda: NOW)
    lifecycle = lifecycle_for(tmp_path, clock=lambda: NOW)
    number = await book(database, lifecycle)
    woken: list[bool] = []
    desk = RepairDesk(database, lifecycle, wake=lambda: woken.append(True))
    client = TestClient(TestServer(create_app(SimpleNamespace(), [ticket_routes(desk, TOKEN)])))
    await client.start_server()
    return Api(client, desk, number, woken)


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    started = await start(database_url, tmp_path)
    try:
        yield started
    finally:
        await started.client.close()
        await started.desk.database.close()


@pytest.fixture
async def sqlite_api(tmp_path: Path) -> AsyncIterator[Api]:
    started = await start(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}", tmp_path)
    try:
        yield started
    finally:
        await started.client.close()
        await started.desk.database.close()


async def test_a_change_is_on_the_timeline_and_the_customer_is_told(api: Api) -> None:
    response = await api.post(api.status_path(api.number.lower()), {"status": "received", "note": "left at the counter"})
    assert response.status == 200
    body = await response.json()
    assert body["number"] == api.number and body["status"] == "received"
    assert body["next_statuses"] == list(st.next_statuses("received"))
    assert body["events"][-1] == {
        "at": NOW.isoformat(), "kind": "status", "actor": "api", "status": "received", "previous": "booked",
        "note": "left at the counter", "data": {},
    }
    view = await api.desk.show(api.number)
    assert [(e.actor, e.status) for e in view.events] == [("customer", "booked"), ("api", "received")]
    assert [j.status for j in view.jobs if j.kind == NOTICE] == ["pending"]  # the customer's notice, due now
    assert api.woken == [True]

    response = await api.post(api.status_path(), {"status": "shipped", "tracking": " SF123 "}, headers={"X-Staff-User": " alice\u200b "})
    assert response.status == 200
    body = await response.json()
    assert body["tracking_number"] == "SF123" and body["events"][-1]["actor"] == "api:alice"
    assert body["events"][-1]["data"] == {"tracking": "SF123"}

    response = await api.post(f"/api/tickets/{api.number}/events", {"kind": "note", "note": "ok"}, headers={"X-Staff-User": "b" * 100})
    assert (await response.json())["events"][-1]["actor"] == "api:" + "b" * 64
    response = await api.client.get(f"/api/tickets/{api.number}", headers=AUTH)
    assert response.status == 200 and (await response.json())["status"] == "shipped"


async def test_without_the_right_token_401(sqlite_api: Api) -> None:
    path = sqlite_api.status_path()
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer Ω"}):
        response = await sqlite_api.client.post(path, json={"status": "received"}, headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["error"] == "unauthorized"
    response = await sqlite_api.client.get(f"/api/tickets/{sqlite_api.number}")
    assert response.status == 401
    response = await sqlite_api.client.post(path, json={"status": "received"}, headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status == 200  # the scheme is case-insensitive
    assert [e.actor for e in (await sqlite_api.desk.show(sqlite_api.number)).events] == ["customer", "api"]


async def test_unknown_ticket_404(sqlite_api: Api) -> None:
    for response in (
        await sqlite_api.post(sqlite_api.status_path("R99-9999"), {"status": "ready"}),
        await sqlite_api.client.get("/api/tickets/R99-9999", headers=AUTH),
        await sqlite_api.post("/api/tickets/R99-9999/events", {"kind": "called"}),
        await sqlite_api.client.get("/api/tickets/" + "X" * 200, headers=AUTH),
    ):
        assert response.status == 404
        assert (await response.json())["error"] == "unknown_ticket"


async def test_what_makes_no_sense_422(sqlite_api: Api) -> None:
    api = sqlite_api

    async def refused(body: object = None, *, data: bytes | None = None, path: str | None = None) -> dict[str, str]:
        response = await api.post(path or api.status_path(), body, data=data)
        assert response.status == 422, await response.text()
        return await response.json()  # type: ignore[no-any-return]

    assert await refused({"status": "fixed"}) == {
        "error": "unknown_status",
        "detail": f"{api.number}: unknown status 'fixed'; from booked it may become: {', '.join(st.next_statuses('booked'))}",
    }
    assert (await refused({"status": "ready"}))["error"] == "bad_transition"  # booked -> ready skips the repair
    assert (await refused(data=b"{not json"))["error"] == "bad_json"
    assert (await refused(data=b"\xff\xfe"))["error"] == "bad_json"
    assert (await refused(["ready"]))["error"] == "bad_body"
    assert (await refused({}))["error"] == "bad_body"
    assert (await refused({"status": 5}))["error"] == "bad_body"
    assert (await refused({"status": "received", "colour": "red"}))["detail"].startswith("unknown field(s) colour")
    assert (await refused({"status": "received", "note": "x" * 2001}))["error"] == "bad_body"
    assert (await api.post(api.status_path(), {"status": "received"})).status == 200
    detail = await refused({"status": "shipped"})
    assert detail["error"] == "missing_tracking" and "tracking" in detail["detail"]
    assert (await api.post(api.status_path(), {"status": "closed", "note": "collected"})).status == 200
    detail = await refused({"status": "repairing"})
    assert detail["error"] == "bad_transition" and "closed" in detail["detail"]
    events = "/api/tickets/" + api.number + "/events"
    assert (await refused({"kind": "repaired"}, path=events))["error"] == "unknown_kind"
    assert (await refused({"kind": "note"}, path=events))["error"] == "bad_body"
    # Nothing refused reached the timeline.
    assert [e.status for e in (await api.desk.show(api.number)).events] == ["booked", "received", "closed"]


async def test_a_body_over_the_limit_413(sqlite_api: Api) -> None:
    big = {"status": "received", "note": "x" * 17_000}
    assert (await sqlite_api.post(sqlite_api.status_path(), big)).status == 413

    async def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: counted while read
        yield b'{"status": "received", "note": "'
        for _ in range(20):
            yield b"y" * 1024
        yield b'"}'

    response = await sqlite_api.client.post(sqlite_api.status_path(), data=chunks(), headers=AUTH)
    assert response.status == 413 and (await response.json())["error"] == "too_large"
    assert [e.status for e in (await sqlite_api.desk.show(sqlite_api.number)).events] == ["booked"]


async def test_marks_through_the_events_endpoint(sqlite_api: Api) -> None:
    events = f"/api/tickets/{sqlite_api.number}/events"
    response = await sqlite_api.post(events, {"kind": "called", "note": "quoted 2 days"})
    assert response.status == 200
    body = await response.json()
    assert body["called_at"] == NOW.isoformat()
    assert body["events"][-1]["kind"] == "called" and body["events"][-1]["note"] == "quoted 2 days"
    assert (await sqlite_api.post(events, {"kind": "loaner-out"})).status == 200
    assert (await sqlite_api.post(events, {"kind": "note", "note": "customer prefers mornings"})).status == 200
    kinds = [e.kind for e in (await sqlite_api.desk.show(sqlite_api.number)).events]
    assert kinds == ["status", "called", "loaner_out", "note"]
