"""Notes never reach a customer, on any channel adapter (Chatwoot #306, #1073): one runtime with the
real Telegram (fake Bot API), SMS (fake Twilio), web chat and terminal deliveries; an agent replies
through the console (it arrives: the wiring works) and writes a note (nothing arrives, nothing is stored
for the customer)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.console.chat import ConsoleDelivery
from bot.channels.sms import SmsChannel, build_sms
from bot.channels.telegram.bot import create_telegram
from bot.channels.web.routes import register_webchat
from bot.engine import Inbound
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage.web import WebChatStore
from bot.web.routes import register_staff_web
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI
from tests.sms.conftest import fake_twilio  # noqa: F401 - a fixture
from tests.support import Clock, use_cached_matcher
from tests.web.conftest import WEB_NOW, login
from tests.web.console.conftest import COMPLAINT

TELEGRAM_CHAT = "4242"
PHONE = "+8613800138000"
VISITOR = "v:" + "ab" * 16
TERMINAL = "term1"


@dataclass
class AllChannels:
    runtime: Runtime
    api: FakeTelegramAPI
    twilio: FakeTwilio
    sms: SmsChannel
    terminal: io.StringIO
    client: TestClient

    async def received(self, channel: str) -> str:
        """Everything the customer of `channel` received (or was stored for them to receive), as one text."""
        if channel == "telegram":
            return "\n".join(str(call.params) for call in self.api.posts(int(TELEGRAM_CHAT)))
        if channel == "sms":
            await self.sms.idle()
            while await self.sms.outbox.run_once():
                await self.sms.idle()
            queued = [item.body for item in await self.sms.sms.outbox(PHONE)]
            return "\n".join([*self.twilio.bodies_to(PHONE), *queued])
        if channel == "web":
            events = await WebChatStore(self.runtime.database).events_after(VISITOR, 0)
            return "\n".join(str(event.payload) for event in events)
        return self.terminal.getvalue()


@pytest.fixture
async def channels(tmp_path: Path, small_kb: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AllChannels]:  # noqa: F811
    use_cached_matcher(monkeypatch)
    async with FakeTelegramAPI() as api:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'all.db'}", knowledge_dir=small_kb,
            bot_token=BOT_TOKEN, telegram_api_url=api.base_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=FROM_NUMBER, twilio_api_url=fake_twilio.api_url,
        )
        clock = Clock(WEB_NOW)
        runtime = await build_runtime(settings, clock=clock)
        bot, _, _ = create_telegram(runtime, pacer=False)
        sms = build_sms(runtime, clock=clock)
        sms.outbox.start = lambda: None  # type: ignore[method-assign]  # driven by hand in `received`
        terminal = io.StringIO()
        runtime.deliveries.register(ConsoleDelivery(terminal, TERMINAL))
        app = create_app(runtime, channels=[register_webchat(runtime), lambda app: register_staff_web(app, runtime)])
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            yield AllChannels(runtime, api, fake_twilio, sms, terminal, client)
        finally:
            await client.close()
            await bot.session.close()
            await runtime.close()


CUSTOMERS = {"telegram": TELEGRAM_CHAT, "sms": PHONE, "web": VISITOR, "console": TERMINAL}


@pytest.mark.parametrize("channel", list(CUSTOMERS))
async def test_a_note_never_reaches_the_customer(channel: str, channels: AllChannels) -> None:
    runtime, customer = channels.runtime, CUSTOMERS[channel]
    if channel == "web":
        await WebChatStore(runtime.database).append(customer, [], site="demo")  # the visitor's row
    outcome = await runtime.handle(Inbound(channel=channel, customer_id=customer, text=COMPLAINT))
    escalation = next(e for e in await runtime.handoff.queue() if e.conversation_id == outcome.conversation_id)
    _, csrf = await login(channels.client, runtime)

    reply = f"REPLY for the {channel} customer"
    await channels.client.post(f"/console/conversations/{escalation.id}/reply", data={"csrf": csrf, "text": reply, "client_id": "r1"})
    assert reply in await channels.received(channel)  # the adapter is live: a reply does arrive

    secret = f"SECRET NOTE about the {channel} customer"
    response = await channels.client.post(f"/console/conversations/{escalation.id}/note", data={"csrf": csrf, "text": secret})
    assert "Note saved" in await response.text()
    assert secret not in await channels.received(channel)
    for message in await runtime.store.transcript(escalation.conversation_id, limit=500):
        assert secret not in (message.text or "")
    page = await (await channels.client.get(f"/console/conversations/{escalation.id}")).text()
    assert secret in page.split('data-testid="notes"', 1)[1]  # staff see it, in the notes
    assert secret not in page.split('data-testid="transcript"', 1)[1].split("</ol>", 1)[0]
