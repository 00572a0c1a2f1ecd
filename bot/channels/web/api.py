"""The chat API the frame calls: JSON in, JSON out, bearer tokens, polite refusals.

`POST /chat/api/session` (+ `GET` to check a token, `POST .../session/end` to end one), `POST /chat/api/messages`, `POST /chat/api/actions`, `POST /chat/api/uploads`
and `GET /chat/api/uploads/{id}`. Every refusal carries a `notice` in the visitor's language that the
frame shows as is (rate limited, too big, wrong type...); nothing a visitor sends crashes a handler.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.channels.web import uploads
from bot.channels.web.chat import CLIENT_ID, Refused, WebChat
from bot.channels.web.render import parse_action
from bot.channels.web.sites import pick_language
from bot.engine.types import Inbound, InboundKind
from bot.i18n.catalog import text
from bot.settings import LANGUAGES, Language
from bot.storage.web import SessionInfo, UploadInfo

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON_LIMIT = 32_000  # bytes of a JSON body: far above any message the engine would read in full
LABEL_LIMIT = 200


def refusal(status: int, key: str, language: Language, **values: object) -> web.Response:
    return web.json_response({"error": key.rpartition(".")[2], "notice": text(key, language, **values)}, status=status)


async def read_json(request: web.Request, language: Language) -> dict[str, Any]:
    """The JSON object of the body, at most JSON_LIMIT bytes; a polite 413 or 400 otherwise."""
    if (request.content_length or 0) > JSON_LIMIT:
        raise _refused(413, "webchat.too_long", language)
    try:
        body = await _read_body(request, JSON_LIMIT)
    except ConnectionResetError:  # the browser left mid-body (a reload): nobody to answer, nothing stored
        raise web.HTTPBadRequest() from None
    if body is None:
        raise _refused(413, "webchat.too_long", language)
    try:
        data = json.loads(body.decode("utf-8", errors="replace") or "{}")
    except ValueError:
        raise _refused(400, "webchat.bad_request", language) from None
    if not isinstance(data, dict):
        raise _refused(400, "webchat.bad_request", language)
    return data


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body up to EOF (sent in one write or many, with a length or chunked); None past `limit`.

    `content.read(n)` alone returns what has arrived so far, which cuts a body the client sent in two
    TCP writes; reading chunk by chunk until EOF does not, and stops as soon as the limit is passed.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


class Refusal(Exception):
    """Raised deep in a handler to answer with a polite refusal (`polite` turns it into the response)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _refused(status: int, key: str, language: Language, **values: object) -> Refusal:
    return Refusal(refusal(status, key, language, **values))


def polite(handler: Handler) -> Handler:
    """The handler, answering a `Refusal` with its response."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Refusal as refused:
            return refused.response

    return wrapped


def bearer(request: web.Request, *, query: bool = False) -> str | None:
    """The session token: `Authorization: Bearer ...`, or (streams and images, which cannot send
    headers) the `token` query parameter.

    The query form exists only because `EventSource` and `<img src>` cannot set headers. It is accepted
    on those two GET routes only (never on a POST); the frame sends `Referrer-Policy: no-referrer` so the
    URL does not leak to other sites, and tokens expire after SESSION_IDLE unused."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.query.get("token") if query else None


