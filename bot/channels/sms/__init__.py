"""SMS channel: Twilio (or any gateway posting signed JSON) in, the engine, a persisted outbox out.

`supportbot serve` calls `build_sms(runtime)` when SMS is configured and serves `sms_routes(channel)`
on the bot's aiohttp application next to /healthz (and Telegram's webhook). See the README, section "SMS".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from bot.channels.sms.channel import CHANNEL, IncomingSms, SmsChannel, normalise_number
from bot.channels.sms.outbox import Outbox
from bot.channels.sms.providers import OutgoingSms, SendError, SmsProvider, Template, TwilioProvider
from bot.settings import Settings, check_twilio
from bot.storage.sms_store import SmsStore

log = logging.getLogger(__name__)

SMS_CHANNEL: web.AppKey[SmsChannel] = web.AppKey("sms_channel", SmsChannel)


def sms_configured(settings: Settings) -> bool:
    """Whether any SMS webhook is configured (TWILIO_AUTH_TOKEN or SMS_WEBHOOK_SECRET)."""
    return bool(settings.twilio_auth_token or settings.sms_webhook_secret)


class NoProvider:
    """Stands in when no outbound gateway is configured: messages wait in the outbox until there is one."""

    name = "none"
    free_text = True
    templates: frozenset[str] = frozenset()

    async def send(self, message: OutgoingSms) -> str | None:
        raise SendError("no outbound SMS provider configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)")

    async def close(self) -> None:
        return None


def twilio_provider(settings: Settings) -> TwilioProvider | None:
    """Twilio's REST API when the account SID, auth token and sender number are all set."""
    check_twilio(settings)  # load_settings refuses a partial configuration already; Settings() does not
    if not settings.twilio_account_sid:
        return None
    return TwilioProvider(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from_number,  # type: ignore[arg-type]
                          api_url=settings.twilio_api_url)


def build_sms(runtime: Any, provider: SmsProvider | None = None, **outbox_options: Any) -> SmsChannel:
    """The SMS channel for a runtime: its store, the outbox on `provider` (Twilio from the settings by default)."""
    settings: Settings = runtime.settings
    provider = provider or twilio_provider(settings)
    if provider is None:
        log.warning("sms: no outbound provider configured; replies wait in the outbox until TWILIO_* is set")
        provider = NoProvider()
    store = SmsStore(runtime.database)

    outbox_options.setdefault("clock", runtime.clock)  # the bot's one clock, unless a test moves its own
    outbox = Outbox(store, provider, **outbox_options)
    channel = SmsChannel(runtime, outbox, store, rate_limit_per_hour=settings.sms_rate_limit_per_hour)
    _register_delivery(channel)
    return channel


def _register_delivery(channel: SmsChannel) -> None:
    """Agents' replies to SMS conversations go out through this channel (the runtime's hand-off registry)."""
    from bot.channels.sms.delivery import register

    handoff = getattr(channel.runtime, "handoff", None)
    register(channel, getattr(handoff, "deliveries", None) or getattr(channel.runtime, "deliveries", None))


def sms_routes(channel: SmsChannel) -> Callable[[web.Application], None]:
    """A route registrar for `bot.app.create_app`: the configured webhooks, and the channel's workers."""
    from bot.channels.sms.webhooks import JSON_PATH, TWILIO_PATH, json_handler, twilio_handler

    settings: Settings = channel.settings

    def register(app: web.Application) -> None:
        app[SMS_CHANNEL] = channel
        if settings.twilio_auth_token:
            app.router.add_post(TWILIO_PATH, twilio_handler(channel, settings.twilio_auth_token, settings.public_url))
            log.info("sms: Twilio webhook at %s%s", settings.public_url or "", TWILIO_PATH)
        if settings.sms_webhook_secret:
            app.router.add_post(JSON_PATH, json_handler(channel, settings.sms_webhook_secret))
            log.info("sms: JSON webhook at %s%s", settings.public_url or "", JSON_PATH)

        async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
            await channel.start()
            yield
            await channel.stop()

        app.cleanup_ctx.append(lifecycle)

    return register


__all__ = [
    "CHANNEL", "IncomingSms", "NoProvider", "Outbox", "OutgoingSms", "SendError", "SmsChannel", "SmsProvider",
    "Template", "TwilioProvider", "build_sms", "normalise_number", "sms_configured", "sms_routes", "twilio_provider",
]
