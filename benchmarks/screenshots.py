"""Screenshots of the web pages for the README, in Chinese and English, from the real thing.

    python benchmarks/screenshots.py [--out docs/screenshots] [--kb knowledge]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/0]

Starts what the browser tests start (tests/browser/harness.py): two `supportbot serve` instances on a
throw-away PostgreSQL database (created through the admin URL and dropped after) and Redis, and a vendor
page on another origin that embeds the widget. Then, per language (zh-Hans, en), a customer chats in the
widget and asks for a person, an agent on the other instance takes the conversation, replies and writes a
note, and a supervisor opens the dashboard. Saves 1280x800 PNGs:

    widget-<lang>.png, console-queue-<lang>.png, console-conversation-<lang>.png, dashboard-<lang>.png

and prints their paths. Needs the system's Chromium (/usr/bin/chromium or $CHROMIUM) and CJK fonts
(Debian: fonts-wqy-microhei), PostgreSQL and Redis. The knowledge directory is copied without hours.yaml so
agents are on duty whatever the time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.harness import (
    AGENT_PASSWORD,
    SUPERVISOR_EMAIL,
    SUPERVISOR_PASSWORD,
    Deployment,
    add_staff,
    deployment,
)
from tests.browser.pages import (
    agent_notes,
    agent_replies,
    console_login,
    customer_says,
    messages,
    open_widget,
    queue_row,
    transcript,
)

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Script:
    """What the people say in one language."""

    language: str
    locale: str
    vendor_path: str  # the vendor's page in this language
    agent_email: str
    agent_name: str
    warm_up: tuple[str, ...]  # customers the bot answers alone (figures for the dashboard)
    question: str
    follow_up: str
    reply: str
    note: str


SCRIPTS = (
    Script(
        language="zh-Hans", locale="zh-CN", vendor_path="/zh", agent_email="li.agent@example.com", agent_name="李娜",
        warm_up=("换电池多少钱", "客服电话多少", "怎么购买延保"),
        question="手机保修期多长时间？",
        follow_up="我的手机屏幕摔裂了，还在保修期内吗？",
        reply="您好，我是李娜。屏幕摔裂属于人为损坏，不在保修范围内，但可以享受碎屏险或付费维修，我帮您查一下价格。",
        note="客户情绪稳定；已核对发票日期 2026-03-02。",
    ),
    Script(
        language="en", locale="en-US", vendor_path="/", agent_email="sam.agent@example.com", agent_name="Sam",
        warm_up=("How much is a new battery?", "What are your hotline hours?", "How do I buy an extended warranty?"),
        question="How long is the warranty?",
        follow_up="My phone screen cracked when I dropped it. Is that covered?",
        reply="Hi, this is Sam. A cracked screen from a drop is not covered by the warranty, but the screen plan or a paid repair is: let me check the price for you.",
        note="Calm customer; invoice date checked (2026-03-02).",
    ),
)


def _knowledge_copy(source: Path, workdir: Path) -> Path:
    target = workdir / "kb"
    shutil.copytree(source, target)
    (target / "hours.yaml").unlink(missing_ok=True)  # agents on duty whatever the time of the run
    return target


async def _warm_up(browser: Browser, bots: Deployment, script: Script) -> None:
    """A few customers the bot answers alone, so the dashboard has more than one conversation."""
    for question in script.warm_up:
        context = await browser.new_context(locale=script.locale, viewport=VIEWPORT)
        page = await context.new_page()
        chat = await open_widget(page, bots.vendor.origin + script.vendor_path)
        await customer_says(chat, question)
        await expect(messages(chat, "bot").last).to_be_visible(timeout=10_000)
        await context.close()


async def _one_language(browser: Browser, bots: Deployment, script: Script, out: Path) -> list[Path]:
    saved: list[Path] = []

    async def shot(page: Page, name: str) -> None:
        path = out / f"{name}-{script.language}.png"
        await page.wait_for_timeout(400)  # let transitions settle
        await page.screenshot(path=str(path))
        saved.append(path)

    await _warm_up(browser, bots, script)
    customer_context = await browser.new_context(locale=script.locale, viewport=VIEWPORT)
    agent_context = await browser.new_context(locale=script.locale, viewport=VIEWPORT)
    customer, agent = await customer_context.new_page(), await agent_context.new_page()
    try:
        chat = await open_widget(customer, bots.vendor.origin + script.vendor_path)
        await customer_says(chat, script.question)
        await expect(messages(chat, "bot").last).to_be_visible(timeout=10_000)
        await chat.get_by_test_id("chat-human").click()
        await customer_says(chat, script.follow_up)

        await console_login(agent, bots.b.url, script.agent_email, AGENT_PASSWORD)
        await agent.goto(bots.b.url + "/console/")
        await expect(queue_row(agent).first).to_be_visible(timeout=10_000)
        await shot(agent, "console-queue")

        escalation_id = await queue_row(agent).first.get_attribute("data-escalation-id")
        await agent.goto(f"{bots.b.url}/console/conversations/{escalation_id}")
        await agent.get_by_test_id("take").click()
        await expect(agent.get_by_test_id("reply-input")).to_be_visible(timeout=10_000)
        await agent_replies(agent, script.reply)
        await expect(messages(chat, "agent", script.reply[:20])).to_have_count(1, timeout=10_000)
        await agent_notes(agent, script.note)
        await expect(transcript(agent, None, script.reply[:20]).first).to_be_visible(timeout=10_000)
        await agent.wait_for_timeout(800)
        await transcript(agent).last.scroll_into_view_if_needed()  # the latest lines, as an agent sees them
        await shot(agent, "console-conversation")
        await shot(customer, "widget")

        await agent.get_by_test_id("close").click()
        await expect(chat.get_by_test_id("chat-option").last).to_be_visible(timeout=10_000)
        await chat.get_by_test_id("chat-option").last.click()
    finally:
        await customer_context.close()
        await agent_context.close()

    supervisor_context = await browser.new_context(locale=script.locale, viewport=VIEWPORT)
    supervisor = await supervisor_context.new_page()
    try:
        email = SUPERVISOR_EMAIL if script.language == "en" else f"zh.{SUPERVISOR_EMAIL}"
        await console_login(supervisor, bots.b.url, email, SUPERVISOR_PASSWORD)
        await supervisor.goto(bots.b.url + "/console/dashboard")
        await supervisor.wait_for_load_state("networkidle")
        await shot(supervisor, "dashboard")
    finally:
        await supervisor_context.close()
    return saved


async def _run(args: argparse.Namespace) -> list[Path]:
    import asyncpg

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    admin_url = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"supportbot_screens_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_url, timeout=5)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    database_url = f"{admin_url.rpartition('/')[0]}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    workdir = Path(tempfile.mkdtemp(prefix="supportbot-screens-"))
    saved: list[Path] = []
    try:
        kb = _knowledge_copy(Path(args.kb), workdir)
        with deployment(database_url, args.redis_url, workdir, kb=kb,
                        extra={"BRAND_NAME": "Acme Care", "TIMEZONE": "Asia/Shanghai"}, staff=False) as bots:
            for script in SCRIPTS:  # each person reads the console in their own language
                add_staff(bots.settings, workdir, script.agent_email, script.agent_name, "agent", AGENT_PASSWORD, script.language)
            add_staff(bots.settings, workdir, SUPERVISOR_EMAIL, "Wang", "supervisor", SUPERVISOR_PASSWORD, "en")
            add_staff(bots.settings, workdir, f"zh.{SUPERVISOR_EMAIL}", "王芳", "supervisor", SUPERVISOR_PASSWORD, "zh-Hans")
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
                try:
                    for script in SCRIPTS:
                        saved += await _one_language(browser, bots, script, out)
                finally:
                    await browser.close()
    finally:
        connection = await asyncpg.connect(admin_url, timeout=5)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--kb", default=str(ROOT / "knowledge"))
    parser.add_argument("--database-url", default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL URL whose user may create databases (a throw-away one is made and dropped)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    for path in asyncio.run(_run(args)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
