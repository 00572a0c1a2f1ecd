"""The console's authentication, authorisation and protection, as the other staff-web parts use it.

    staff_of(request) -> StaffUser           the logged-in user (redirect to the login page otherwise)
    require(request, Role.SUPERVISOR)        the user if their role includes it (403 page otherwise)
    await audit(request, action, target, detail=None)
    setup_auth(app, runtime)                 sessions, CSRF / Origin checks, headers, login pages, static
    runtime_of(request)                      the bot's Runtime;  staff_service(request): accounts, sessions...
    current_staff(request) / csrf_token(request)   without redirecting (None / "" when not logged in)

Every POST / PUT / PATCH / DELETE under /console/ must carry the session's CSRF token: the form field
"csrf" (templates get it as `csrf`) or the header X-CSRF-Token (scripts read it from
`<meta name="csrf-token">` in base.html).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.staff.service import build_staff
from bot.web.auth.guard import (
    CSRF_FIELD,
    CSRF_HEADER,
    PREFIX,
    SESSION_COOKIE,
    STAFF,
    audit,
    client_ip,
    console_guard,
    forbidden,
    require,
    security_headers,
    staff_of,
    staff_service,
)
from bot.web.auth.pages import add_auth_routes
from bot.web.templating import RUNTIME, csrf_token, current_staff, runtime_of

STATIC = Path(__file__).resolve().parents[1] / "static"

__all__ = [
    "CSRF_FIELD", "CSRF_HEADER", "SESSION_COOKIE", "audit", "client_ip", "csrf_token", "current_staff", "forbidden", "require",
    "runtime_of", "setup_auth", "staff_of", "staff_service",
]


def setup_auth(app: web.Application, runtime: Any) -> None:
    """Mount the console's gate on `app`: the staff service, the middleware, the security headers, the
    login / logout / invitation / language routes and the static files under /console/static/."""
    app[RUNTIME] = runtime
    app[STAFF] = build_staff(runtime)
    app.middlewares.append(console_guard)
    app.on_response_prepare.append(security_headers)
    add_auth_routes(app)
    app.router.add_static(f"{PREFIX}/static/", STATIC, name="console_static")
