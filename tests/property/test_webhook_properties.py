"""Any body at the webhooks, written over a raw socket in random pieces with pauses (Content-Length or
chunked): never a 5xx (the database is up), never an exception, and a message that got 200 is stored
exactly once (a redelivery too) and answered or with people.

    /sms/twilio      a signed form whose Body is any text, even bytes that are not UTF-8; any content type
    /sms/inbound     a signed JSON body of any shape, any text, invalid UTF-8 spliced in
    Telegram         updates as Telegram posts them (any text, fields we do not know), and any JSON at all
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_from_bytes

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.sms.signature import json_signature
from bot.channels.sms.webhooks import MAX_BODY, MAX_TEXT
from bot.channels.telegram.webhook import SECRET_HEADER, start_webhook, webhook_secret
from bot.runtime import build_runtime
from bot.safetext import storable
from bot.storage.sms import DONE, LIMITED, SKIPPED
from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.fakes.telegram_api import BOT_TOKEN, FakeTelegramAPI
from tests.property.strategies import (
    PHRASES,
    any_text,
    assert_answered,
    assert_storable,
    fresh_id,
    json_values,
    kept,
    no_errors_logged,
    split,
)
from tests.sms.conftest import JSON_SECRET, PUBLIC_URL, SmsHarness, open_harness
from tests.support import use_cached_matcher
from tests.telegram.conftest import build_harness, make_settings

FORM = "application/x-www-form-urlencoded"
FORMS = (FORM, "application/x-www-form-urlencoded; charset=utf-8")
JSONS = ("application/json", "application/json; charset=utf-8")
content_types = st.sampled_from([None, "text/plain", "application/json", FORM, "multipart/form-data; boundary=x",
                                 "application/octet-stream", "application/x-www-form-urlencoded; charset=utf-8",
                                 "application/json; charset=utf-8", "APPLICATION/JSON", "text/xml"])
framing = st.fixed_dictionaries({
    "cuts": st.lists(st.floats(0, 1), max_size=4),
    "chunked": st.booleans(),
    "pause": st.sampled_from([0.0, 0.002, 0.02]),
})


# -- a client that writes the body in pieces ------------------------------------------------------------


async def raw_post(port: int, path: str, body: bytes, headers: dict[str, str], *, cuts: list[float], chunked: bool,
                   pause: float) -> tuple[int, bytes]:
    """POST over a plain socket, the body written in pieces with pauses; returns (status, response body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}")
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for piece in split(body, cuts):
            if chunked and piece:
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            elif not chunked:
                writer.write(piece)
            await writer.drain()
            if pause:
                await asyncio.sleep(pause)
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
    except (ConnectionError, OSError):
        pass  # the server answered (413) and closed before the whole body was written
    response = await reader.read()
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()
    status_line, _, rest = response.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), f"no HTTP response: {response[:200]!r}"
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def run_property(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: Callable[[], Awaitable[Any]],
                 check: Callable[[asyncio.Runner, Any], None]) -> None:
    """Start the server once (one event loop for the whole test), then let hypothesis run `check`."""
    use_cached_matcher(monkeypatch)
    with asyncio.Runner() as runner:
        context, stop = runner.run(start())
        try:
            check(runner, context)
        finally:
            runner.run(stop())


# -- SMS ------------------------------------------------------------------------------------------------


async def _sms(tmp_path: Path) -> tuple[SmsHarness, Callable[[], Awaitable[None]]]:
    fake = await FakeTwilio().start()
    harness, client = await open_harness(f"sqlite+aiosqlite:///{tmp_path / 'sms.db'}", fake, public_url=PUBLIC_URL)

    async def stop() -> None:
        await harness.channel.idle()
        await client.close()
        await harness.runtime.close()
        await fake.stop()

    return harness, stop


def _number() -> str:
    return f"+86139{fresh_id():08d}"


