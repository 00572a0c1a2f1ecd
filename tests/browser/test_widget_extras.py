"""The widget's other controls in the browser: 👍 on an answer, a photo (checked by its bytes) that the agent
opens in the console, a file that only claims to be a photo, and a photo link without the visitor's token."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.async_api import Browser, expect

from bot.i18n.catalog import text
from tests.browser.harness import AGENT_EMAIL, AGENT_PASSWORD, Deployment
from tests.browser.pages import (
    console_login,
    customer_says,
    escalation_ids,
    messages,
    new_escalation,
    open_widget,
    transcript,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NOT_A_PHOTO = b"<html><script>window.__xss=1</script></html>"  # an HTML page called cat.png


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def test_feedback_photo_upload_and_the_agent_opening_it(bots: Deployment, chromium: Browser) -> None:
    customer_context = await chromium.new_context(locale="en-US")
    agent_context = await chromium.new_context(locale="en-US")
    try:
        customer, agent = await customer_context.new_page(), await agent_context.new_page()
        chat = await open_widget(customer, bots.vendor.origin + "/")

        # 👍 on an answer: thanked, once.
        await customer_says(chat, "How much is a new battery?")
        answer = messages(chat, "bot", "199 yuan")
        await expect(answer).to_have_count(1, timeout=10_000)
        await answer.get_by_test_id("chat-feedback-up").click()
        await expect(messages(chat, "bot", text("feedback.thanks", "en"))).to_have_count(1, timeout=10_000)

        # A real PNG (a screenshot of the page) shows as the customer's photo, loaded with the visitor's token.
        png = await customer.screenshot(clip={"x": 0, "y": 0, "width": 120, "height": 80})
        await chat.get_by_test_id("chat-upload").set_input_files(files=[{"name": "screen.png", "mimeType": "image/png", "buffer": png}])
        photo = chat.locator('[data-testid="chat-message"][data-sender="customer"] img.chat-photo')
        await expect(photo).to_have_count(1, timeout=10_000)
        await photo.evaluate(  # the image really loads from the bot (with the visitor's token)
            "img => img.complete && img.naturalWidth ? 1 : new Promise((ok, no) => { img.onload = ok; img.onerror = no; })"
        )
        assert await photo.evaluate("img => img.naturalWidth") == 120
        src = await photo.get_attribute("src")
        assert src and "token=" in src
        assert _status(src.split("?", 1)[0]) in (401, 403, 404)  # without the visitor's token: nothing

        # A file whose bytes are not a photo, whatever its name and type say: refused politely, nothing shown.
        await chat.get_by_test_id("chat-upload").set_input_files(files=[{"name": "cat.png", "mimeType": "image/png", "buffer": NOT_A_PHOTO}])
        await expect(chat.get_by_test_id("chat-notice")).to_have_count(1, timeout=10_000)
        await expect(photo).to_have_count(1)

        # The agent (instance B) opens the conversation: the photo is a link that works for staff.
        await console_login(agent, bots.b.url, AGENT_EMAIL, AGENT_PASSWORD)
        await agent.goto(bots.b.url + "/console/")
        known = await escalation_ids(agent)
        await chat.get_by_test_id("chat-human").click()
        escalation_id = await new_escalation(agent, known)
        await agent.goto(f"{bots.b.url}/console/conversations/{escalation_id}")
        link = transcript(agent, "customer").get_by_test_id("attachment")
        await expect(link).to_have_count(1, timeout=10_000)
        href = await link.get_attribute("href")
        assert href
        response = await agent_context.request.get(bots.b.url + href if href.startswith("/") else href)
        assert response.status == 200 and response.headers["content-type"].startswith("image/png")
        assert await response.body() == png
        assert await customer.evaluate("() => window.__xss") is None
        await agent.get_by_test_id("take").click()
        await agent.get_by_test_id("close").click()
    finally:
        await customer_context.close()
        await agent_context.close()
