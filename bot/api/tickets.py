"""The staff HTTP API for the service centre's own system: read a repair ticket, change its status,
record what was done. Every change goes through `RepairDesk`, as the CLI's and the agents' chat's do.

    GET  /api/tickets/{number}            the ticket, its timeline and its scheduled jobs
    POST /api/tickets/{number}/status     {"status": "ready", "note": "...", "tracking": "SF123"}
    POST /api/tickets/{number}/events     {"kind": "called" | "loaner_out" | "loaner_returned" | "note", "note": "..."}

`Authorization: Bearer <STAFF_API_TOKEN>` on every request (401 otherwise, compared in constant
time). Answers are JSON: 200 with `TicketView.as_json()`; errors as {"error": code, "detail": "..."}:
401 unauthorized, 404 unknown_ticket, 413 too_large, 422 bad_json / bad_body / unknown_status /
bad_transition / missing_tracking / invalid, 503 database_unavailable.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.errors import database_reason
from bot.repairs.desk import RepairDesk, UnknownTicket
from bot.repairs.lifecycle import MARKS, TicketChangeError
from bot.safetext import storable

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # a status change is a few hundred bytes; anything near this is not one
MAX_NOTE = 2000
MAX_TRACKING = 64
MAX_NUMBER = 32
MAX_USER = 64
USER_HEADER = "X-Staff-User"
STATUS_FIELDS = frozenset({"status", "note", "tracking"})
EVENT_FIELDS = frozenset({"kind", "note"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An answer other than 200: HTTP status, machine-readable code, a sentence for people."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def response(self) -> web.Response:
        headers = {"WWW-Authenticate": 'Bearer realm="supportbot"'} if self.status == 401 else None
        return web.json_response({"error": self.code, "detail": self.detail}, status=self.status, headers=headers)


def authorised(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the staff token (scheme case-insensitive, constant time)."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), token.encode("utf-8"))


def actor_of(request: web.Request) -> str:
    """"api", or "api:<X-Staff-User>" (printable characters only, at most 64) for the timeline."""
    user = "".join(ch for ch in request.headers.get(USER_HEADER, "") if ch.isprintable()).strip()[:MAX_USER]
    return f"api:{user}" if user else "api"


async def read_object(request: web.Request, allowed: frozenset[str]) -> dict[str, Any]:
    """The request's JSON object, at most MAX_BODY bytes, with only `allowed` keys."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is limited to {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(4096):  # a chunked body has no length to check first
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiError(413, "too_large", f"the body is limited to {MAX_BODY} bytes")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(422, "bad_json", "the body is not JSON (UTF-8)") from None
    if not isinstance(document, dict):
        raise ApiError(422, "bad_body", "the body must be a JSON object")
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise ApiError(422, "bad_body", f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return document


def text_field(document: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str | None:
    """A string field, trimmed and storable; None when absent or empty (an error when required)."""
    value = document.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(422, "bad_body", f"{name!r} is required")
        return None
    if not isinstance(value, str):
        raise ApiError(422, "bad_body", f"{name!r} must be a string")
    value = storable(value.strip())
    if len(value) > limit:
        raise ApiError(422, "bad_body", f"{name!r} is longer than {limit} characters")
    return value


def ticket_number(request: web.Request) -> str:
    number = request.match_info["number"]
    if not number.strip() or len(number) > MAX_NUMBER:
        raise ApiError(404, UnknownTicket.code, f"no ticket {number[:MAX_NUMBER]!r}")
    return number


class TicketApi:
    """The handlers, bound to one desk and one token."""

    def __init__(self, desk: RepairDesk, token: str) -> None:
        self.desk = desk
        self.token = token

    def guarded(self, handler: Handler) -> Handler:
        """`handler` behind the token, with every expected failure as a JSON error."""
        async def guard(request: web.Request) -> web.StreamResponse:
            if not authorised(request.headers.get("Authorization"), self.token):
                return ApiError(401, "unauthorized", "send Authorization: Bearer <STAFF_API_TOKEN>").response()
            try:
                return await handler(request)
            except ApiError as exc:
                return exc.response()
            except UnknownTicket as exc:
                return ApiError(404, exc.code, str(exc)).response()
            except TicketChangeError as exc:
                return ApiError(422, exc.code, str(exc)).response()
            except Exception as exc:
                reason = database_reason(exc)
                if reason is None:
                    raise
                log.warning("staff api: the database is unavailable (%s)", reason)
                return ApiError(503, "database_unavailable", "the database does not answer; try again").response()

        return guard

    async def show(self, request: web.Request) -> web.Response:
        return web.json_response((await self.desk.show(ticket_number(request))).as_json())

    async def set_status(self, request: web.Request) -> web.Response:
        number = ticket_number(request)
        document = await read_object(request, STATUS_FIELDS)
        status = text_field(document, "status", 40, required=True)
        view = await self.desk.set_status(
            number, status or "", actor_of(request),
            note=text_field(document, "note", MAX_NOTE), tracking=text_field(document, "tracking", MAX_TRACKING),
        )
        log.info("staff api: %s is now %s (%s)", view.number, view.status, actor_of(request))
        return web.json_response(view.as_json())

    async def add_event(self, request: web.Request) -> web.Response:
        number = ticket_number(request)
        document = await read_object(request, EVENT_FIELDS)
        kind = (text_field(document, "kind", 40, required=True) or "").lower().replace("-", "_")
        if kind not in MARKS:
            raise ApiError(422, "unknown_kind", f"kind must be one of {', '.join(MARKS)}")
        note = text_field(document, "note", MAX_NOTE)
        if kind == "note" and note is None:
            raise ApiError(422, "bad_body", "a note needs its 'note' text")
        return web.json_response((await self.desk.mark(number, kind, actor_of(request), note=note)).as_json())


def ticket_routes(desk: RepairDesk, token: str) -> Callable[[web.Application], None]:
    """A route registrar for `bot.app.create_app`: the staff API on `desk`, behind `token`."""
    api = TicketApi(desk, token)

    def register(app: web.Application) -> None:
        app.router.add_get("/api/tickets/{number}", api.guarded(api.show))
        app.router.add_post("/api/tickets/{number}/status", api.guarded(api.set_status))
        app.router.add_post("/api/tickets/{number}/events", api.guarded(api.add_event))
        log.info("staff api: /api/tickets/{number} (STAFF_API_TOKEN)")

    return register
