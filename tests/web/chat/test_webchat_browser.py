"""The widget in a real browser (the system's Chromium through Playwright), with the bot, the vendor's
page and a forger each on their own origin: the chat works, user content stays text, and a postMessage
from a forged origin is ignored while the vendor's own identify() is heard."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.web.sites import identity_hash
from bot.runtime import build_runtime
from bot.settings import load_settings
from tests.conftest import IN_CI
from tests.support import Clock, use_cached_matcher
from tests.web.chat.conftest import NOW, SECRET, Chat, make_chat

CHROMIUM = "/usr/bin/chromium"
FRAME = "iframe#supportbot-frame"
XSS = '<img src=x onerror="window.__xss=1">'


class Site:
    """A web server of its own origin serving the pages put in `pages` (path -> HTML)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        app = web.Application()
        app.router.add_get("/{path:.*}", self._page)
        self.server = TestServer(app)

    async def _page(self, request: web.Request) -> web.Response:
        page = self.pages.get(request.path)
        if page is None:
            raise web.HTTPNotFound()
        return web.Response(text=page, content_type="text/html")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if shutil.which(CHROMIUM) is None:
        if IN_CI:
            pytest.fail(f"Chromium is mandatory in CI ({CHROMIUM})")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def world(tmp_path: Path, small_kb: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Chat, Site, Site]]:
    """The bot, the vendor's site (allowed for key "shop") and an evil site, on three origins."""
    use_cached_matcher(monkeypatch)
    vendor, evil = Site(), Site()
    await vendor.server.start_server()
    await evil.server.start_server()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}", knowledge_dir=small_kb,
        webchat_sites=f"shop={vendor.origin}", webchat_identity_secret=SECRET,
    )
    runtime = await build_runtime(settings, clock=Clock(NOW))
    chat = await make_chat(runtime)
    bot = f"http://127.0.0.1:{chat.client.port}"
    vendor.pages["/"] = f'<!doctype html><title>Vendor</title><h1>Acme</h1><script src="{bot}/widget.js?key=shop" async></script>'
    try:
        yield chat, vendor, evil
    finally:
        await chat.client.close()
        await runtime.close()
        await vendor.server.close()
        await evil.server.close()


async def _sessions(chat: Chat) -> list[str]:
    from sqlalchemy import text

    async with chat.runtime.database.engine.connect() as connection:
        return [row[0] for row in (await connection.execute(text("SELECT customer_id FROM webchat_sessions"))).all()]


def _forger(message: dict[str, Any]) -> str:
    return f"""<!doctype html><title>forger</title><script>
var message = {json.dumps(message)};
function fire() {{ for (var i = 0; i < parent.frames.length; i++) {{ try {{ parent.frames[i].postMessage(message, "*"); }} catch (e) {{}} }}
  document.title = "fired"; }}
fire(); setInterval(fire, 200);
</script>"""


async def _ask(page: Any, text: str) -> Any:
    """Open the widget on `page`, send `text`; the frame's locator."""
    await page.get_by_test_id("widget-bubble").click()
    frame = page.frame_locator(FRAME)
    await frame.get_by_test_id("chat-input").fill(text)
    await frame.get_by_test_id("chat-send").click()
    return frame


async def test_the_widget_chats_keeps_text_as_text_and_ignores_forged_origins(browser: Any, world: tuple[Chat, Site, Site]) -> None:
    from playwright.async_api import expect

    chat, vendor, evil = world
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(vendor.origin + "/")
    frame = await _ask(page, "How long is the warranty?")
    answer = frame.locator('[data-testid="chat-message"][data-sender="bot"]').filter(has_text="two-year warranty")
    await expect(answer).to_have_count(1, timeout=10_000)
    await expect(answer.get_by_test_id("chat-label-bot")).to_have_text("BOT")
    await expect(answer.get_by_test_id("chat-feedback-up")).to_be_visible()

    await frame.get_by_test_id("chat-input").fill(XSS)
    await frame.get_by_test_id("chat-send").click()
    await expect(frame.locator('[data-testid="chat-message"][data-sender="customer"]').filter(has_text=XSS)).to_have_count(1)
    assert all([await f.evaluate("() => window.__xss") is None for f in page.frames])
    assert [c.startswith("v:") for c in await _sessions(chat)] == [True]

    # Another origin's frame on the same page posts a validly signed (stolen) identity to every frame.
    victim = {"userId": "victim", "name": "Mallory", "hash": identity_hash(SECRET, "victim")}
    evil.pages["/forger"] = _forger({"type": "supportbot:identity", "identity": victim})
    await page.evaluate("src => { const f = document.createElement('iframe'); f.src = src; document.body.appendChild(f); }",
                        evil.origin + "/forger")
    await asyncio.sleep(1.5)
    forger = next(f for f in page.frames if f.url.startswith(evil.origin))
    assert await forger.title() == "fired"
    assert len(await _sessions(chat)) == 1  # the frame asked for no new session: the messages were ignored
    await expect(answer).to_have_count(1)

    # Control: the same identity through the vendor's own page is heard.
    await page.evaluate("identity => window.SupportWidget.identify(identity)", victim)
    for _ in range(50):
        if "u:shop:victim" in await _sessions(chat):
            break
        await asyncio.sleep(0.1)
    assert "u:shop:victim" in await _sessions(chat)
    await context.close()


