"""What the browser must refuse: a cross-site POST to a console action without the CSRF token, a visitor
without a signed identity when WEBCHAT_REQUIRE_IDENTITY is on, and a postMessage from a forged origin.

Each attack runs next to a control that does the same thing the legitimate way and succeeds, so a
refusal is known to come from the check, not from a broken page.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.async_api import Browser, Page, expect

from bot.i18n.catalog import text
from tests.browser.harness import (
    AGENT_EMAIL,
    AGENT_PASSWORD,
    IDENTITY_SECRET,
    SITE_KEY,
    Deployment,
    VendorSite,
    run_cli,
    single_server,
    vendor_page,
)
from tests.browser.pages import (
    FRAME,
    console_login,
    customer_says,
    escalation_ids,
    messages,
    new_escalation,
    open_widget,
    queue_row,
    transcript,
    xss_fired,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

VICTIM = "victim-7"


def _identity_hash(user_id: str) -> str:
    from bot.channels.web.sites import identity_hash

    return identity_hash(IDENTITY_SECRET, user_id)


async def _escalation(chromium: Browser, bots: Deployment, agent: Page) -> str:
    """A new customer asks for a person in the widget; the escalation id the agent's queue shows."""
    await agent.goto(bots.b.url + "/console/")
    before = await escalation_ids(agent)
    context = await chromium.new_context(locale="en-US")
    try:
        chat = await open_widget(await context.new_page(), bots.vendor.origin + "/")
        await chat.get_by_test_id("chat-human").click()
        await expect(messages(chat, "bot").last).to_be_visible(timeout=10_000)
    finally:
        await context.close()
    return await new_escalation(agent, before)


async def test_a_cross_site_post_without_the_token_is_refused(bots: Deployment, chromium: Browser) -> None:
    context = await chromium.new_context(locale="en-US")
    try:
        agent = await context.new_page()
        await console_login(agent, bots.b.url, AGENT_EMAIL, AGENT_PASSWORD)
        escalation_id = await _escalation(chromium, bots, agent)
        take = f"{bots.b.url}/console/conversations/{escalation_id}/take"

        # A page of another origin (the vendor's: same site, so SameSite=Lax still sends the agent's
        # cookie) submits a form to the console in the agent's browser.
        bots.vendor.pages["/attack"] = (
            f'<!doctype html><form id="f" method="post" action="{take}"><input name="x" value="1"></form>'
            '<script>document.getElementById("f").submit()</script>'
        )
        async with agent.expect_response(take) as refused:
            await agent.goto(bots.vendor.origin + "/attack")
        assert (await refused.value).status == 403

        # The same POST from a script with the agent's cookie: a foreign Origin, or no token at all.
        response = await context.request.post(take, form={"x": "1"}, headers={"Origin": bots.vendor.origin}, max_redirects=0)
        assert response.status == 403
        response = await context.request.post(take, form={"x": "1"}, max_redirects=0)
        assert response.status == 403

        # Nothing happened: still nobody's. Then the agent's own button works.
        await agent.goto(f"{bots.b.url}/console/conversations/{escalation_id}")
        await expect(agent.get_by_test_id("assigned-agent")).to_have_text("")
        await agent.get_by_test_id("take").click()
        await expect(agent.get_by_test_id("assigned-agent")).not_to_have_text("", timeout=10_000)
        await agent.get_by_test_id("close").click()
    finally:
        await context.close()


