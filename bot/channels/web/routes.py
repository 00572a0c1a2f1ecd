"""Wiring the web chat into the bot's aiohttp application (`supportbot serve`).

`register_webchat(runtime)` returns the registrar `bot.app.create_app` takes: it adds the routes,
registers the channel's `CustomerDelivery` with the hand-off, and runs the live poller from the
application's start-up to its clean-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from bot.channels.web.api import ChatApi, polite
from bot.channels.web.chat import WebChat
from bot.channels.web.pages import STATIC, Pages
from bot.channels.web.stream import events_handler

WEBCHAT: web.AppKey[WebChat] = web.AppKey("webchat", WebChat)


def register_webchat(runtime: Any) -> Callable[[web.Application], None]:
    """The web chat's route registrar for `create_app(runtime, channels=[...])`."""
    chat = WebChat(runtime)
    runtime.deliveries.register(chat.delivery)  # agents can reach web visitors as soon as the app exists

    def register(app: web.Application) -> None:
        app[WEBCHAT] = chat
        api = ChatApi(chat)
        pages = Pages(chat)
        app.router.add_get("/widget.js", pages.widget)
        app.router.add_get("/chat/frame", pages.frame)
        app.router.add_get("/", pages.demo)
        app.router.add_static("/chat/static", STATIC)
        app.router.add_post("/chat/api/session", polite(api.session))
        app.router.add_get("/chat/api/session", polite(api.check))
        app.router.add_post("/chat/api/session/end", polite(api.end))
        app.router.add_post("/chat/api/messages", polite(api.messages))
        app.router.add_post("/chat/api/actions", polite(api.actions))
        app.router.add_post("/chat/api/uploads", polite(api.upload))
        app.router.add_get("/chat/api/uploads/{upload_id}", polite(api.download))
        app.router.add_get("/chat/api/events", events_handler(api))

        async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
            runtime.deliveries.register(chat.delivery)
            await chat.live.start()
            yield
            await chat.live.stop()

        async def end_streams(_app: web.Application) -> None:
            chat.live.end_streams()  # before the server waits for open requests: streams would hold it up

        app.cleanup_ctx.append(lifecycle)
        app.on_shutdown.append(end_streams)

    return register
