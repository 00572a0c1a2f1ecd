"""The aiohttp application: GET /healthz plus the routes of the channels that receive webhooks.

Channels register their own routes (`create_app(runtime, channels=[...])`): Telegram's webhook today,
the SMS provider's webhook later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

RUNTIME: web.AppKey[Any] = web.AppKey("runtime", object)
HEALTH_TIMEOUT = 5.0

RouteRegistrar = Callable[[web.Application], None]


async def healthz(request: web.Request) -> web.Response:
    """200 with {"database": true, "knowledge": <the operator's FAQ entries>} when the database answers, else 503."""
    runtime = request.app[RUNTIME]
    try:
        database = bool(await asyncio.wait_for(runtime.store.ping(), HEALTH_TIMEOUT))
    except Exception:  # noqa: BLE001 - a failing check is a 503, not a 500
        log.warning("health check: database ping failed", exc_info=True)
        database = False
    entries = getattr(runtime.knowledge, "operator_entries", None)
    if entries is None:
        entries = getattr(runtime.knowledge, "entries", ())
    return web.json_response({"database": database, "knowledge": len(entries)}, status=200 if database else 503)


def create_app(runtime: Any, channels: Iterable[RouteRegistrar] = ()) -> web.Application:
    """The web application for a runtime; each channel registrar adds its webhook route(s)."""
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    for register in channels:
        register(app)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port (its startup hooks run now); `await runner.cleanup()` stops it."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("http: listening on %s:%s (%s)", host, port, ", ".join(sorted({r.resource.canonical for r in app.router.routes() if r.resource})))
    return runner


async def run_http(runtime: Any, channels: Iterable[RouteRegistrar] = (), *, stop: asyncio.Event | None = None) -> None:
    """Serve /healthz and the channels' webhooks on HOST:PORT until SIGINT/SIGTERM or `stop` is set.

    What `supportbot serve` runs when no Telegram bot polls (an SMS-only deployment, for one).
    """
    import contextlib
    import signal

    settings = runtime.settings
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner = await start_site(create_app(runtime, channels), settings.host, settings.port)
    try:
        await stop.wait()
    finally:
        log.info("http: stopping")
        await runner.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
