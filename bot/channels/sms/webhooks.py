"""The SMS webhooks on the bot's aiohttp application.

    POST /sms/twilio   Twilio's form-encoded webhook, X-Twilio-Signature checked (403 otherwise)
    POST /sms/inbound  any other gateway: JSON, X-Supportbot-Signature: sha256=<hex HMAC of the body>

JSON body of /sms/inbound (UTF-8):

    {"id": "gw-123",              required, the gateway's message id (1-128 characters): retries reuse it
     "from": "+8613800138000",    required, the sender (E.164, or national in the default region CN)
     "to": "+8610...",            optional, our number
     "text": "报修 X20 Pro ...",   the message (may be empty when media is given)
     "media": [{"url": "...", "content_type": "image/jpeg"}]}   optional (MMS)

Both answer at once, before the engine has run: the message is stored first (so it is never lost),
then handled in the background, and the answer goes out through the outbox (Twilio stops waiting
after 15 s). Twilio gets an empty TwiML `<Response/>`; /sms/inbound gets {"ok": true, "duplicate": ...}.
A redelivery (same MessageSid / id) gets the same 200 and is not handled again.

The body is read whole before it is judged, however it is framed (Content-Length or chunked) and in
however many pieces it arrives: a provider does not retry a 4xx, so judging a half-arrived body loses
the message. Text no database can hold (invalid UTF-8, lone surrogates such as a JSON "\\ud800", NUL)
is kept with U+FFFD (`bot.safetext.storable`) and answered like any other message: a poison message
must not get a 5xx, or the gateway retries it forever.

Errors, each logged with the sender's address: 413 body over 64 KiB (announced or counted) or text over
2,000 characters, 415 wrong content type, 400 empty body / not a form or JSON object / missing or bad
fields, 403 bad signature, 503 the database did not take the message (the gateway may retry; nothing was
acknowledged). See the README, section "SMS" > "2. The webhooks".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.channels.sms.channel import IncomingSms, SmsChannel, normalise_number
from bot.channels.sms.signature import (
    JSON_SIGNATURE_HEADER,
    TWILIO_SETTINGS_HEADER,
    TWILIO_SIGNATURE_HEADER,
    verify_json,
    verify_twilio,
)
from bot.safetext import storable

log = logging.getLogger(__name__)

TWILIO_PATH = "/sms/twilio"
JSON_PATH = "/sms/inbound"
MAX_BODY = 64 * 1024
MAX_TEXT = 2000  # a concatenated SMS is at most ~1,600 characters
MAX_MEDIA = 10
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _read(request: web.Request, content_type: str) -> bytes:
    """The whole body (up to end of stream, however many pieces it came in), or 413 past MAX_BODY."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Rejected(413, f"body of {request.content_length} bytes")
    if request.content_type != content_type:
        raise Rejected(415, f"content type {request.content_type or 'missing'}")
    body = bytearray()
    try:
        async for piece in request.content.iter_any():
            body += piece
            if len(body) > MAX_BODY:
                raise Rejected(413, f"body over {MAX_BODY} bytes")
    except (ConnectionError, HttpProcessingError) as exc:  # the sender went away or broke the framing
        raise Rejected(400, f"body cut short after {len(body)} bytes ({exc.__class__.__name__})") from None
    if not body.strip():
        raise Rejected(400, "empty body")
    return bytes(body)


def _reject(request: web.Request, route: str, error: Rejected) -> web.Response:
    log.warning("sms %s: %s from %s: %s", route, error.status, request.remote, error.reason)
    return web.Response(status=error.status, text=error.reason)


def public_url(request: web.Request, base: str | None) -> str:
    """The URL the gateway called: PUBLIC_URL + path + query exactly as received (behind a proxy), else as seen."""
    if base:
        return base.rstrip("/") + request.raw_path
    return str(request.url)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise Rejected(400, f"{name} is not a string")
    value = storable(value)
    if len(value) > MAX_TEXT:
        raise Rejected(413, f"{name} of {len(value)} characters")
    return value