async def _sms_kept(harness: SmsHarness, external_id: str, sent: object) -> None:
    """One inbox row and one transcript row for the message; answered, or the customer said STOP."""
    await harness.channel.idle()
    inbox = [item for item in await harness.store.inbox() if item.external_id == external_id]
    assert len(inbox) == 1, f"{len(inbox)} inbox rows for one accepted message ({sent!r:.300})"
    [item] = inbox
    assert item.status in (DONE, SKIPPED, LIMITED), f"message ended {item.status} ({sent!r:.300})"
    assert_storable(item.body)
    rows = await kept(harness.runtime, "sms", item.from_number)
    assert [m.external_id for m in rows.inbound].count(external_id) == 1
    for message in rows.messages:
        assert_storable(message.text)
    if item.status == DONE:
        queued = await harness.outbox(item.from_number)
        assert queued or rows.with_people, f"accepted, but no SMS queued and nobody has it ({sent!r:.300})"
        assert_answered(rows, sent)


def _form_body(text_bytes: bytes, sid: str, number: str, extra: dict[str, str]) -> bytes:
    fields = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": number, "To": FROM_NUMBER,
              "NumMedia": "0", **extra}
    parts = [f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode())}" for k, v in fields.items()]
    parts.append("Body=" + quote_from_bytes(text_bytes))
    return "&".join(parts).encode()


def _text_bytes(text: str, how: str) -> bytes:
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")  # a lone surrogate: bytes that are not UTF-8
    return text.encode(how, "replace")


def test_twilio_webhook_takes_any_text_in_any_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def check(runner: asyncio.Runner, harness: SmsHarness) -> None:
        port = harness.client.server.port
        assert port is not None

        @given(text=any_text, encoding=st.sampled_from(["utf-8", "utf-8", "gb18030", "latin-1"]), how=framing,
               content_type=st.one_of(st.just(FORM), content_types), bad_signature=st.booleans() | st.just(False),
               extra=st.dictionaries(st.sampled_from(["NumSegments", "FromCountry", "SmsStatus", "ApiVersion", "X"]),
                                     st.text(max_size=10), max_size=3))
        def post(text: str, encoding: str, how: dict[str, Any], content_type: str | None, bad_signature: bool,
                 extra: dict[str, str]) -> None:
            number, sid = _number(), f"SM{uuid.uuid4().hex}"
            body = _form_body(_text_bytes(text, encoding), sid, number, extra)
            # Twilio signs what it posts; a web framework reads non-UTF-8 bytes as U+FFFD: sign that view.
            params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"))
            signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/sms/twilio", params)
            headers = {"X-Twilio-Signature": signature[::-1] if bad_signature else signature}
            if content_type:
                headers["Content-Type"] = content_type

            # A signed form of the right type within the limits must be taken: a provider does not retry a 4xx.
            must_take = (not bad_signature and content_type in FORMS and len(body) <= MAX_BODY
                         and len(storable(params["Body"])) <= MAX_TEXT)

            async def scenario() -> None:
                for _attempt in range(2):  # Twilio retrying the same MessageSid
                    status, answer = await raw_post(port, "/sms/twilio", body, headers, **how)
                    assert status < 500, f"{status} {answer[:300]!r} for {text!r:.200}"
                    assert (status == 200) == must_take, f"{status} {answer[:200]!r} for {text!r:.200} sent as {how}"
                    if status != 200:
                        assert not await harness.store.inbox(number)
                        return
                    assert b"<Response/>" in answer
                    await _sms_kept(harness, sid, text)

            with no_errors_logged(runner.get_loop()):
                runner.run(scenario())

        post()

    run_property(tmp_path, monkeypatch, lambda: _sms(tmp_path), check)


