"""The aiohttp application: GET /healthz, GET /metrics, plus the routes of the channels that receive webhooks.

Channels register their own routes (`create_app(runtime, channels=[...])`): Telegram's webhook and the
SMS providers' webhooks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from bot.observability import health

log = logging.getLogger(__name__)

RUNTIME: web.AppKey[Any] = web.AppKey("runtime", object)
HEALTH_TIMEOUT = 5.0

RouteRegistrar = Callable[[web.Application], None]


async def healthz(request: web.Request) -> web.Response:
    """200 with {"database": true, "redis": true | false | null, "knowledge": <the operator's FAQ entries>}
    when the database answers, else 503 (the load balancer then stops sending this instance traffic).

    "redis" is null when REDIS_URL is not set (one process needs no Redis), and false when it does not
    answer: reported, not a 503, because every instance falls back to its own limits and locks while
    Redis is away, and failing every instance's health check at once would take the whole bot down."""
    runtime = request.app[RUNTIME]
    redis_url = getattr(runtime.settings, "redis_url", None)
    checks = [health.database_ok(runtime.store, HEALTH_TIMEOUT)]
    if redis_url:
        checks.append(health.redis_ok(redis_url, HEALTH_TIMEOUT))
    database, *rest = await asyncio.gather(*checks)
    redis = rest[0] if rest else None
    entries = getattr(runtime.knowledge, "operator_entries", None)
    if entries is None:
        entries = getattr(runtime.knowledge, "entries", ())
    return web.json_response({"database": database, "redis": redis, "knowledge": len(entries)}, status=200 if database else 503)


async def metrics(request: web.Request) -> web.Response:
    """The runtime's Prometheus metrics; the database figures are read now (bounded, cached a few seconds)."""
    runtime = request.app[RUNTIME]
    collected = getattr(runtime, "metrics", None)
    if collected is None:  # a runtime stand-in without metrics (tests of a single channel)
        raise web.HTTPNotFound()
    await collected.refresh(runtime.database)
    body, content_type = collected.render(request.headers.get("Accept"))
    return web.Response(body=body, headers={"Content-Type": content_type})


def create_app(runtime: Any, channels: Iterable[RouteRegistrar] = ()) -> web.Application:
    """The web application for a runtime; each channel registrar adds its webhook route(s)."""
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    # Per instance: Prometheus scrapes each instance itself, never through the load balancer.
    app.router.add_get("/metrics", metrics)
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
