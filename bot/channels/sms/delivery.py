"""Hand-off delivery for SMS: what people (and the hand-off service) send to an SMS customer.

Implements `bot.handoff.delivery.CustomerDelivery` for channel "sms": an agent's reply in the agents'
Telegram topic of an SMS conversation, and the service's own lines ("an agent has taken your
conversation", the survey...), are rendered like any SMS reply (plain text, numbered options, cut at 3
parts with MORE) and queued in the persisted outbox, which retries until the provider takes them.

An opted-out (STOP) or blocked number raises `CustomerUnreachable`: nothing but the opt-out
confirmation may be sent there, and retrying is pointless until the customer writes START.
An attachment cannot travel by SMS: the customer gets its one-line placeholder ("[The agent sent a photo]").
Lines sent with a `source` (a repair notice, "job:12") are queued once per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.channels.sms.render import render_replies
from bot.channels.sms.templates import booking_template
from bot.engine.types import Reply
from bot.handoff.delivery import AgentMessage, CustomerUnreachable, DeliveryFailed
from bot.settings import LANGUAGES
from bot.storage.sms import CONVERSATION_CHANNEL

if TYPE_CHECKING:
    from bot.channels.sms.channel import SmsChannel


class SmsDelivery:
    """The SMS channel's `CustomerDelivery`."""

    channel = CONVERSATION_CHANNEL

    def __init__(self, sms: SmsChannel) -> None:
        self.sms = sms

    async def _check(self, customer_id: str) -> None:
        reason = await self.sms.sms.withheld(customer_id)  # the rule the outbox applies when it sends
        if reason == "opted out":
            raise CustomerUnreachable(f"{customer_id} unsubscribed from SMS (STOP); they can write START to subscribe again")
        if reason is not None:
            raise CustomerUnreachable(f"{customer_id} is {reason}")

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        await self._check(customer_id)
        rendered = render_replies(replies)
        if not rendered.text:
            return
        language = replies[0].language if replies[0].language in LANGUAGES else await self.sms.language_of(customer_id)
        kind = "notice" if source is not None else "handoff"
        # A line about a repair ticket (a notice, a reminder) can go through a template-only gateway as
        # the ticket's status template; anything else is free text.
        template = await booking_template(self.sms.runtime, customer_id, tuple(replies))
        try:  # rendered as a turn: its options stay on the first page, like the engine's own replies
            await self.sms.send_rendered(customer_id, rendered, kind, language, source=source, template=template)
        except Exception as exc:  # noqa: BLE001 - the outbox table did not take it: the service retries
            raise DeliveryFailed(f"could not queue the SMS: {exc}") from exc

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        await self._check(customer_id)
        text = message.as_text()
        if text.strip():
            await self._queue(customer_id, text, "agent", message.language)

    async def _queue(self, customer_id: str, text: str, kind: str, language: Any) -> None:
        try:
            await self.sms.send_text(customer_id, text, kind=kind, language=language)
        except Exception as exc:  # noqa: BLE001 - the outbox table did not take it: the service retries
            raise DeliveryFailed(f"could not queue the SMS: {exc}") from exc


def register(sms: SmsChannel, registry: Any) -> SmsDelivery | None:
    """Register the SMS deliverer with the hand-off service's registry (None: no registry in this process)."""
    if registry is None:
        return None
    delivery = SmsDelivery(sms)
    registry.register(delivery)
    return delivery
