"""Factories: the `Bot` (HTTP session, request middlewares, HTML by default) and the `Dispatcher`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.channels.telegram.channel import RuntimeLike, TelegramChannel
from bot.channels.telegram.middlewares import install as install_middlewares
from bot.channels.telegram.routers import create_routers
from bot.channels.telegram.session import (
    KeepResponseModels,
    OnBlocked,
    OnRetryAfter,
    OutboundPacer,
    RetryAfterMiddleware,
)
from bot.channels.telegram.texts import COMMANDS, channel_text
from bot.coordination import Shared
from bot.settings import Language, Settings, SettingsError

if TYPE_CHECKING:
    from bot.channels.telegram.agents.desk import TelegramDesk

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
    on_retry_after: OnRetryAfter | None = None,
    shared: Shared | None = None,
) -> Bot:
    """A Bot for BOT_TOKEN at TELEGRAM_API_URL, sending HTML, retrying 429s and marking 403s blocked.

    `pacer=True` keeps to Telegram's per-chat and global message rates; pass an `OutboundPacer` to tune
    it or False to send as fast as the server accepts (tests, benchmarks). With a distributed `shared`
    (REDIS_URL) the default pacer counts every instance's messages together: Telegram's limits are per bot.
    """
    if not settings.bot_token:
        raise SettingsError("BOT_TOKEN is not set: create a bot with @BotFather and put its token in BOT_TOKEN")
    if session is None:
        session = AiohttpSession(api=api_server(settings))
    session.middleware(KeepResponseModels())
    session.middleware(retry or RetryAfterMiddleware(on_blocked, on_retry_after=on_retry_after))
    if pacer is True:
        pacer = OutboundPacer(limiter=shared.limiter if shared is not None else None)
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
    agents: TelegramDesk | None = None,
) -> Dispatcher:
    """The dispatcher with the channel's middlewares and routers; handlers get `channel` injected.

    With an agents' desk, its router comes first: the agents' chat is a group, the customers' routers
    only take private chats, and the card buttons must not reach the customers' "stale button" handler.
    """
    channel = channel or TelegramChannel(runtime)
    dispatcher = Dispatcher(disable_fsm=True, name="telegram")
    dispatcher["channel"] = channel
    durable = make_durable(runtime, dispatcher, channel)
    # De-duplication, error guard, flood limit, per-customer order: shared between instances with REDIS_URL.
    install_middlewares(
        dispatcher, channel, flood_limit=runtime.settings.flood_limit_per_minute, clock=clock,
        shared=getattr(runtime, "shared", None), durable=durable,
    )
    if agents is not None:
        from bot.channels.telegram.agents import create_router as agents_router

        dispatcher.include_router(agents_router(agents))
    dispatcher.include_routers(*create_routers())
    return dispatcher


def make_durable(runtime: RuntimeLike, dispatcher: Dispatcher, channel: TelegramChannel) -> bool:
    """Updates stored before they are acknowledged, replies before they are sent (inbox.py, outbox.py).

    Needs the runtime's database; a runtime without one (unit tests of the channel) handles updates and
    sends replies directly. True when the dispatcher was made durable.
    """
    database = getattr(runtime, "database", None)
    if database is None:
        return False
    from bot.channels.telegram.inbox import DurableIntake, UpdateInbox
    from bot.channels.telegram.outbox import ReplyOutbox

    owner = database.instance
    clock = getattr(runtime, "clock", None) or database.clock
    inbox = UpdateInbox(database, dispatcher, owner=owner, clock=clock, on_duplicate=channel.count_duplicate_update)
    channel.outbox = ReplyOutbox(database, owner=owner, clock=clock)
    dispatcher["inbox"] = inbox
    dispatcher.update.outer_middleware(DurableIntake(inbox))

    async def start_queues(bot: Bot) -> None:
        inbox.start(bot)
        channel.outbox.start(bot)  # type: ignore[union-attr]

    async def stop_queues() -> None:
        await inbox.stop()
        await channel.outbox.stop()  # type: ignore[union-attr]

    dispatcher.startup.register(start_queues)
    dispatcher.shutdown.register(stop_queues)
    return True


def attach_handoff(runtime: RuntimeLike, bot: Bot, channel: TelegramChannel, **agents_options: Any) -> TelegramDesk | None:
    """Register Telegram's hand-off delivery (agents' messages reach Telegram customers) and, with
    AGENTS_CHAT_ID, the agents' desk. None when there is no agents' chat (escalations wait in the database)."""
    service = getattr(runtime, "handoff", None)
    if service is None:
        return None
    from bot.channels.telegram.agents import attach_agents
    from bot.channels.telegram.delivery import TelegramDelivery

    service.deliveries.register(TelegramDelivery(bot, channel))
    agents_options.setdefault("repairs", getattr(runtime, "repairs", None))  # /ticket in the agents' chat
    return attach_agents(runtime.settings, service, bot, **agents_options)


def run_handoff_tasks(runtime: RuntimeLike, dispatcher: Dispatcher) -> None:
    """Run the hand-off background work (agents' outbox, overdue re-announcements) while the dispatcher runs."""
    service = getattr(runtime, "handoff", None)
    if service is None:
        return
    from bot.handoff.outbox import HandoffTasks

    tasks = HandoffTasks(service)
    dispatcher["handoff_tasks"] = tasks

    async def start_tasks() -> None:
        desk = service.desk
        if hasattr(desk, "check"):
            await desk.check()
        tasks.start()

    async def stop_tasks() -> None:
        await tasks.stop()

    dispatcher.startup.register(start_tasks)
    dispatcher.shutdown.register(stop_tasks)


def create_telegram(runtime: RuntimeLike, *, session: BaseSession | None = None, **bot_options: object) -> tuple[Bot, Dispatcher, TelegramChannel]:
    """Bot, dispatcher and channel wired together (a 403 marks the customer blocked through the channel),
    with the human hand-off: delivery to Telegram customers, the agents' chat when configured, and the
    hand-off background tasks started and stopped with the dispatcher."""
    channel = TelegramChannel(runtime)
    metrics = getattr(runtime, "metrics", None)  # 429s are counted in the runtime's metrics (GET /metrics)
    bot_options.setdefault("on_retry_after", getattr(metrics, "flood_control", None))
    bot_options.setdefault("shared", getattr(runtime, "shared", None))
    bot = create_bot(runtime.settings, session=session, on_blocked=channel.mark_blocked, **bot_options)  # type: ignore[arg-type]
    desk = attach_handoff(runtime, bot, channel)
    dispatcher = create_dispatcher(runtime, channel=channel, agents=desk)
    run_handoff_tasks(runtime, dispatcher)
    return bot, dispatcher, channel


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
