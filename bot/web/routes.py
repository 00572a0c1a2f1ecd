"""The staff web on an aiohttp app: the gate (bot/web/auth), the login and admin pages, then every
part that exists: the agents' console, the supervisors' dashboard, the knowledge-base suggestions."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from aiohttp import web

from bot.web.admin import register as register_admin
from bot.web.auth import setup_auth

log = logging.getLogger(__name__)

PARTS = ("bot.web.console", "bot.web.dashboard", "bot.web.suggestions")


def register_staff_web(app: web.Application, runtime: Any) -> None:
    """Everything under /console/ on `app`; a part whose package does not define `register` is skipped."""
    setup_auth(app, runtime)
    register_admin(app, runtime)
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):  # the part itself is missing, not one of its imports
                log.debug("staff web: %s is not there", name)
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(app, runtime)