def _json_message(number: str, external_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """A gateway's message: the documented fields with any text, or any value in any of them."""
    return st.fixed_dictionaries(
        {"id": st.just(external_id), "from": st.just(number), "text": any_text},
        optional={"to": st.sampled_from([FROM_NUMBER, "", "+8610"]) | st.text(max_size=40),
                  "media": st.just([]) | st.lists(st.fixed_dictionaries({"url": st.text(max_size=40)},
                                                                         optional={"content_type": st.sampled_from(["image/jpeg", "audio/amr", "x"])}), max_size=2),
                  "extra": json_values()},
    )


@st.composite
def json_bodies(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A raw body: a well-formed message, one with a field replaced by anything, or any JSON at all;
    maybe with bytes that are not UTF-8 spliced in."""
    shape = draw(st.sampled_from(["message", "message", "message", "mangled", "any"]))
    value: Any = draw(_json_message(_number(), f"gw-{uuid.uuid4().hex}"))
    if shape == "mangled":
        value[draw(st.sampled_from(["id", "from", "text", "media", "to"]))] = draw(json_values())
    elif shape == "any":
        value = draw(json_values())
    ascii_only = draw(st.booleans())
    body = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    spliced = draw(st.integers(0, 4)) == 0
    if spliced:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\x00"])) + body[at:]
    # A documented message within the limits: the webhook must take it.
    wellformed = (shape == "message" and not spliced and len(body) <= MAX_BODY
                  and len(storable(value["text"])) <= MAX_TEXT)
    return body, wellformed


def gateway_id(body: bytes) -> str:
    """The message id the gateway meant (documented: a string, or a number), as the webhook keeps it."""
    external_id = json.loads(body.decode("utf-8", "replace"))["id"]
    return storable(str(external_id).strip())


def test_json_webhook_takes_any_body_in_any_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def check(runner: asyncio.Runner, harness: SmsHarness) -> None:
        port = harness.client.server.port
        assert port is not None
        seen: set[str] = set()  # ids accepted so far: a mangled id (0, "1") may come back in a later example

        @given(sent=json_bodies(), how=framing, content_type=st.one_of(st.just("application/json"), content_types))
        def post(sent: tuple[bytes, bool], how: dict[str, Any], content_type: str | None) -> None:
            body, wellformed = sent
            headers = {"X-Supportbot-Signature": json_signature(body, JSON_SECRET)}
            if content_type:
                headers["Content-Type"] = content_type

            async def scenario() -> None:
                for _attempt in range(2):  # the gateway retrying the same id
                    status, answer = await raw_post(port, "/sms/inbound", body, headers, **how)
                    assert status < 500, f"{status} {answer[:300]!r} for {body[:300]!r}"
                    if wellformed and content_type in JSONS:
                        assert status == 200, f"{status} {answer[:200]!r} for {body[:300]!r} sent as {how}"
                    if status != 200:
                        return
                    external_id = gateway_id(body)
                    assert json.loads(answer) == {"ok": True, "duplicate": external_id in seen}
                    seen.add(external_id)
                    await _sms_kept(harness, external_id, body)

            with no_errors_logged(runner.get_loop()):
                runner.run(scenario())

        post()

    run_property(tmp_path, monkeypatch, lambda: _sms(tmp_path), check)


# -- Telegram -------------------------------------------------------------------------------------------


class TelegramServer:
    """The webhook server with the fake Bot API behind it, and a way to wait for stored updates to be handled."""

    def __init__(self, api: FakeTelegramAPI, runtime: Any, runner: web.AppRunner) -> None:
        self.api, self.runtime, self.runner = api, runtime, runner
        self.port = runner.addresses[0][1]
        self.secret = webhook_secret(BOT_TOKEN)
        [self.handler] = [r.handler.__self__ for r in runner.app.router.routes()  # type: ignore[union-attr]
                          if r.method == "POST" and hasattr(r.handler, "__self__")]
        self.inbox = self.handler.dispatcher["inbox"]  # the webhook stores updates; the inbox handles them
        self.failures: list[BaseException] = []
        dispatcher = self.handler.dispatcher
        original = dispatcher.feed_update

        async def traced(bot: Any, update: Any, **kwargs: Any) -> Any:
            try:
                return await original(bot, update, **kwargs)
            except Exception as exc:  # noqa: BLE001 - recorded: the property says there is none
                self.failures.append(exc)
                raise

        dispatcher.feed_update = traced

    async def settle(self) -> None:
        await self.inbox.drain()


async def _telegram(tmp_path: Path) -> tuple[TelegramServer, Callable[[], Awaitable[None]]]:
    api = await FakeTelegramAPI().start()
    runtime = await build_runtime(make_settings(api, tmp_path, webhook_url="https://bot.example.com/hooks/telegram"))
    harness = build_harness(api, runtime)
    runner = await start_webhook(runtime, harness.bot, harness.dispatcher, host="127.0.0.1", port=0)
    server = TelegramServer(api, runtime, runner)

    async def stop() -> None:
        await server.settle()
        await runner.cleanup()
        await runtime.close()
        await api.close()

    return server, stop


_unknown_fields = st.dictionaries(st.sampled_from(["future_field", "x_new_thing", "reaction_v9"]),
                                  json_values(), max_size=2)


@st.composite
def telegram_messages(draw: st.DrawFn, api: FakeTelegramAPI, chat_id: int) -> dict[str, Any]:
    """A private message update as Telegram sends it: any text (commands too), any language code, maybe
    fields this aiogram does not know yet."""
    text = draw(any_text.map(lambda t: t[:4096]).filter(bool) | st.sampled_from(PHRASES).map(lambda p: "/" + p.lstrip("/")))
    update = api.message(chat_id, text, language_code=draw(st.sampled_from([None, "en", "zh-hans", "zh-hant", "zh", "ru", "x" * 40])))
    update["message"].update(draw(_unknown_fields))
    update.update(draw(st.dictionaries(st.just("brand_new_update_field"), json_values(), max_size=1)))
    return update


def test_telegram_webhook_takes_any_update_in_any_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def check(runner: asyncio.Runner, server: TelegramServer) -> None:
        @given(data=st.data(), count=st.integers(1, 3), how=framing, ascii_only=st.booleans())
        def post(data: st.DataObject, count: int, how: dict[str, Any], ascii_only: bool) -> None:
            chat_id = 700_000 + fresh_id()
            updates = [data.draw(telegram_messages(server.api, chat_id)) for _ in range(count)]

            server.failures.clear()

            async def scenario() -> None:
                accepted = []
                headers = {SECRET_HEADER: server.secret, "Content-Type": "application/json"}
                for update in updates:
                    body = json.dumps(update, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
                    status, answer = await raw_post(server.port, "/hooks/telegram", body, headers, **how)
                    assert status < 500, f"{status} {answer[:300]!r}"
                    # Telegram sends UTF-8; a body that is not (a raw lone surrogate) may be refused.
                    assert status == 200 or (status == 400 and not ascii_only), status
                    await server.settle()
                    if status == 200:
                        accepted.append(f"msg:{update['message']['message_id']}")
                        # Telegram retrying an update it thinks was not delivered: nothing new.
                        again, _ = await raw_post(server.port, "/hooks/telegram", body, headers, **how)
                        assert again == 200
                        await server.settle()
                assert not server.failures, server.failures
                rows = await kept(server.runtime, "telegram", str(chat_id))
                assert [m.external_id for m in rows.inbound] == accepted, "not every accepted message stored once"
                for message in rows.messages:
                    assert_storable(message.text)
                assert_answered(rows, [u["message"]["text"] for u in updates])
                if accepted:
                    assert server.api.sent(chat_id), "the customer saw nothing"

            with no_errors_logged(runner.get_loop()):
                runner.run(scenario())

        post()

    run_property(tmp_path, monkeypatch, lambda: _telegram(tmp_path), check)


def _post_any_json(runner: asyncio.Runner, server: TelegramServer, value: object, how: dict[str, Any]) -> None:
    body = json.dumps(value).encode()
    server.failures.clear()

    async def scenario() -> None:
        status, answer = await raw_post(server.port, "/hooks/telegram", body,
                                        {SECRET_HEADER: server.secret, "Content-Type": "application/json"}, **how)
        assert status < 500, f"{status} {answer[:200]!r}"
        await server.settle()

    runner.run(scenario())


def test_telegram_webhook_any_json_is_never_a_5xx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever JSON comes with the right secret (a future update type, a broken proxy): no 5xx."""

    def check(runner: asyncio.Runner, server: TelegramServer) -> None:
        @given(value=json_values(), how=framing)
        def post(value: object, how: dict[str, Any]) -> None:
            _post_any_json(runner, server, value, how)

        post()

    run_property(tmp_path, monkeypatch, lambda: _telegram(tmp_path), check)


def test_telegram_webhook_any_json_raises_nothing_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What is no update is refused or logged as one line, never an exception in a background task."""

    def check(runner: asyncio.Runner, server: TelegramServer) -> None:
        @given(value=json_values(), how=framing)
        def post(value: object, how: dict[str, Any]) -> None:
            with no_errors_logged(runner.get_loop()):
                _post_any_json(runner, server, value, how)
            assert not server.failures, f"{server.failures[0]!r:.300} for {value!r:.200}"

        post()

    run_property(tmp_path, monkeypatch, lambda: _telegram(tmp_path), check)