def _post_json(url: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


async def test_an_unsigned_identity_is_refused_when_identity_is_required(bots: Deployment, chromium: Browser) -> None:
    settings = {**bots.settings, "WEBCHAT_REQUIRE_IDENTITY": "true", "WEBCHAT_IDENTITY_SECRET": IDENTITY_SECRET}
    with single_server("identity", settings, bots.workdir) as strict:
        session = f"{strict.url}/chat/api/session"
        # The API itself: anonymous, unsigned and wrongly signed are refused; the vendor's HMAC is not.
        assert _post_json(session, {"key": SITE_KEY, "lang": "en"})[0] == 403
        assert _post_json(session, {"key": SITE_KEY, "lang": "en", "user_id": "42"})[0] == 403
        assert _post_json(session, {"key": SITE_KEY, "lang": "en", "user_id": "42", "hash": "0" * 64})[0] == 403
        status, body = _post_json(session, {"key": SITE_KEY, "lang": "en", "user_id": "42", "hash": _identity_hash("42")})
        assert status == 200 and body["identified"] is True

        bots.vendor.pages["/strict"] = vendor_page(strict.url)
        required, refused = text("webchat.identity_required", "en"), text("webchat.identity_refused", "en")
        cases = ((None, None, required), ("42", None, refused), ("42", "deadbeef", refused), ("42", _identity_hash("42"), None))
        for user, signature, notice in cases:
            context = await chromium.new_context(locale="en-US")
            try:
                page = await context.new_page()
                await page.goto(bots.vendor.origin + "/strict")
                await expect(page.get_by_test_id("widget-bubble")).to_be_visible(timeout=15_000)
                if user is not None:  # the vendor's page says who is logged in (signed or not)
                    identity = {"userId": user, "name": "Li"} | ({"hash": signature} if signature else {})
                    await page.evaluate("identity => window.SupportWidget.identify(identity)", identity)
                await page.get_by_test_id("widget-bubble").click()
                chat = page.frame_locator(FRAME)
                await expect(chat.get_by_test_id("chat-input")).to_be_visible(timeout=15_000)
                if notice is None:
                    await customer_says(chat, "How long is the warranty?")
                    await expect(messages(chat, "bot", "two-year warranty")).to_have_count(1, timeout=10_000)
                else:
                    await expect(chat.get_by_test_id("chat-notice")).to_have_text(notice, timeout=10_000)
                    await chat.get_by_test_id("chat-input").fill("How long is the warranty?")
                    await chat.get_by_test_id("chat-send").click()
                    await asyncio.sleep(1.5)
                    assert await messages(chat).count() == 0  # no session: nothing was sent or answered
            finally:
                await context.close()


def _forger_page(target_origin: str, message: dict[str, object]) -> str:
    """A page of another origin that, once framed beside the chat, posts a message to every sibling frame."""
    payload = json.dumps(message)
    return f"""<!doctype html><title>forger</title><script>
var message = {payload};
function fire() {{
  for (var i = 0; i < parent.frames.length; i++) {{
    try {{ parent.frames[i].postMessage(message, "*"); }} catch (e) {{}}
  }}
  document.title = "fired";
}}
fire(); setInterval(fire, 250);
</script>
<iframe id="lying" src="{target_origin}"></iframe>"""


async def _stored_session(page: Page) -> dict[str, object] | None:
    """The chat frame's saved session ({token, user}) in its own origin's localStorage."""
    frame = next(f for f in page.frames if "/chat/frame" in f.url)
    raw = await frame.evaluate(f"() => localStorage.getItem('supportbot:{SITE_KEY}')")
    return json.loads(raw) if raw else None


async def test_a_postmessage_from_a_forged_origin_is_ignored(bots: Deployment, chromium: Browser) -> None:
    settings = {**bots.settings, "WEBCHAT_IDENTITY_SECRET": IDENTITY_SECRET}
    forged = {"type": "supportbot:identity", "identity": {"userId": VICTIM, "name": "Mallory", "hash": _identity_hash(VICTIM)}}
    evil = VendorSite()
    try:
        with single_server("postmessage", settings, bots.workdir) as bot:
            bots.vendor.pages["/shop"] = vendor_page(bot.url)
            # The forger also frames the chat itself, claiming to be the vendor: CSP frame-ancestors stops it.
            evil.pages["/forger"] = _forger_page(f"{bot.url}/chat/frame?key={SITE_KEY}&origin={bots.vendor.origin}", forged)
            context = await chromium.new_context(locale="en-US")
            try:
                page = await context.new_page()
                chat = await open_widget(page, bots.vendor.origin + "/shop")
                await customer_says(chat, "How long is the warranty?")
                await expect(messages(chat, "bot", "two-year warranty")).to_have_count(1, timeout=10_000)
                assert (await _stored_session(page) or {}).get("user") is None  # anonymous

                # A frame of another origin on the same page posts a (validly signed, stolen) identity.
                await page.evaluate(
                    "src => { const f = document.createElement('iframe'); f.id = 'forger'; f.src = src; document.body.appendChild(f); }",
                    evil.origin + "/forger",
                )
                forger = page.frame_locator("#forger")
                await expect(forger.locator("#lying")).to_be_attached(timeout=10_000)
                await asyncio.sleep(2)  # many forged messages meanwhile
                forger_frame = next(f for f in page.frames if f.url.startswith(evil.origin))
                assert await forger_frame.title() == "fired"
                assert (await _stored_session(page) or {}).get("user") is None
                await expect(messages(chat, "bot", "two-year warranty")).to_have_count(1)  # the log was not reset
                lying = next((f for f in page.frames if f.parent_frame is forger_frame), None)
                assert lying is None or await lying.locator("#chat-input").count() == 0, "framed by a foreign origin"

                # Control: the vendor's own page says the same through the widget: the frame switches user.
                await page.evaluate("identity => window.SupportWidget.identify(identity)", forged["identity"])
                for _ in range(50):
                    if (await _stored_session(page) or {}).get("user") == VICTIM:
                        break
                    await asyncio.sleep(0.2)
                assert (await _stored_session(page) or {}).get("user") == VICTIM
            finally:
                await context.close()
    finally:
        evil.close()


async def test_xss_from_another_channel_is_text_in_the_console(bots: Deployment, chromium: Browser) -> None:
    """The terminal channel (`supportbot chat`, piped) on the same database: its customer's payloads are
    text in B's queue and transcript too, not only the web chat's."""
    payloads = ('<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>")
    context = await chromium.new_context(locale="en-US")
    try:
        agent = await context.new_page()
        await console_login(agent, bots.b.url, AGENT_EMAIL, AGENT_PASSWORD)
        await agent.goto(bots.b.url + "/console/")
        known = await escalation_ids(agent)
        customer = f"xss-{uuid.uuid4().hex[:8]}"
        chat = await asyncio.to_thread(run_cli, ["chat", "--customer", customer], bots.settings, bots.workdir,
                                       "human\n" + "\n".join(payloads) + "\n")
        assert chat.returncode == 0, chat.stderr
        escalation_id = await new_escalation(agent, known)
        await expect(queue_row(agent, escalation_id).get_by_test_id("last-text")).to_have_text(payloads[-1])
        await agent.goto(f"{bots.b.url}/console/conversations/{escalation_id}")
        for payload in payloads:
            await expect(transcript(agent, "customer", payload)).to_have_count(1, timeout=10_000)
        assert await xss_fired(agent) is None
        await agent.get_by_test_id("take").click()
        await agent.get_by_test_id("close").click()
    finally:
        await context.close()
