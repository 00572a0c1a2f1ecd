"""Factories: the `Bot` (HTTP session, request middlewares, HTML by default) and the `Dispatcher`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.channels.telegram.channel import RuntimeLike, TelegramChannel
from bot.channels.telegram.middlewares import CustomerOrder, ErrorGuard, FloodLimit, UpdateDedup
from bot.channels.telegram.routers import create_routers
from bot.channels.telegram.session import OnBlocked, OutboundPacer, RetryAfterMiddleware
from bot.channels.telegram.texts import COMMANDS, channel_text
from bot.settings import Language, Settings, SettingsError

log = logging.getLogger(__name__)


def api_server(settings: Settings) -> TelegramAPIServer:
    """The Bot API server to talk to: api.telegram.org, a local Bot API server, or a test fake."""
    return TelegramAPIServer.from_base(settings.telegram_api_url)


def create_bot(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    on_blocked: OnBlocked | None = None,
    pacer: OutboundPacer | None | bool = True,
    retry: RetryAfterMiddleware | None = None,
) -> Bot:
    """A Bot for BOT_TOKEN at TELEGRAM_API_URL, sending HTML, retrying 429s and marking 403s blocked.

    `pacer=True` keeps to Telegram's per-chat and global message rates; pass an `OutboundPacer` to tune
    it or False to send as fast as the server accepts (tests, benchmarks).
    """
    if not settings.bot_token:
        raise SettingsError("BOT_TOKEN is not set: create a bot with @BotFather and put its token in BOT_TOKEN")
    if session is None:
        session = AiohttpSession(api=api_server(settings))
    session.middleware(retry or RetryAfterMiddleware(on_blocked))
    if pacer is True:
        pacer = OutboundPacer()
    if pacer:
        session.middleware(pacer)
    return Bot(
        token=settings.bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    runtime: RuntimeLike,
    *,
    channel: TelegramChannel | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Dispatcher:
    """The dispatcher with the channel's middlewares and routers; handlers get `channel` injected."""
    channel = channel or TelegramChannel(runtime)
    dispatcher = Dispatcher(disable_fsm=True, name="telegram")
    dispatcher["channel"] = channel
    dispatcher.update.outer_middleware(UpdateDedup(channel))
    dispatcher.update.outer_middleware(ErrorGuard(channel))
    dispatcher.update.outer_middleware(FloodLimit(channel, runtime.settings.flood_limit_per_minute, clock=clock))
    dispatcher.update.outer_middleware(CustomerOrder())
    dispatcher.include_routers(*create_routers())
    return dispatcher


def create_telegram(runtime: RuntimeLike, *, session: BaseSession | None = None, **bot_options: object) -> tuple[Bot, Dispatcher, TelegramChannel]:
    """Bot, dispatcher and channel wired together (a 403 marks the customer blocked through the channel)."""
    channel = TelegramChannel(runtime)
    bot = create_bot(runtime.settings, session=session, on_blocked=channel.mark_blocked, **bot_options)  # type: ignore[arg-type]
    return bot, create_dispatcher(runtime, channel=channel), channel


def _command_language(code: str | None, default: Language) -> Language:
    if code == "en":
        return "en"
    if code == "zh":
        # Telegram has one "zh" for both scripts; follow the operator where they chose Traditional.
        return "zh-Hant" if default == "zh-Hant" else "zh-Hans"
    return default


async def set_commands(bot: Bot, settings: Settings) -> None:
    """Register /start, /help, /language for private chats, in Chinese, English and the default language."""
    for code in ("zh", "en", None):
        language = _command_language(code, settings.default_language)
        commands = [BotCommand(command=name, description=channel_text(f"command.{name}", language)) for name in COMMANDS]
        await bot.set_my_commands(commands=commands, scope=BotCommandScopeAllPrivateChats(), language_code=code)
