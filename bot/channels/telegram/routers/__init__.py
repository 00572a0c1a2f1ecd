"""One router per feature; `create_routers` builds fresh ones (a router can belong to one dispatcher only)."""

from __future__ import annotations

from aiogram import Router

from bot.channels.telegram.routers import callbacks, commands, media, membership, text


def create_routers() -> list[Router]:
    """In matching order: commands before free text, free text before the catch-all for other messages."""
    return [commands.create_router(), text.create_router(), callbacks.create_router(), membership.create_router(), media.create_router()]
