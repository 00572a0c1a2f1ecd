"""Server-rendered pages of the staff web: Jinja2 with autoescaping always on, one base layout.

Every page gets `staff` (the logged-in StaffUser or None), `csrf` (the token every form posts back as
the field "csrf"), `lang` (the console language), `t` (the message catalog in that language:
`t("agentconsole.queue_title")`), `now` (the bot's clock in the operator's time zone), `settings`, and
the function `localtime` (a stored UTC time shown in the operator's zone). Templates live under
bot/web/templates/<part>/ and extend "base.html", filling `{% block content %}`.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.clock import as_utc
from bot.i18n.catalog import CATALOG, LANGUAGE_NAMES, text
from bot.i18n.negotiate import accept_language

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
LANGUAGE_COOKIE = "console_lang"  # the language chosen before logging in (after, the user's setting wins)

# The runtime of the app the staff web is mounted on: `runtime_of(request)`.
RUNTIME: web.AppKey[Any] = web.AppKey("staff_web_runtime", object)
# Set on every /console/ request by the gate (bot/web/auth): read them with `current_staff` / `csrf_token`.
STAFF_USER: web.RequestKey[Any] = web.RequestKey("staff_user", object)
CSRF_TOKEN: web.RequestKey[str | None] = web.RequestKey("staff_csrf", object)  # type: ignore[arg-type]


def current_staff(request: web.Request) -> Any:
    """The logged-in StaffUser of this request, or None (use `bot.web.auth.staff_of` to require one)."""
    return request.get(STAFF_USER)


def csrf_token(request: web.Request) -> str:
    """The CSRF token forms and scripts of this request must send back ("" when there is none yet)."""
    return request.get(CSRF_TOKEN) or ""


def runtime_of(request: web.Request) -> Any:
    """The bot's Runtime (settings, database, handoff, clock...) serving this request."""
    return request.app[RUNTIME]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one Jinja2 environment: autoescape for every template, whatever its file name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def language_of(request: web.Request) -> str:
    """The console language: the user's setting, else the one chosen on the login page (?lang=, then
    remembered in a cookie), else the browser's Accept-Language, else DEFAULT_LANGUAGE."""
    staff = current_staff(request)
    if staff is not None and staff.language in LANGUAGES:
        return str(staff.language)
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    asked = accept_language(request.headers.get("Accept-Language"))
    if asked is not None:
        return asked
    runtime = request.app.get(RUNTIME)
    default = getattr(getattr(runtime, "settings", None), "default_language", "zh-Hans")
    return str(default)


def translator(language: str) -> Any:
    """`t(key, **values)` in one language; an unknown key shows as itself (and is logged), never a 500."""

    def t(key: str, **values: object) -> str:
        if key not in CATALOG:
            log.warning("console page asks for a missing catalog line %s", key)
            return key
        return str(text(key, language, **values))  # type: ignore[arg-type]

    return t


def _zone(request: web.Request) -> ZoneInfo:
    runtime = request.app.get(RUNTIME)
    return ZoneInfo(getattr(getattr(runtime, "settings", None), "timezone", "Asia/Shanghai"))


def context_of(request: web.Request, **context: Any) -> dict[str, Any]:
    """What every page gets, then the page's own values (which win)."""
    runtime = request.app.get(RUNTIME)
    zone = _zone(request)
    clock = getattr(runtime, "clock", None)
    now = clock().astimezone(zone) if clock is not None else None
    lang = language_of(request)

    def localtime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """`{{ localtime(row.created_at) }}`: a stored (UTC) time in the operator's zone."""
        return "" if value is None else as_utc(value).astimezone(zone).strftime(fmt)

    values: dict[str, Any] = {
        "staff": current_staff(request),
        "csrf": csrf_token(request),
        "lang": lang,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,  # each language's name in itself, for the language menus
        "t": translator(lang),
        "now": now,
        "localtime": localtime,
        "timezone": zone,
        "settings": getattr(runtime, "settings", None),
        "path": request.path,
    }
    values.update(context)
    return values


def render_html(request: web.Request, template: str, **context: Any) -> str:
    """A template as a string (for error pages raised as exceptions)."""
    return environment().get_template(template).render(context_of(request, **context))


def render(request: web.Request, template: str, *, http_status: int = 200, **context: Any) -> web.Response:
    """A page: `template` (e.g. "console/queue.html") rendered with the common context and `context`."""
    return web.Response(text=render_html(request, template, **context), status=http_status, content_type="text/html", charset="utf-8")
