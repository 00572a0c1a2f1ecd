"""Fixtures for the SMS channel: a fake Twilio REST server, the real runtime and aiohttp application.

Everything runs on 127.0.0.1 through the real HTTP path: signed form posts go to `/sms/twilio` (or
JSON to `/sms/inbound`) of `bot.app.create_app`, the real engine and storage (SQLite and PostgreSQL)
handle them, and the outbox sends the answers with aiohttp to `tests/fakes/sms_provider.py`.
Signatures are made with the official `twilio` package's RequestValidator, the oracle for ours.

The outbox runs with a hand-moved clock: `harness.flush()` processes what was received and sends
what is due *now*; `harness.clock.advance(seconds=...)` makes retries due. No test sleeps or times.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.channels.sms import SmsChannel, build_sms, sms_routes
from bot.channels.sms.signature import json_signature
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from bot.storage.sms import PENDING, SENDING
from bot.storage.sms_outbox import OutboxItem
from bot.storage.sms_store import SmsStore
from tests.support import DEMO_KB, SHANGHAI, WEDNESDAY_MORNING, Clock, use_cached_matcher  # noqa: F401
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

PUBLIC_URL = "https://support.example.com/bot"
JSON_SECRET = "json-gateway-secret"
CUSTOMER = "+8613800138000"



@pytest.fixture(autouse=True)
def cached_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = await FakeTwilio().start()
    yield fake
    await fake.stop()


def twilio_signature(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The oracle: the signature the official twilio package computes."""
    return RequestValidator(token).compute_signature(url, form)


@dataclass
class SmsHarness:
    runtime: Runtime
    channel: SmsChannel
    client: TestClient
    fake: FakeTwilio
    clock: Clock
    public_url: str | None

    @property
    def store(self) -> SmsStore:
        return self.channel.sms

    def form(self, text: str, number: str = CUSTOMER, sid: str | None = None, **extra: str) -> dict[str, str]:
        """A realistic Twilio inbound-SMS form."""
        sid = sid or f"SM{uuid.uuid4().hex}"
        return {
            "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
            "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": text, "FromCountry": "CN",
            "To": FROM_NUMBER, "MessagingServiceSid": "", "ToZip": "", "NumSegments": "1", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": number, "ApiVersion": "2010-04-01", **extra,
        }

    def url(self, path: str = "/sms/twilio") -> str:
        base = self.public_url or str(self.client.make_url("")).rstrip("/")
        return base.rstrip("/") + path

    async def post_form(self, form: dict[str, str], *, signature: str | None = None, path: str = "/sms/twilio",
                        headers: dict[str, str] | None = None) -> ClientResponse:
        """POST a form to the webhook, signed for the URL Twilio would call (unless a signature is given)."""
        if signature is None:
            signature = twilio_signature(self.url(path), form)
        return await self.client.post(path, data=form, headers={"X-Twilio-Signature": signature, **(headers or {})})

    async def sms(self, text: str, number: str = CUSTOMER, **extra: str) -> ClientResponse:
        """The customer texts `text`; returns the webhook's response (the answer is queued, see flush)."""
        response = await self.post_form(self.form(text, number, **extra))
        assert response.status == 200, await response.text()
        return response

    async def post_json(self, payload: Any, *, secret: str = JSON_SECRET, raw: bytes | None = None) -> ClientResponse:
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        return await self.client.post(
            "/sms/inbound", data=body,
            headers={"Content-Type": "application/json", "X-Supportbot-Signature": json_signature(body, secret)},
        )

    async def flush(self) -> None:
        """Process everything received, then send everything due now (the outbox worker's work, done here)."""
        await self.channel.idle()
        while await self.channel.outbox.run_once():
            await self.channel.idle()

    async def chat(self, text: str, number: str = CUSTOMER) -> str:
        """Text the bot and return the SMS it sends back (exactly one is expected)."""
        before = len(self.fake.messages)
        await self.sms(text, number)
        await self.flush()
        sent = [m.body for m in self.fake.messages[before:] if m.to == number]
        assert len(sent) == 1, f"expected one SMS back for {text!r}, got {sent}"
        return sent[0]

    async def outbox(self, number: str | None = None) -> list[OutboxItem]:
        return await self.store.outbox(number)

    async def unsent(self) -> list[OutboxItem]:
        return [m for m in await self.store.outbox() if m.status in (PENDING, SENDING)]


async def open_harness(database_url: str, fake: FakeTwilio, *, public_url: str | None = PUBLIC_URL,
                       knowledge_dir: Path = DEMO_KB, **settings: Any) -> tuple[SmsHarness, Any]:
    clock = Clock()
    values: dict[str, Any] = {
        "database_url": database_url, "knowledge_dir": knowledge_dir, "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN, "twilio_from_number": FROM_NUMBER, "twilio_api_url": fake.api_url,
        "public_url": public_url, "sms_webhook_secret": JSON_SECRET,
    }
    config = load_settings(**{**values, **settings})
    runtime = await build_runtime(config, clock=clock)
    # The worker is not started: tests drive it with flush() and the hand-moved clock.
    channel = build_sms(runtime, clock=clock)
    channel.outbox.start = lambda: None  # type: ignore[method-assign]
    client = TestClient(TestServer(create_app(runtime, channels=[sms_routes(channel)])))
    await client.start_server()
    return SmsHarness(runtime, channel, client, fake, clock, public_url), client


@pytest.fixture
async def harness(database_url: str, fake_twilio: FakeTwilio) -> AsyncIterator[SmsHarness]:
    h, client = await open_harness(database_url, fake_twilio)
    yield h
    await client.close()
    await h.runtime.close()


@pytest.fixture
async def sqlite_harness(tmp_path: Path, fake_twilio: FakeTwilio) -> AsyncIterator[SmsHarness]:
    """The harness on SQLite only, for tests of behaviour that does not depend on the database."""
    h, client = await open_harness(f"sqlite+aiosqlite:///{tmp_path / 'sms.db'}", fake_twilio)
    yield h
    await client.close()
    await h.runtime.close()
