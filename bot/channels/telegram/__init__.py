"""Telegram channel: aiogram 3 bot with long polling (default) or a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.settings import SettingsError

if TYPE_CHECKING:
    from aiohttp import web

    from bot.channels.telegram.channel import RuntimeLike


async def run_telegram(runtime: RuntimeLike, channels: Iterable[Callable[[web.Application], None]] = ()) -> None:
    """Run the Telegram bot until stopped: webhook mode when WEBHOOK_URL is set, else long polling.

    `channels` are the route registrars of other webhook channels (SMS): in webhook mode they share
    Telegram's aiohttp application; in polling mode that application (with /healthz) runs beside the polling.
    """
    if not runtime.settings.bot_token:
        raise SettingsError("BOT_TOKEN is not set: create a bot with @BotFather and put its token in BOT_TOKEN")
    channels = list(channels)
    if runtime.settings.webhook_url:
        from bot.channels.telegram.webhook import run_webhook

        await run_webhook(runtime, channels=channels)
        return
    from bot.channels.telegram.polling import run_polling

    if not channels:
        await run_polling(runtime)
        return
    from bot.app import create_app, start_site

    runner = await start_site(create_app(runtime, channels), runtime.settings.host, runtime.settings.port)
    try:
        await run_polling(runtime)
    finally:
        await runner.cleanup()


__all__ = ["run_telegram"]
