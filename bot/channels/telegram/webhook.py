"""Webhook mode (WEBHOOK_URL set): Telegram POSTs updates to our aiohttp server, which also serves /healthz.

Every request must carry the secret token given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`;
anything else gets 403 and never reaches the dispatcher. An update is answered 200 once it is stored
(bot/channels/telegram/inbox.py), 500 when it cannot be: Telegram then sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import signal
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.channels.telegram.bot import create_telegram, set_commands
from bot.channels.telegram.channel import RuntimeLike
from bot.channels.telegram.inbox import UpdateInbox
from bot.i18n import text as catalog_text

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"


def webhook_secret(bot_token: str, configured: str | None = None) -> str:
    """WEBHOOK_SECRET, or one derived from the bot token (stable across restarts, never the token itself).

    Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -; a hex digest qualifies.
    """
    if configured:
        return configured
    return hashlib.sha256(b"supportbot telegram webhook\x00" + bot_token.encode()).hexdigest()


def webhook_path(webhook_url: str | None) -> str:
    """The path part of WEBHOOK_URL, which is where we listen (a reverse proxy forwards it unchanged)."""
    path = urlsplit(webhook_url or "").path
    return path if path and path != "/" else DEFAULT_PATH


class SecretTokenRequestHandler(SimpleRequestHandler):
    """aiogram's handler, answering a missing or wrong secret token with 403 (aiogram says 401)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str, **data: Any) -> None:
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        super().__init__(dispatcher=dispatcher, bot=bot, handle_in_background=True, secret_token=secret_token, **data)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), (self.secret_token or "").encode()):
            log.warning("webhook request from %s with a %s secret token: 403", request.remote, "wrong" if given else "missing")
            return web.Response(status=403, text="Forbidden")
        try:
            data = await request.json(loads=self.bot.session.json_loads)
        except ValueError:  # not JSON, or not UTF-8
            return web.Response(status=400, text="Bad Request")
        update = _read_update(data, self.bot)
        if isinstance(update, str):  # why it cannot be read
            # Acknowledged all the same: Telegram would resend the same body forever. The log line is what
            # tells the operator that an update (maybe a customer's message) was not understood.
            log.warning("telegram: webhook update %s could not be read and was dropped: %s", _update_ref(data), update)
            return web.json_response({})
        inbox: UpdateInbox | None = self.dispatcher.get("inbox")
        if inbox is None:
            return await super().handle(request)
        try:
            await inbox.accept(self.bot, [data], parsed={update.update_id: update})
        except Exception:
            log.exception("telegram: webhook update %s could not be stored; answering 500 so Telegram retries", _update_ref(data))
            return web.Response(status=500, text="Not stored, retry")
        return web.json_response({})

    async def close(self) -> None:
        """Let updates still being handled finish (bounded), then close the bot's session.

        Updates of the inbox are waited for by its own stop (a dispatcher shutdown hook); one cut short
        stays stored and is handled after the restart, or by another instance.
        """
        pending = list(self._background_feed_update_tasks)
        if pending:
            await asyncio.wait(pending, timeout=10)
        await super().close()


def _read_update(data: object, bot: Bot) -> Update | str:
    """`data` read as an Update, or why aiogram cannot read it.

    aiogram validates in the background task that handles the update, after the 200: an update it cannot
    read would be lost with nothing but an unretrieved task exception, so it is checked before answering.
    """
    if not isinstance(data, dict):
        return f"not a JSON object ({type(data).__name__})"
    try:
        return Update.model_validate(data, context={"bot": bot})
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return catalog_text("cli.webhook.problems", "en", count=exc.error_count(), where=where or "top level", message=first.get("msg", exc))


def _update_ref(data: object) -> str:
    """The update id and chat id of a raw update, for the log (whatever shape it has)."""
    if not isinstance(data, dict):
        return "(no id)"
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    return f"{data.get('update_id', '(no id)')!r} (chat {chat.get('id', '?')!r})"


def telegram_webhook_routes(dispatcher: Dispatcher, bot: Bot, *, path: str, secret_token: str) -> Callable[[web.Application], None]:
    """A route registrar for `bot.app.create_app`: POST `path` → the dispatcher, whose startup and
    shutdown hooks (the hand-off background tasks) run with the application."""

    def register(app: web.Application) -> None:
        SecretTokenRequestHandler(dispatcher, bot, secret_token).register(app, path=path)
        setup_application(app, dispatcher, bot=bot)

    return register


async def start_webhook(
    runtime: RuntimeLike,
    bot: Bot,
    dispatcher: Dispatcher,
    *,
    host: str | None = None,
    port: int | None = None,
    channels: Iterable[Callable[[web.Application], None]] = (),
) -> web.AppRunner:
    """Start the aiohttp server, then point Telegram at it. Returns the runner (cleanup() stops it).

    `channels`: the route registrars of the other webhook channels (SMS) served by the same application.
    """
    from bot.app import create_app

    settings = runtime.settings
    assert settings.webhook_url and settings.bot_token
    secret = webhook_secret(settings.bot_token, settings.webhook_secret)
    path = webhook_path(settings.webhook_url)
    app = create_app(runtime, channels=[telegram_webhook_routes(dispatcher, bot, path=path, secret_token=secret), *channels])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host or settings.host, settings.port if port is None else port)
    await site.start()
    log.info("telegram: webhook server on %s:%s, path %s", host or settings.host, settings.port if port is None else port, path)
    try:
        await set_commands(bot, settings)
        await bot.set_webhook(
            url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def run_webhook(
    runtime: RuntimeLike,
    *,
    stop: asyncio.Event | None = None,
    channels: Iterable[Callable[[web.Application], None]] = (),
) -> None:
    """Serve the webhook (and /healthz, and the other `channels`' routes) until SIGINT/SIGTERM or `stop` is set."""
    bot, dispatcher, _ = create_telegram(runtime)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner = await start_webhook(runtime, bot, dispatcher, channels=channels)
    try:
        await stop.wait()
    finally:
        log.info("telegram: webhook server stopping")
        await runner.cleanup()  # also closes the bot session (the handler's shutdown hook)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
