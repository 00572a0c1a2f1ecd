"""The browser tests' set-up itself: two real instances on one PostgreSQL database and Redis, a vendor page
on a third origin embedding instance A's widget, the system's Chromium, and the CLI-created agent's login."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.async_api import Browser, expect

from tests.browser.harness import AGENT_EMAIL, AGENT_PASSWORD, Deployment
from tests.browser.pages import console_login

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers), response.read()


def test_two_instances_share_the_database_and_redis(bots: Deployment) -> None:
    for server in bots.servers():
        status, _, body = _get(server.url + "/healthz")
        health = json.loads(body)
        assert status == 200 and health["database"] is True and health["redis"] is True, (server.name, health)
    assert bots.a.url != bots.b.url
    origins = {bots.a.url, bots.b.url, bots.vendor.origin}
    assert len(origins) == 3  # three ports: three origins


def test_the_vendor_page_embeds_instance_a_from_another_origin(bots: Deployment) -> None:
    status, _, body = _get(bots.vendor.origin + "/")
    assert status == 200 and f'src="{bots.a.url}/widget.js?key=demo"' in body.decode()
    status, headers, script = _get(bots.a.url + "/widget.js?key=demo")
    assert status == 200 and "javascript" in headers.get("Content-Type", "") and script


async def test_chromium_opens_the_vendor_page_and_the_agent_logs_in(bots: Deployment, chromium: Browser) -> None:
    context = await chromium.new_context(locale="en-US")
    try:
        page = await context.new_page()
        await page.goto(bots.vendor.origin + "/")
        await expect(page.locator("header")).to_have_text("Acme Phones")
        await console_login(page, bots.b.url, AGENT_EMAIL, AGENT_PASSWORD)
        assert page.url.startswith(bots.b.url + "/console")
        cookies = {c["name"] for c in await context.cookies(bots.b.url + "/console/")}
        assert "console_session" in cookies
    finally:
        await context.close()