class ChatApi:
    """The handlers, over one `WebChat`."""

    def __init__(self, chat: WebChat) -> None:
        self.chat = chat
        self.default: Language = chat.settings.default_language

    def _language(self, visitor: SessionInfo) -> Language:
        """The language the visitor's session was opened in (the frame's), for the API's own lines."""
        return next((lang for lang in LANGUAGES if lang == visitor.language), self.default)

    async def _visitor(self, request: web.Request, *, query: bool = False) -> SessionInfo:
        visitor = await self.chat.visitor(bearer(request, query=query))
        if visitor is None:
            language = pick_language(None, request.headers.get("Accept-Language"), self.default)
            raise _refused(401, "webchat.session_expired", language)
        return visitor

    async def session(self, request: web.Request) -> web.Response:
        """A new session: `{key, lang, user_id?, hash?, name?}` -> `{token, identified, language}`."""
        fallback = pick_language(None, request.headers.get("Accept-Language"), self.default)
        data = await read_json(request, fallback)
        lang = data.get("lang")
        language = pick_language(lang if isinstance(lang, str) else None, request.headers.get("Accept-Language"), self.default)
        key = data.get("key")
        # The socket's address: X-Forwarded-For is whatever the client writes, so it is not trusted here.
        if not await self.chat.may_open_session(request.remote):
            return refusal(429, "webchat.too_many_sessions", language)
        try:
            token, info = await self.chat.open_session(str(key or ""), language, data.get("user_id"), data.get("hash"), data.get("name"))
        except Refused as refused:
            return refusal(refused.status, refused.key, language)
        return web.json_response({"token": token, "identified": info.user_id is not None, "language": info.language})

    async def check(self, request: web.Request) -> web.Response:
        """`GET /chat/api/session` (Bearer): whether the stored token still works (401 otherwise, and the
        frame opens a new session)."""
        visitor = await self._visitor(request)
        return web.json_response({"identified": visitor.user_id is not None, "language": visitor.language})

    async def end(self, request: web.Request) -> web.Response:
        """`POST /chat/api/session/end` (Bearer): the token dies server-side (the host page signed its user
        out or switched user); ending an unknown token is not an error (the frame may ask twice)."""
        ended = await self.chat.end_session(bearer(request))
        return web.json_response({"ended": ended})

    async def _client_id(self, data: dict[str, Any], visitor: SessionInfo) -> str:
        client_id = data.get("client_id")
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            raise _refused(400, "webchat.bad_request", self._language(visitor))
        return client_id

    async def _limit(self, request: web.Request, visitor: SessionInfo, client_id: str) -> None:
        """A retry is free; a new message takes one of the visitor's slots of this minute and one of their
        address's (request.remote: the socket's, never a header the client could write)."""
        if not await self.chat.already_posted(visitor, client_id) and not await self.chat.within_limit(visitor, request.remote):
            raise _refused(429, "webchat.rate_limited", self._language(visitor))

    async def messages(self, request: web.Request) -> web.Response:
        """`{client_id, text}`: the customer's message; its events and the replies'."""
        visitor = await self._visitor(request)
        data = await read_json(request, self._language(visitor))
        client_id = await self._client_id(data, visitor)
        body = data.get("text")
        if not isinstance(body, str):
            return refusal(400, "webchat.bad_request", self._language(visitor))
        await self._limit(request, visitor, client_id)
        inbound = Inbound(channel="web", customer_id=visitor.customer_id, text=body)
        posted = await self.chat.post(visitor, client_id, inbound, {"sender": "customer", "text": inbound.text or ""})
        return web.json_response({"events": posted.events, "duplicate": posted.duplicate})

    async def actions(self, request: web.Request) -> web.Response:
        """`{client_id, action, label?}`: a button; the action string as the events gave it."""
        visitor = await self._visitor(request)
        data = await read_json(request, self._language(visitor))
        client_id = await self._client_id(data, visitor)
        action = parse_action(data.get("action"))
        if action is None:
            return refusal(400, "webchat.bad_request", self._language(visitor))
        label = data.get("label")
        shown = label[:LABEL_LIMIT] if isinstance(label, str) else ""
        await self._limit(request, visitor, client_id)
        inbound = Inbound(channel="web", customer_id=visitor.customer_id, action=action)
        posted = await self.chat.post(visitor, client_id, inbound, {"sender": "customer", "text": shown, "action": True})
        return web.json_response({"events": posted.events, "duplicate": posted.duplicate})

    async def upload(self, request: web.Request) -> web.Response:
        """Multipart `client_id` + `file`: a photo, checked by its bytes and size, sent as a PHOTO message."""
        visitor = await self._visitor(request)
        language = self._language(visitor)
        limit = self.chat.settings.webchat_max_upload_bytes
        megabytes = f"{limit / 1_000_000:g}"
        if (request.content_length or 0) > limit + 64_000:
            return refusal(413, "webchat.too_big", language, megabytes=megabytes)
        client_id, data = None, b""
        try:
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.name == "client_id":
                    client_id = (await part.read(decode=True))[:80].decode("ascii", errors="replace")  # type: ignore[union-attr]
                elif part.name == "file":
                    data = await _read_limited(part, limit)  # type: ignore[arg-type]
        except _TooBig:
            return refusal(413, "webchat.too_big", language, megabytes=megabytes)
        except (ValueError, AssertionError, KeyError):
            return refusal(400, "webchat.bad_request", language)
        if client_id is None or not CLIENT_ID.match(client_id):
            return refusal(400, "webchat.bad_request", language)
        kind = uploads.photo_type(data[:16])
        if kind is None:
            return refusal(415, "webchat.bad_type", language)
        await self._limit(request, visitor, client_id)
        upload_id = uploads.new_upload_id()
        if not await self.chat.already_posted(visitor, client_id):
            info = UploadInfo(upload_id, visitor.customer_id, uploads.file_name(upload_id, kind), kind.mime_type, len(data))
            await self.chat.store.add_upload(info, data)
        inbound = Inbound(channel="web", customer_id=visitor.customer_id, kind=InboundKind.PHOTO, attachment=f"web:upload:{upload_id}")
        shown = {"sender": "customer", "text": "", "photo": upload_id}
        posted = await self.chat.post(visitor, client_id, inbound, shown)
        return web.json_response({"events": posted.events, "duplicate": posted.duplicate})

    async def download(self, request: web.Request) -> web.StreamResponse:
        """An upload, to the visitor who sent it only: anyone else's id is a 404 like a made-up one."""
        visitor = await self._visitor(request, query=True)
        found = await self.chat.store.upload_of(visitor.customer_id, request.match_info["upload_id"])
        if found is None:
            raise web.HTTPNotFound()
        data = await self.chat.store.upload_bytes(found.id)
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type=found.mime_type, headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600", "Content-Disposition": "inline",
        })


class _TooBig(Exception):
    pass


async def _read_limited(part: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64_000):
        size += len(chunk)
        if size > limit:
            raise _TooBig()
        chunks.append(chunk)
    return b"".join(chunks)