def _message(provider: str, external_id: object, sender: object, body: object, to: object,
             media: list[tuple[str, str]], region: str) -> IncomingSms:
    """The checked message, every string made storable here, at the boundary."""
    if not isinstance(external_id, str) or not 1 <= len(external_id.strip()) <= 128:
        raise Rejected(400, "missing or bad message id")
    if "\ufffd" in external_id or storable(external_id) != external_id:
        # Two different broken ids would become the same stored one, and the second message would be
        # taken for a redelivery of the first: refuse it (a gateway's ids are plain text).
        raise Rejected(400, "message id with characters that are not text")
    number = normalise_number(storable(sender) if isinstance(sender, str) else None, region)
    if number is None:
        raise Rejected(400, f"sender {str(sender)[:40]!r} is no phone number")
    text = _text(body if body is not None else "", "text")
    if to is not None and not isinstance(to, str):
        raise Rejected(400, "to is not a string")
    return IncomingSms(provider, external_id.strip(), number, text, storable(to[:32]) if to else None,
                       tuple((storable(url), storable(kind)) for url, kind in media))


def twilio_handler(channel: SmsChannel, auth_token: str, base_url: str | None) -> Callable:
    """POST /sms/twilio."""

    async def handle(request: web.Request) -> web.Response:
        try:
            raw = await _read(request, "application/x-www-form-urlencoded")
            # Bytes that are not UTF-8 become U+FFFD, as in any web framework's form parser (and so in
            # what Twilio's own validators sign): the message is kept, and the signature still decides.
            params = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, encoding="utf-8", errors="replace")
            url = public_url(request, base_url)
            signature = request.headers.get(TWILIO_SIGNATURE_HEADER)
            if not verify_twilio(url, params, signature, auth_token, request.headers.get(TWILIO_SETTINGS_HEADER)):
                raise Rejected(403, f"{'wrong' if signature else 'missing'} signature for {url}")
            fields = dict(params)
            try:
                count = min(MAX_MEDIA, max(0, int(fields.get("NumMedia") or 0)))
            except ValueError:
                raise Rejected(400, "bad NumMedia") from None
            media = [(fields[f"MediaUrl{i}"], fields.get(f"MediaContentType{i}", "")) for i in range(count)
                     if fields.get(f"MediaUrl{i}")]
            message = _message("twilio", fields.get("MessageSid") or fields.get("SmsMessageSid"), fields.get("From"),
                               fields.get("Body", ""), fields.get("To"), media, channel.region)
        except Rejected as error:
            return _reject(request, "twilio", error)
        return await _accept(request, channel, message, web.Response(text=EMPTY_TWIML, content_type="text/xml"))

    return handle


def json_handler(channel: SmsChannel, secret: str) -> Callable:
    """POST /sms/inbound."""

    async def handle(request: web.Request) -> web.Response:
        try:
            raw = await _read(request, "application/json")
            if not verify_json(raw, request.headers.get(JSON_SIGNATURE_HEADER), secret):
                raise Rejected(403, "missing or wrong signature")
            try:
                # Invalid UTF-8 becomes U+FFFD; "\ud800" escapes are made storable in _message.
                data = json.loads(raw.decode("utf-8", "replace"))
            except (ValueError, RecursionError) as exc:
                raise Rejected(400, f"not JSON: {exc}") from None
            if not isinstance(data, dict):
                raise Rejected(400, "not a JSON object")
            media_field = data.get("media") or []
            if not isinstance(media_field, list) or len(media_field) > MAX_MEDIA:
                raise Rejected(400, "media is not a short list")
            media = []
            for entry in media_field:
                if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                    raise Rejected(400, "media entries need a url")
                media.append((entry["url"][:1000], str(entry.get("content_type") or "")[:100]))
            external_id = data.get("id")
            if isinstance(external_id, int) and not isinstance(external_id, bool):
                external_id = str(external_id)
            message = _message("json", external_id, data.get("from"), data.get("text", ""), data.get("to"), media,
                               channel.region)
        except Rejected as error:
            return _reject(request, "inbound", error)
        return await _accept(request, channel, message, None)

    return handle


async def _accept(request: web.Request, channel: SmsChannel, message: IncomingSms, ok: web.Response | None) -> web.Response:
    try:
        fresh = await channel.accept(message)
    except Exception:  # noqa: BLE001 - not stored: say so, so the gateway may try again
        log.exception("sms: could not store message %s from %s", message.external_id, message.number)
        return web.Response(status=503, text="Service Unavailable")
    if ok is not None:
        return ok
    return web.json_response({"ok": True, "duplicate": not fresh})
