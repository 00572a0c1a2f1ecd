"""The pages of the web chat: `/widget.js` (the vendor's script tag), `/chat/frame` (the iframe) and `/`
(a demo vendor page with the widget).

The frame is where the security of embedding is decided: only origins the site key allows may frame
it (CSP `frame-ancestors`), the page refuses to load for any other `origin` parameter (403), and its
script hears `postMessage` only from the allowed origins. Templates are Jinja2 with autoescaping;
the configuration the scripts read is JSON in a non-executed script element (`tojson`, HTML-safe).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.channels.web.chat import WebChat
from bot.channels.web.sites import normalise_origin, origin_allowed, pick_language
from bot.i18n.catalog import text
from bot.settings import LANGUAGES, Language

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
FRAME_TEXTS = (
    "title", "close", "placeholder", "send", "human", "upload", "bot_label", "person_label", "you", "feedback_up",
    "feedback_down", "connecting", "reconnecting", "send_failed", "session_expired", "identity_refused",
    "identity_required", "bad_request", "your_photo",
)

# Each language by its own name: data, the same on every page whatever the page's language.
AUTONYMS: dict[str, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}

_templates = Environment(
    loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True, default_for_string=True),
)


def base_url(chat: WebChat, request: web.Request) -> str:
    """The bot's public base URL: PUBLIC_URL when set (a proxy in front), else the request's own."""
    public = chat.settings.public_url
    if public:
        return public.rstrip("/")
    return f"{request.scheme}://{request.host}"


def origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return normalise_origin(f"{scheme}://{rest.split('/', 1)[0]}")


def _render(name: str, language: Language, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> web.Response:
    def t(key: str, **values: object) -> str:
        return text(f"webchat.{key}", language, **values)

    body = _templates.get_template(name).render(t=t, lang=language, **context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=headers)


def _language(chat: WebChat, request: web.Request) -> Language:
    return pick_language(request.query.get("lang"), request.headers.get("Accept-Language"), chat.settings.default_language)


class Pages:
    """The page handlers, over one `WebChat`."""

    def __init__(self, chat: WebChat) -> None:
        self.chat = chat
        self._widget = (STATIC / "widget.js").read_text(encoding="utf-8")

    async def widget(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if key not in self.chat.sites:
            raise web.HTTPNotFound(text=text("webchat.unknown_site", _language(self.chat, request)))
        base = base_url(self.chat, request)
        config = {
            "key": key, "base": base, "origin": origin_of(base),
            "labels": {lang: text("webchat.open", lang) for lang in LANGUAGES},
        }
        script = self._widget.replace("/*CONFIG*/null", json.dumps(config).replace("</", "<\\/"))
        return web.Response(text=script, content_type="application/javascript", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def frame(self, request: web.Request) -> web.Response:
        language = _language(self.chat, request)
        key = request.query.get("key", "")
        allowed = self.chat.sites.get(key)
        headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
        if allowed is None:
            headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            return _render("refused.html", language, 404, headers)
        headers["Content-Security-Policy"] = (
            f"frame-ancestors {' '.join(allowed)}; default-src 'none'; script-src 'self'; style-src 'self'; "
            "img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
        )
        parent = request.query.get("origin")
        if not origin_allowed(self.chat.sites, key, parent):
            return _render("refused.html", language, 403, headers)
        base = base_url(self.chat, request)
        config = {
            "key": key, "parentOrigin": normalise_origin(parent or ""), "allowed": list(allowed), "base": base,
            "language": language, "requireIdentity": self.chat.settings.webchat_require_identity,
            "texts": {name: text(f"webchat.{name}", language) for name in FRAME_TEXTS},
        }
        return _render("frame.html", language, 200, headers, config=config, base=base)

    async def demo(self, request: web.Request) -> web.Response:
        if "demo" not in self.chat.sites:
            raise web.HTTPNotFound()
        language = _language(self.chat, request)
        others = [(lang, AUTONYMS[lang]) for lang in LANGUAGES if lang != language]
        return _render("demo.html", language, 200, base=base_url(self.chat, request), others=others)
