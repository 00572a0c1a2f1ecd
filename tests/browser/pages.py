"""What a customer and an agent do in the browser, in the words of the pages' data-testid selectors; shared
by the browser tests and benchmarks/screenshots.py."""

from __future__ import annotations

from typing import Any

from playwright.async_api import FrameLocator, Locator, Page, expect

FRAME = "iframe#supportbot-frame"


async def open_widget(page: Page, vendor_url: str) -> FrameLocator:
    """The vendor's page with the chat opened (the bubble clicked unless the frame is open already)."""
    await page.goto(vendor_url)
    bubble = page.get_by_test_id("widget-bubble")
    await expect(bubble).to_be_visible(timeout=15_000)
    chat = page.frame_locator(FRAME)
    if not await page.locator(FRAME).is_visible():
        await bubble.click()
    await expect(chat.get_by_test_id("chat-input")).to_be_visible(timeout=15_000)
    # "Connecting..." stays until the session is open; a message typed before that is not sent.
    await expect(chat.get_by_test_id("chat-notice")).to_have_count(0, timeout=15_000)
    return chat


async def reopen_widget(page: Page) -> FrameLocator:
    """After a reload: the chat again (the widget may remember it was open)."""
    await page.wait_for_load_state("domcontentloaded")
    bubble = page.get_by_test_id("widget-bubble")
    await expect(bubble).to_be_visible(timeout=15_000)
    chat = page.frame_locator(FRAME)
    if not await page.locator(FRAME).is_visible():
        await bubble.click()
    await expect(chat.get_by_test_id("chat-input")).to_be_visible(timeout=15_000)
    # "Connecting..." stays until the session is open; a message typed before that is not sent.
    await expect(chat.get_by_test_id("chat-notice")).to_have_count(0, timeout=15_000)
    return chat


def messages(chat: FrameLocator, sender: str | None = None, text: str | None = None) -> Locator:
    """The chat's messages, of one sender ("customer" | "bot" | "agent" | "system") and/or containing a text."""
    selector = '[data-testid="chat-message"]' + (f'[data-sender="{sender}"]' if sender else "")
    found = chat.locator(selector)
    return found.filter(has_text=text) if text else found


async def customer_says(chat: FrameLocator, text: str) -> None:
    """Type a message and press send; waits until it shows as the customer's."""
    await chat.get_by_test_id("chat-input").fill(text)
    await chat.get_by_test_id("chat-send").click()
    try:
        await expect(messages(chat, "customer", text).last).to_be_visible(timeout=10_000)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\nthe chat shows:\n{await chat.locator('body').inner_text()}") from None


async def console_login(page: Page, base: str, email: str, password: str) -> None:
    """Log in through the console's login form; lands on the queue."""
    await page.goto(base + "/console/login")
    await page.locator('input[name="email"]').fill(email)
    await page.locator('input[name="password"]').fill(password)
    await page.get_by_test_id("login-submit").click()
    await page.wait_for_load_state("domcontentloaded")
    if "/console/login" in page.url:
        raise AssertionError(f"login failed: still on {page.url}: {(await page.content())[:2000]}")


def queue_row(page: Page, escalation_id: str | int | None = None) -> Locator:
    """The queue's rows, or the one of an escalation."""
    if escalation_id is None:
        return page.get_by_test_id("queue-row")
    return page.locator(f'[data-testid="queue-row"][data-escalation-id="{escalation_id}"]')


def transcript(page: Page, sender: str | None = None, text: str | None = None) -> Locator:
    """The conversation page's transcript lines, of one sender and/or containing a text."""
    selector = '[data-testid="transcript-line"]' + (f'[data-sender="{sender}"]' if sender else "")
    found = page.locator(selector)
    return found.filter(has_text=text) if text else found


async def agent_replies(page: Page, text: str) -> None:
    """Type into the reply composer and send."""
    await page.get_by_test_id("reply-input").fill(text)
    await page.get_by_test_id("reply-send").click()


async def agent_notes(page: Page, text: str) -> None:
    """Type into the note composer (agents only) and save."""
    await page.get_by_test_id("note-input").fill(text)
    await page.get_by_test_id("note-send").click()


async def xss_fired(page: Page) -> Any:
    """window.__xss in the page and in every frame of it (None everywhere when no payload ran)."""
    values = []
    for frame in page.frames:
        try:
            values.append(await frame.evaluate("() => window.__xss"))
        except Exception:  # noqa: BLE001 - a frame that went away meanwhile ran nothing
            values.append(None)
    return next((v for v in values if v is not None), None)


async def escalation_ids(page: Page) -> set[str]:
    """The escalation ids of the queue's rows on the page now."""
    return {str(await row.get_attribute("data-escalation-id")) for row in await queue_row(page).all()}


async def new_escalation(page: Page, before: set[str], timeout: float = 10.0) -> str:
    """The id of a row that appears in the queue page (it refreshes itself live), not among `before`."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            new = await escalation_ids(page) - before
        except Exception:  # noqa: BLE001 - the page is reloading itself right now
            new = set()
        if new:
            return max(new, key=int)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no new conversation showed in the queue within {timeout:.0f} s (had {sorted(before)})")


async def what_they_see(customer: Page, agent: Page) -> str:
    """The text of the customer's chat and of the agent's page, for a failure's message."""
    parts = []
    for frame in customer.frames:
        if "/chat/frame" in frame.url:
            try:
                parts.append("customer's chat:\n" + await frame.locator("body").inner_text())
            except Exception as exc:  # noqa: BLE001 - best effort, for the report only
                parts.append(f"customer's chat: unreadable ({exc})")
    try:
        parts.append(f"agent's page {agent.url}:\n" + await agent.locator("body").inner_text())
    except Exception as exc:  # noqa: BLE001
        parts.append(f"agent's page: unreadable ({exc})")
    return "\n---\n".join(parts)
