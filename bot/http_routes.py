"""What one `supportbot serve` offers over HTTP beside Telegram: the route registrars of the web chat,
the staff web (agents' console, supervisors' numbers, suggestions), the SMS webhooks and the ticket API.

`bot.app.create_app` takes these registrars; Telegram's webhook (or its polling's side application)
serves them on the same HOST:PORT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.settings import public_base

RouteRegistrar = Callable[[web.Application], None]


def served_routes(runtime: Any) -> list[RouteRegistrar]:
    """Every HTTP feature this runtime's settings turn on; the web chat and the staff web always."""
    from bot.channels.sms import build_sms, sms_configured, sms_routes
    from bot.channels.web.routes import register_webchat
    from bot.web.routes import register_staff_web

    settings = runtime.settings
    registrars: list[RouteRegistrar] = [register_webchat(runtime), lambda app: register_staff_web(app, runtime)]
    if sms_configured(settings):
        registrars.append(sms_routes(build_sms(runtime)))
    if settings.staff_api_token:  # the service centre's system changes tickets (bot/api/tickets.py)
        from bot.api import ticket_routes

        registrars.append(ticket_routes(runtime.repairs.desk, settings.staff_api_token))
    return registrars


def announce_urls(settings: Any) -> str:
    """The lines `serve` prints at start: where the web chat demo and the agents' console are."""
    base = public_base(settings)
    return (
        f"Web chat demo:   {base}/\n"
        f"Agents' console: {base}/console/  (first account: supportbot agents add you@example.com --name You --role admin)"
    )
