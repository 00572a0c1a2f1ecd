"""The SMS webhooks against what real networks and hostile senders do.

A body arriving in several TCP writes (with a Content-Length or chunked) must be read whole, never
judged on its first piece; bodies over the limit get 413 however they are framed; text no database can
hold (lone surrogates, NUL, invalid UTF-8) is stored with U+FFFD and answered, never a 5xx that makes
the gateway retry a poison message forever. A partial Twilio configuration is refused at start-up.

The transport tests talk HTTP/1.1 over a raw asyncio socket, so the pieces and pauses are real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.channels.sms.signature import json_signature
from bot.channels.sms.webhooks import EMPTY_TWIML, MAX_BODY, json_handler
from bot.cli import EXIT_SETTINGS
from tests.conftest import ROOT
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.sms.conftest import CUSTOMER, JSON_SECRET, SmsHarness, twilio_signature
from tests.support import SUPPORTBOT

PAUSE = 0.2  # between writes, so the server sees the body arrive in pieces (no assertion on time)


async def _raw_post(h: SmsHarness, path: str, headers: dict[str, str], pieces: list[bytes], *, chunked: bool) -> tuple[int, bytes]:
    """POST `pieces` as separate writes with pauses; returns (status, response body)."""
    server = h.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(sum(map(len, pieces)))}
    head = f"POST {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in {**headers, **framing}.items()) + "\r\n"

    async def send() -> None:
        try:
            writer.write(head.encode("latin-1"))
            await writer.drain()
            for piece in pieces:
                await asyncio.sleep(PAUSE)
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                await writer.drain()
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except ConnectionError:
            pass  # the server answered early (413) and closed: the answer is still there to read

    sending = asyncio.create_task(send())
    try:
        response = await asyncio.wait_for(reader.read(), 60)
    finally:
        await sending
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def _split(body: bytes, parts: int) -> list[bytes]:
    size = -(-len(body) // parts)
    return [body[i:i + size] for i in range(0, len(body), size)]


def _twilio_request(h: SmsHarness, text: str) -> tuple[dict[str, str], bytes]:
    form = h.form(text)
    return ({"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio_signature(h.url(), form)},
            urlencode(form).encode())


def _json_request(payload: dict[str, object], *, ensure_ascii: bool = False) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload, ensure_ascii=ensure_ascii).encode()
    return {"Content-Type": "application/json", "X-Supportbot-Signature": json_signature(body, JSON_SECRET)}, body


async def _answered_once(h: SmsHarness) -> str:
    await h.flush()
    sent = [m.body for m in h.fake.messages if m.to == CUSTOMER]
    assert len(sent) == 1, sent
    return sent[0]


# -- bodies in pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_signed_twilio_post_in_pieces_is_read_whole(sqlite_harness: SmsHarness, chunked: bool) -> None:
    h = sqlite_harness
    headers, body = _twilio_request(h, "How long is the warranty?")
    status, answer = await _raw_post(h, "/sms/twilio", headers, _split(body, 3), chunked=chunked)
    assert status == 200, answer
    assert answer.decode() == EMPTY_TWIML
    [item] = await h.store.inbox()
    assert item.body == "How long is the warranty?" and item.from_number == CUSTOMER
    assert "warranty" in (await _answered_once(h)).lower()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_signed_json_post_in_pieces_is_read_whole(sqlite_harness: SmsHarness, chunked: bool) -> None:
    h = sqlite_harness
    headers, body = _json_request({"id": f"gw-{uuid.uuid4().hex}", "from": CUSTOMER, "text": "保修期多久"})
    status, answer = await _raw_post(h, "/sms/inbound", headers, _split(body, 4), chunked=chunked)
    assert status == 200, answer
    assert json.loads(answer) == {"ok": True, "duplicate": False}
    [item] = await h.store.inbox()
    assert item.body == "保修期多久"
    assert "保修" in await _answered_once(h)


@pytest.mark.parametrize("path", ["/sms/twilio", "/sms/inbound"])
async def test_five_megabyte_chunked_body_gets_413(sqlite_harness: SmsHarness, path: str) -> None:
    h = sqlite_harness
    content_type = "application/json" if path == "/sms/inbound" else "application/x-www-form-urlencoded"
    headers = {"Content-Type": content_type, "X-Twilio-Signature": "x", "X-Supportbot-Signature": "sha256=00"}
    pieces = [b"a" * 1024] + [b"a" * (1024 * 1024)] * 5  # a small first piece, as a slow sender's would be
    status, _ = await _raw_post(h, path, headers, pieces, chunked=True)
    assert status == 413
    assert await h.store.inbox() == []


async def test_body_just_under_the_limit_in_pieces_is_not_413(sqlite_harness: SmsHarness) -> None:
    # The limit counts the whole body, not the first piece: exactly MAX_BODY bytes are read and judged
    # (here a wrong signature, so 403), one byte more is 413.
    h = sqlite_harness
    headers = {"Content-Type": "application/json", "X-Supportbot-Signature": "sha256=00"}
    body = b" " * (MAX_BODY - 2) + b"{}"
    assert (await _raw_post(h, "/sms/inbound", headers, _split(body, 3), chunked=True))[0] == 403
    assert (await _raw_post(h, "/sms/inbound", headers, _split(body + b" ", 3), chunked=True))[0] == 413


@pytest.mark.parametrize("path", ["/sms/twilio", "/sms/inbound"])
async def test_announced_length_over_the_limit_gets_413_before_the_body(sqlite_harness: SmsHarness, path: str) -> None:
    h = sqlite_harness
    server = h.client.server
    content_type = "application/json" if path == "/sms/inbound" else "application/x-www-form-urlencoded"
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                     f"Content-Length: {5 * 1024 * 1024}\r\nConnection: close\r\n\r\n".encode() + b"a" * 100)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 60)
    finally:
        writer.close()
    assert int(status_line.split()[1]) == 413
    assert await h.store.inbox() == []


@pytest.mark.parametrize("framing", ["Transfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n", "Content-Length: 500\r\n\r\n{\"id\""],
                         ids=["chunked", "content-length"])
async def test_sender_going_away_mid_body_is_a_4xx_not_an_error(sqlite_harness: SmsHarness, framing: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    # On the server `supportbot serve` runs (aiohttp's test server cancels the handler instead).
    h = sqlite_harness
    app = web.Application()
    app.router.add_post("/sms/inbound", json_handler(h.channel, JSON_SECRET))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    caplog.set_level(logging.WARNING)
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"POST /sms/inbound HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}".encode())
        await writer.drain()
        await asyncio.sleep(PAUSE)
        writer.write_eof()  # gone before the body is complete
        await asyncio.wait_for(reader.read(), 60)
        writer.close()
        for _ in range(400):  # bounded: until the webhook has judged the request
            if any("cut short" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    assert [r for r in caplog.records if "cut short" in r.getMessage() and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await h.store.inbox() == []


# -- text no database can hold --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("\ud800 hello", "\ufffd hello"),
        ("hello \udfff", "hello \ufffd"),
        ("null\x00byte", "null\ufffdbyte"),
        ("\ud83d\ude00 smile", "\U0001f600 smile"),  # a pair written as two escapes is one character
    ],
    ids=["high-surrogate", "low-surrogate", "nul", "escaped-pair"],
)
async def test_json_text_with_lone_surrogates_is_stored_and_answered(harness: SmsHarness, text: str, stored: str) -> None:
    h = harness
    headers, body = _json_request({"id": "gw-poison", "from": CUSTOMER, "text": text}, ensure_ascii=True)
    response = await h.client.post("/sms/inbound", data=body, headers=headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {"ok": True, "duplicate": False}
    [item] = await h.store.inbox()
    assert item.body == stored
    await _answered_once(h)
    conversation = await h.runtime.store.conversation("sms", CUSTOMER)
    assert conversation is not None
    [inbound, *_] = await h.runtime.store.transcript(conversation.id)
    assert inbound.direction == "in" and inbound.text == stored
    # The gateway retrying the same message gets the same 200 and it is not handled twice.
    again = await h.client.post("/sms/inbound", data=body, headers=headers)
    assert again.status == 200 and await again.json() == {"ok": True, "duplicate": True}
    await _answered_once(h)


async def test_json_other_fields_with_surrogates_do_not_5xx(harness: SmsHarness) -> None:
    h = harness
    headers, body = _json_request({"id": "gw-1", "from": CUSTOMER, "to": "+86\udc00", "text": "hi",
                                   "media": [{"url": "https://x.example/\ud800", "content_type": "image/\x00"}]},
                                  ensure_ascii=True)
    response = await h.client.post("/sms/inbound", data=body, headers=headers)
    assert response.status == 200, await response.text()
    [item] = await h.store.inbox()
    assert item.external_id == "gw-1" and item.to_number == "+86\ufffd"
    await _answered_once(h)


async def test_message_ids_that_are_not_text_are_refused_not_merged(sqlite_harness: SmsHarness) -> None:
    """Two broken ids would both become "gw-\ufffd": the second message would pass for a redelivery."""
    h = sqlite_harness
    for broken in ("gw-\ud800", "gw-\udfff", "gw-\ufffd"):
        headers, body = _json_request({"id": broken, "from": CUSTOMER, "text": "hi"}, ensure_ascii=True)
        response = await h.client.post("/sms/inbound", data=body, headers=headers)
        assert response.status == 400, broken
    assert await h.store.inbox() == []


async def test_json_raw_invalid_utf8_in_text_is_stored_with_replacement(sqlite_harness: SmsHarness) -> None:
    h = sqlite_harness
    body = b'{"id": "gw-bytes", "from": "' + CUSTOMER.encode() + b'", "text": "\xed\xa0\x80 hello"}'
    headers = {"Content-Type": "application/json", "X-Supportbot-Signature": json_signature(body, JSON_SECRET)}
    response = await h.client.post("/sms/inbound", data=body, headers=headers)
    assert response.status == 200, await response.text()
    [item] = await h.store.inbox()
    assert item.body.endswith(" hello") and set(item.body[:-6]) == {"\ufffd"}
    await _answered_once(h)


@pytest.mark.parametrize("encoded", ["%ED%A0%80", "%FF%FE", "%00"], ids=["surrogate", "not-utf8", "nul"])
async def test_twilio_form_with_invalid_utf8_is_stored_and_answered(harness: SmsHarness, encoded: str) -> None:
    h = harness
    form = h.form("x")
    # What any web framework's form parser (and so Twilio's own validators) sees for these bytes.
    seen = bytes.fromhex(encoded.replace("%", "")).decode("utf-8", "replace") + " hello"
    signature = twilio_signature(h.url(), {**form, "Body": seen})
    body = urlencode({k: v for k, v in form.items() if k != "Body"}) + f"&Body={encoded}+hello"
    response = await h.client.post("/sms/twilio", data=body.encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    assert response.status == 200, await response.text()
    assert await response.text() == EMPTY_TWIML
    [item] = await h.store.inbox()
    expected = seen.replace("\x00", "\ufffd")
    assert item.body == expected and "\ufffd" in item.body
    await _answered_once(h)
    conversation = await h.runtime.store.conversation("sms", CUSTOMER)
    [inbound, *_] = await h.runtime.store.transcript(conversation.id)
    assert inbound.text == expected


async def test_twilio_form_with_invalid_utf8_still_needs_the_signature(sqlite_harness: SmsHarness) -> None:
    h = sqlite_harness
    body = b"Body=%ED%A0%80&From=%2B8613800138000&MessageSid=SM1"
    response = await h.client.post("/sms/twilio", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "forged"})
    assert response.status == 403
    assert await h.store.inbox() == []


# -- a partial Twilio configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"TWILIO_ACCOUNT_SID": ACCOUNT_SID}, ["TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"]),
        ({"TWILIO_FROM_NUMBER": FROM_NUMBER, "SMS_WEBHOOK_SECRET": JSON_SECRET}, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]),
        ({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}, ["TWILIO_FROM_NUMBER"]),
    ],
    ids=["only-sid", "only-from-number", "no-from-number"],
)
def test_partial_twilio_configuration_is_refused_in_one_line(tmp_path: Path, small_kb: Path, given: dict[str, str],
                                                             missing: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "KNOWLEDGE_", "TWILIO_", "SMS_", "WEBHOOK_"))}
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", "KNOWLEDGE_DIR": str(small_kb), **given})
    supportbot = SUPPORTBOT
    result = subprocess.run([str(supportbot), "serve"], check=False, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == EXIT_SETTINGS, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert "Traceback" not in line and all(name in line for name in missing)
    assert AUTH_TOKEN not in line  # the secret itself is never printed
    # The line points at the README's section, which exists; nothing names docs that do not.
    assert "docs/" not in line and 'README, "SMS"' in line
    assert "\n## SMS\n" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert not (tmp_path / "p.db").exists()  # refused before anything was touched


def test_sms_package_points_at_docs_that_exist() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "channels" / "sms").glob("*.py"))
    assert "docs/sms.md" not in sources