async def test_the_frame_cannot_be_framed_by_another_origin(browser: Any, world: tuple[Chat, Site, Site]) -> None:
    chat, vendor, evil = world
    bot = f"http://127.0.0.1:{chat.client.port}"
    # Claiming the vendor's origin in the URL does not help: CSP frame-ancestors names the real embedder.
    evil.pages["/frames"] = f'<!doctype html><iframe id="x" src="{bot}/chat/frame?key=shop&origin={vendor.origin}"></iframe>'
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(evil.origin + "/frames")
    await asyncio.sleep(1)
    framed = next((f for f in page.frames if f.parent_frame is not None), None)
    assert framed is None or await framed.locator("#chat-input").count() == 0
    await context.close()


async def test_a_user_named_before_the_script_loads_is_identified(browser: Any, world: tuple[Chat, Site, Site]) -> None:
    chat, vendor, _evil = world
    user = {"userId": "77", "name": "Han", "hash": identity_hash(SECRET, "77")}
    vendor.pages["/account"] = f"<script>window.SupportWidget = {{user: {json.dumps(user)}}};</script>" + vendor.pages["/"]
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(vendor.origin + "/account")
    frame = await _ask(page, "保修期多长时间")
    from playwright.async_api import expect

    await expect(frame.locator('[data-testid="chat-message"][data-sender="bot"]').filter(has_text="两年")).to_have_count(1, timeout=10_000)
    await expect(frame.get_by_test_id("chat-send")).to_have_text("发送")
    assert await _sessions(chat) == ["u:shop:77"]
    await context.close()


async def _wait_for_sessions(chat: Chat, check: Any) -> list[str]:
    for _ in range(100):
        sessions = await _sessions(chat)
        if check(sessions):
            return sessions
        await asyncio.sleep(0.1)
    raise AssertionError(f"sessions never matched: {await _sessions(chat)}")


async def test_switching_identity_ends_the_old_token_and_an_expired_one_is_replaced(
    browser: Any, world: tuple[Chat, Site, Site]
) -> None:
    from playwright.async_api import expect

    chat, vendor, _evil = world
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(vendor.origin + "/")
    frame = await _ask(page, "How long is the warranty?")
    await expect(frame.locator('[data-testid="chat-message"][data-sender="bot"]')).to_have_count(1, timeout=10_000)
    [anonymous] = await _sessions(chat)

    # Signing in: the anonymous token dies server-side; signing out: the user's does.
    user = {"userId": "88", "name": "Li", "hash": identity_hash(SECRET, "88")}
    await page.evaluate("identity => window.SupportWidget.identify(identity)", user)
    assert await _wait_for_sessions(chat, lambda s: s == ["u:shop:88"]) == ["u:shop:88"]
    await page.evaluate("() => window.SupportWidget.identify(null)")
    [fresh] = await _wait_for_sessions(chat, lambda s: len(s) == 1 and s[0].startswith("v:"))
    assert fresh != anonymous

    # A month later the stored token is dead: the frame opens a new session by itself and the message goes.
    clock = chat.runtime.clock
    assert isinstance(clock, Clock)
    clock.advance(days=31)
    await page.reload()
    await _ask(page, "How long is the warranty?")
    await expect(frame.locator('[data-testid="chat-message"][data-sender="bot"]')).to_have_count(1, timeout=10_000)
    [renewed] = await _wait_for_sessions(chat, lambda s: len(s) == 1 and s[0] != fresh)
    assert renewed.startswith("v:")
    await context.close()
