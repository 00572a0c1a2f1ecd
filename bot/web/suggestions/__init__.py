"""The knowledge base that learns, on the staff web: /console/suggestions (supervisors and admins).

`register(app, runtime)` adds the routes (bot.web.routes calls it after `setup_auth`) and runs this
instance's knowledge-base version poller (bot.learning.live.VersionPoller) with the app: a version
published or rolled back on another instance is applied here within seconds.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.learning.live import VersionPoller
from bot.web.suggestions import pages

POLLER: web.AppKey[VersionPoller] = web.AppKey("kb_version_poller", VersionPoller)


def register(app: web.Application, runtime: Any) -> None:
    """Mount the suggestions pages on `app` and start the version poller with it."""
    base = pages.BASE
    app.router.add_get(base, pages.index)
    app.router.add_get(f"{base}/export.yaml", pages.export_yaml)
    app.router.add_post(f"{base}/collect", pages.collect_now)
    app.router.add_post(f"{base}/check", pages.check_page)
    app.router.add_post(f"{base}/publish", pages.publish_version)
    app.router.add_post(base + r"/versions/{version_id:\d+}/rollback", pages.rollback_version)
    app.router.add_post(base + r"/{suggestion_id:\d+}", pages.act)
    app[POLLER] = VersionPoller(runtime)

    async def start(app: web.Application) -> None:
        app[POLLER].start()

    async def stop(app: web.Application) -> None:
        await app[POLLER].stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
