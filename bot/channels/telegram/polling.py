"""Long polling: the default, needs no public address."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher

from bot.channels.telegram.bot import create_telegram, set_commands
from bot.channels.telegram.channel import RuntimeLike

log = logging.getLogger(__name__)

POLLING_TIMEOUT = 30  # seconds a getUpdates call waits for news


async def start_polling(
    runtime: RuntimeLike,
    bot: Bot,
    dispatcher: Dispatcher,
    *,
    handle_signals: bool = True,
    polling_timeout: int = POLLING_TIMEOUT,
) -> None:
    """Remove any webhook (updates then queue for getUpdates), register the commands, poll until stopped.

    A batch's updates are fed one after the other (not as tasks) before the next getUpdates confirms
    them: feeding one only stores it (the dispatcher's `DurableIntake`, bot/channels/telegram/inbox.py),
    so no update is confirmed to Telegram before it is stored, and the inbox handles different
    customers concurrently.
    """
    await bot.delete_webhook(drop_pending_updates=False)
    await set_commands(bot, runtime.settings)
    await dispatcher.start_polling(
        bot,
        polling_timeout=polling_timeout,
        allowed_updates=dispatcher.resolve_used_update_types(),
        handle_signals=handle_signals,
        handle_as_tasks=False,
    )


async def run_polling(runtime: RuntimeLike, *, handle_signals: bool = True) -> None:
    """Run the Telegram bot with long polling until SIGINT/SIGTERM."""
    bot, dispatcher, _ = create_telegram(runtime)
    log.info("telegram: long polling %s", runtime.settings.telegram_api_url)
    await start_polling(runtime, bot, dispatcher, handle_signals=handle_signals)
