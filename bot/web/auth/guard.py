"""The console's gate: who is asking (session cookie), whether a change is really theirs (CSRF and
Origin), which role a page needs, and the security headers of every /console/ response.

Deny by default: every /console/ path except the login, invitation and static ones needs a session,
even when its handler forgets to call `staff_of`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.staff.accounts import StaffUser
from bot.staff.roles import Role
from bot.staff.service import StaffService
from bot.staff.sessions import same_token
from bot.web.templating import (
    CSRF_TOKEN,
    RUNTIME,
    STAFF_USER,
    current_staff,
    render_html,
    runtime_of,
)

log = logging.getLogger(__name__)

PREFIX = "/console"
SESSION_COOKIE = "console_session"
PRELOGIN_COOKIE = "console_pre"  # the login and invitation forms' CSRF token, before there is a session
PUBLIC = ("/console/login", "/console/invite/", "/console/static/")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"

STAFF: web.AppKey[StaffService] = web.AppKey("staff_service", StaffService)
SESSION_TOKEN: web.RequestKey[str | None] = web.RequestKey("staff_session_token", object)  # type: ignore[arg-type]
AUDIT_ACTOR: web.RequestKey[str] = web.RequestKey("staff_audit_actor", str)  # who a failed login claimed to be

# Scripts only from our own static files; inline style attributes are allowed (charts' bar widths),
# inline scripts and event handlers are not; the console is never framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def staff_service(request: web.Request) -> StaffService:
    """Accounts, sessions, invitations, audit log and throttle of this app."""
    return request.app[STAFF]


def in_console(path: str) -> bool:
    """Whether a path is the staff web's (everything under /console)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def client_ip(request: web.Request) -> str | None:
    """The peer's address (a reverse proxy should set it, e.g. aiohttp-remotes; X-Forwarded-For is not
    trusted here: anyone can send it, and the login throttle counts by address)."""
    return request.remote


def is_https(request: web.Request) -> bool:
    """Whether the browser talks https to us (directly, through a proxy that says so, or PUBLIC_URL is https)."""
    runtime = request.app.get(RUNTIME)
    public = str(getattr(getattr(runtime, "settings", None), "public_url", None) or "")
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https" or public.startswith("https://")


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, *, max_age: int | None = None) -> None:
    """A console cookie: HttpOnly, SameSite=Lax, only under /console, Secure over https."""
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="Lax", secure=is_https(request), max_age=max_age)


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    """Remove a console cookie from the browser."""
    response.del_cookie(name, path=PREFIX)


# -- what handlers call ------------------------------------------------------------------------------


def staff_of(request: web.Request) -> StaffUser:
    """The logged-in user; a redirect to the login page (or 401 for non-page requests) when there is none."""
    staff = current_staff(request)
    if staff is None:
        raise _login_needed(request)
    return staff  # type: ignore[no-any-return]


def require(request: web.Request, role: Role) -> StaffUser:
    """The logged-in user when their role includes `role`; the 403 page otherwise."""
    staff = staff_of(request)
    if not staff.role.allows(role):
        raise forbidden(request, "staff.forbidden_role")
    return staff


async def audit(request: web.Request, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
    """Write an audit row as the logged-in user (or "anonymous"), with the client's address."""
    staff = current_staff(request)
    actor = staff.email if staff is not None else str(request.get(AUDIT_ACTOR) or "anonymous")
    await staff_service(request).audit.record(
        action, target, user_id=staff.id if staff is not None else None, actor=actor, detail=detail, ip=client_ip(request)
    )


def forbidden(request: web.Request, key: str) -> web.HTTPForbidden:
    """The 403 page saying why (`key` is a catalog line), as an exception to raise."""
    return web.HTTPForbidden(text=render_html(request, "auth/error.html", status=403, message_key=key), content_type="text/html")


def _login_needed(request: web.Request) -> web.HTTPException:
    accept = request.headers.get("Accept", "")
    script = "application/json" in accept or "text/event-stream" in accept
    if request.method in ("GET", "HEAD") and not script:  # a browser opening a page: the login form, then back
        return web.HTTPFound(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data") and not script:
        # A form sent after the session ended: log in again, then back to the page the form was on.
        back = urlsplit(request.headers.get("Referer", "")).path
        target = f"{PREFIX}/login" + (f"?next={quote(back, safe='')}" if back.startswith(f"{PREFIX}/") else "")
        return web.HTTPSeeOther(target)
    # Read only by console.js (EventSource / fetch), which reloads the page and so reaches the login form
    # in the user's language: this body is never shown to a person, so it stays out of the catalog.
    return web.HTTPUnauthorized(text="login needed", content_type="text/plain")


# -- the middleware ----------------------------------------------------------------------------------


def _origin_ok(request: web.Request) -> bool:
    """A change must come from our own pages: an Origin (or, without one, a Referer) of another site is
    refused. Neither header: allowed here, the CSRF token still decides."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":  # what modern browsers say themselves
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    if source == "null":
        return False
    netloc = urlsplit(source).netloc.lower()
    ours = {request.host.lower()}
    forwarded = request.headers.get("X-Forwarded-Host")
    if forwarded:
        ours.add(forwarded.split(",")[0].strip().lower())
    public = getattr(getattr(runtime_of(request), "settings", None), "public_url", None)
    if public:
        ours.add(urlsplit(str(public)).netloc.lower())
    return netloc in ours


async def _posted_token(request: web.Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached: the handler reads the same form again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


@web.middleware
async def console_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session -> the request's staff user and CSRF token; CSRF and Origin checks on changes; deny by default."""
    if not in_console(request.path) or (request.method in ("GET", "HEAD") and request.path.startswith(f"{PREFIX}/static/")):
        return await handler(request)  # static files need no session: no database query for each of them
    service = staff_service(request)
    token = request.cookies.get(SESSION_COOKIE)
    live = await service.sessions.find(token) if token else None
    request[STAFF_USER] = live.user if live else None
    request[SESSION_TOKEN] = token if live else None
    request[CSRF_TOKEN] = live.csrf if live else request.cookies.get(PRELOGIN_COOKIE)
    if live is None and not request.path.startswith(PUBLIC):
        # Nothing happens without a session: an expired one sends the agent to log in, not to a 403.
        raise _login_needed(request)
    if request.method in UNSAFE:
        if not _origin_ok(request):
            log.info("console: refused a %s to %s from another origin", request.method, request.path)
            raise forbidden(request, "staff.csrf_refused")
        expected = request[CSRF_TOKEN]
        if not expected or not same_token(await _posted_token(request), expected):
            raise forbidden(request, "staff.csrf_refused")
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every /console/ response (pages, errors, event streams) gets the headers;
    pages are never cached (they hold customers' words), static files may be."""
    if not in_console(request.path):
        return
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(f"{PREFIX}/static/"):
        response.headers["Cache-Control"] = "no-store"
