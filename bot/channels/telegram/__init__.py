"""Telegram channel: aiogram 3 bot with long polling (default) or a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.channels.telegram.channel import RuntimeLike


async def run_telegram(runtime: RuntimeLike) -> None:
    """Run the Telegram bot until stopped: webhook mode when WEBHOOK_URL is set, else long polling."""
    if not runtime.settings.bot_token:
        raise SettingsError("BOT_TOKEN is not set: create a bot with @BotFather and put its token in BOT_TOKEN")
    if runtime.settings.webhook_url:
        from bot.channels.telegram.webhook import run_webhook

        await run_webhook(runtime)
    else:
        from bot.channels.telegram.polling import run_polling

        await run_polling(runtime)


__all__ = ["run_telegram"]
