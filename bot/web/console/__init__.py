"""The agents' console: the queue, a conversation, the actions on it and its live updates.

`register(app, runtime)` adds the routes (bot.web.routes calls it after `setup_auth`, which provides
sessions, CSRF checks and the static files, console.js among them).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.console.actions import Actions
from bot.web.console.attachments import Attachments
from bot.web.console.context import Console
from bot.web.console.events import Events
from bot.web.console.pages import Pages

CONSOLE: web.AppKey[Console] = web.AppKey("agent_console", Console)

ESCALATION = r"/console/conversations/{escalation_id:\d+}"


def register(app: web.Application, runtime: Any) -> None:
    """Mount the console's pages, actions and event streams on `app`."""
    console = Console.build(runtime)
    app[CONSOLE] = console
    pages, actions, events, files = Pages(console), Actions(console), Events(console), Attachments(console)
    app.router.add_get("/console/", pages.queue)  # "/console" itself redirects here (bot/web/auth/pages.py)
    app.router.add_post("/console/take-next", actions.take_next)
    app.router.add_get("/console/events", events.queue)
    app.router.add_get(ESCALATION, pages.conversation)
    app.router.add_get(f"{ESCALATION}/events", events.conversation)
    app.router.add_get(f"{ESCALATION}/canned", pages.canned)
    app.router.add_get(ESCALATION + r"/attachments/{message_id:\d+}", files.of_conversation)
    app.router.add_get(r"/console/attachments/{message_id:\d+}", files.by_message)
    for name, handler in (
        ("take", actions.take),
        ("release", actions.release),
        ("transfer", actions.transfer),
        ("close", actions.close),
        ("to-bot", actions.to_bot),
        ("reply", actions.reply),
        ("note", actions.note),
    ):
        app.router.add_post(f"{ESCALATION}/{name}", handler)

    async def stop_feed(_: web.Application) -> None:
        await console.feed.close()

    app.on_shutdown.append(stop_feed)
