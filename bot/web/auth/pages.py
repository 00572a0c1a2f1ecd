"""Login, logout, the invitation page and the language switch of the console.

A login starts a new session (a fresh token: a cookie planted before login is worth nothing after it)
and ends the one the browser had. Failures are throttled (bot/staff/throttle.py) and audited.
"""

from __future__ import annotations

import logging
import math
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from bot.staff.accounts import AccountError, StaffUser
from bot.staff.passwords import MAX_LENGTH, MIN_LENGTH, WeakPassword, check_strength
from bot.web.auth.guard import (
    AUDIT_ACTOR,
    PREFIX,
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_TOKEN,
    audit,
    clear_cookie,
    client_ip,
    set_cookie,
    staff_of,
    staff_service,
)
from bot.web.templating import (
    CSRF_TOKEN,
    LANGUAGE_COOKIE,
    LANGUAGES,
    STAFF_USER,
    current_staff,
    render,
)

log = logging.getLogger(__name__)

HOME = f"{PREFIX}/"


def safe_next(value: object) -> str:
    """Where to go after logging in: a path of the console only (never another site, never `//host`)."""
    if not isinstance(value, str) or not value.startswith(f"{PREFIX}/") or value.startswith("//") or "\\" in value:
        return HOME
    if urlsplit(value).netloc or value.startswith((f"{PREFIX}/login", f"{PREFIX}/logout")):
        return HOME
    return value


def _ensure_prelogin(request: web.Request) -> str | None:
    """The pre-session CSRF token for the form; a new one (returned, to set as cookie) when missing."""
    if request.get(CSRF_TOKEN):
        return None
    token = secrets.token_urlsafe(24)
    request[CSRF_TOKEN] = token
    return token


def _form_page(request: web.Request, template: str, *, http_status: int = 200, **context: object) -> web.Response:
    fresh = _ensure_prelogin(request)
    response = render(request, template, http_status=http_status, min_length=MIN_LENGTH, max_length=MAX_LENGTH, **context)
    if fresh:
        set_cookie(request, response, PRELOGIN_COOKIE, fresh)
    return response


async def _log_in(request: web.Request, user: StaffUser, destination: str) -> web.HTTPFound:
    """End the browser's old session, start a new one, set its cookie; the redirect to raise."""
    service = staff_service(request)
    await service.sessions.end(request.cookies.get(SESSION_COOKIE))
    token = await service.sessions.start(user.id, client_ip(request), request.headers.get("User-Agent"))
    response = web.HTTPFound(destination)
    set_cookie(request, response, SESSION_COOKIE, token)
    clear_cookie(response, PRELOGIN_COOKIE)
    request[STAFF_USER] = user
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /console/login: the form (a logged-in browser goes on to `next`)."""
    chosen = request.query.get("lang")
    if current_staff(request) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next")))
    response = _form_page(request, "auth/login.html", next=safe_next(request.query.get("next")), email="", error_key=None)
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, path=PREFIX, samesite="Lax", max_age=365 * 86400)
    return response


async def login_submit(request: web.Request) -> web.StreamResponse:
    """POST /console/login: throttled, audited; a new session on success."""
    form = await request.post()
    email = str(form.get("email", ""))[:254].strip()
    password = str(form.get("password", ""))
    destination = safe_next(form.get("next"))
    service = staff_service(request)
    address = client_ip(request)
    # The attempt is counted before the password is checked: parallel guesses cannot outrun the count.
    wait = await service.throttle.attempt(email, address)
    if wait > 0:
        log.info("console: login throttled for an email / address")
        minutes = max(1, math.ceil(wait / 60))
        return _form_page(request, "auth/login.html", http_status=429, next=destination, email=email,
                          error_key="staff.login_throttled", minutes=minutes)
    user = await service.accounts.authenticate(email, password)
    if user is None:
        request[AUDIT_ACTOR] = email or "anonymous"
        await audit(request, "login.failed", email[:255])
        return _form_page(request, "auth/login.html", http_status=401, next=destination, email=email, error_key="staff.login_failed")
    await service.throttle.succeeded(email)
    redirect = await _log_in(request, user, destination)
    await audit(request, "login", user.email)
    raise redirect


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /console/logout: end this session."""
    staff = staff_of(request)
    await staff_service(request).sessions.end(request.get(SESSION_TOKEN))
    await audit(request, "logout", staff.email)
    response = web.HTTPFound(f"{PREFIX}/login")
    clear_cookie(response, SESSION_COOKIE)
    raise response


async def invite_page(request: web.Request) -> web.StreamResponse:
    """GET /console/invite/{token}: choose a password, while the link is valid."""
    user = await staff_service(request).invitations.peek(request.match_info["token"])
    if user is None:
        return render(request, "auth/error.html", http_status=410, status=410, message_key="staff.invite_invalid")
    return _form_page(request, "auth/invite.html", invited=user, error_key=None)


async def invite_submit(request: web.Request) -> web.StreamResponse:
    """POST /console/invite/{token}: set the password, use up the link, log in."""
    token = request.match_info["token"]
    service = staff_service(request)
    invited = await service.invitations.peek(token)
    if invited is None:
        return render(request, "auth/error.html", http_status=410, status=410, message_key="staff.invite_invalid")
    form = await request.post()
    password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
    error: str | None = None
    if password != confirm:
        error = "staff.password_mismatch"
    else:
        try:
            check_strength(password)
        except WeakPassword as exc:
            error = exc.key
    if error is None:
        try:
            user = await service.invitations.accept(token, password)
        except AccountError as exc:
            return render(request, "auth/error.html", http_status=410, status=410, message_key=exc.key)
        redirect = await _log_in(request, user, HOME)
        await audit(request, "invite.accepted", user.email)
        raise redirect
    return _form_page(request, "auth/invite.html", http_status=400, invited=invited, error_key=error)


async def switch_language(request: web.Request) -> web.StreamResponse:
    """The console language: the user's own setting (kept for their next login) and a cookie."""
    form = await request.post()
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        return render(request, "auth/error.html", http_status=400, status=400, message_key="staff.bad_language")
    staff = current_staff(request)
    if staff is not None:
        await staff_service(request).accounts.change(staff.id, language=language)
    back = safe_next(form.get("back"))
    response = web.HTTPFound(back)
    response.set_cookie(LANGUAGE_COOKIE, language, path=PREFIX, samesite="Lax", max_age=365 * 86400)
    raise response


async def console_root(request: web.Request) -> web.StreamResponse:
    """/console without the slash: to the queue."""
    raise web.HTTPFound(HOME)


def add_auth_routes(app: web.Application) -> None:
    """Login, logout, invitation and language routes."""
    app.router.add_get(PREFIX, console_root)
    app.router.add_get(f"{PREFIX}/login", login_page)
    app.router.add_post(f"{PREFIX}/login", login_submit)
    app.router.add_post(f"{PREFIX}/logout", logout)
    app.router.add_get(f"{PREFIX}/invite/{{token}}", invite_page)
    app.router.add_post(f"{PREFIX}/invite/{{token}}", invite_submit)
    app.router.add_post(f"{PREFIX}/language", switch_language)
