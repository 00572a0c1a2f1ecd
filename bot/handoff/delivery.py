"""Delivering hand-off messages to customers, one deliverer per channel ("telegram", "console", "sms").

This is the small, stable interface between the channel-agnostic hand-off service and the channels.
A channel registers one `CustomerDelivery` under its name; the service looks it up by the
conversation's channel and calls it for

* `send_replies`: the bot's own lines outside a turn (an agent took the conversation, the survey
  question with its options, "you are back with the assistant"...). They are ordinary engine `Reply`
  objects: render them exactly like the replies of a turn (buttons on Telegram, a numbered list on the
  console and by SMS; the service has already remembered the options so a bare "3" picks the third).
  With `source` (a repair notice or reminder: "job:<id>", bot/repairs/outreach.py) the lines are
  queued in the channel's durable outbox once per source: called again with the same source (the job
  ran again after a crash) it sends nothing new. Without it they are sent as before;
* `send_agent_message`: what a person wrote to the customer: plain text (never markup: escape it if
  the channel uses any) and/or one attachment (a photo or a document).

A deliverer raises `CustomerUnreachable` when the customer cannot get messages at all (blocked the bot,
unknown number, opted out: retrying is pointless until they write again) and `DeliveryFailed` for a
temporary failure (flood limits, the provider is down: retried later). The service keeps whatever was
not delivered and shows it to the agent; nothing is dropped silently. Any other exception is treated
like `DeliveryFailed`.

Example (an SMS channel)::

    from bot.handoff.delivery import AgentMessage, CustomerDelivery, CustomerUnreachable, DeliveryFailed

    class SmsDelivery:
        channel = "sms"

        async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
            text = "\\n\\n".join(render_numbered(reply) for reply in replies)
            await self.sms.send(customer_id, text, source=source)   # queued once per source

        async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
            await self.sms.send(customer_id, message.as_text())   # a photo becomes "[The agent sent a photo]"

    runtime.deliveries.register(SmsDelivery(...))   # or DeliveryRegistry.register(...) on the registry in use
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from bot.engine.types import Reply
from bot.settings import Language

AttachmentKind = Literal["photo", "document"]

_PLACEHOLDERS: dict[AttachmentKind, dict[Language, str]] = {
    "photo": {"zh-Hans": "[客服发送了一张图片]", "zh-Hant": "[客服傳送了一張圖片]", "en": "[The agent sent a photo]"},
    "document": {"zh-Hans": "[客服发送了一个文件]", "zh-Hant": "[客服傳送了一個檔案]", "en": "[The agent sent a file]"},
}


class CustomerUnreachable(Exception):
    """The customer cannot receive messages on this channel (blocked the bot, unknown number...)."""


class DeliveryFailed(Exception):
    """A temporary failure (rate limit, provider down): the message is kept and retried later."""


@dataclass(frozen=True)
class Attachment:
    """A photo or document an agent sent.

    `reference` is the agents' side's own handle, e.g. "telegram:photo:<file_id>": a Telegram deliverer
    can send that file id as is. Other channels call `fetch()` (when not None) for the bytes, or send
    `placeholder(language)` instead.
    """

    kind: AttachmentKind
    reference: str
    file_name: str | None = None
    mime_type: str | None = None
    fetch: Callable[[], Awaitable[bytes]] | None = None

    def placeholder(self, language: Language) -> str:
        """A one-line stand-in for channels that cannot carry the file, in the customer's language."""
        return _PLACEHOLDERS[self.kind][language]


@dataclass(frozen=True)
class AgentMessage:
    """One message a person wrote to the customer (text, attachment, or both: the text is the caption)."""

    escalation_id: int
    language: Language  # the conversation's language, for any wording the channel adds
    text: str | None = None
    attachment: Attachment | None = None
    agent_name: str | None = None  # first name of the agent; channels may show it, need not
    message_id: int | None = None  # the stored `messages` row: a channel that stores may key on it (sent once)

    def as_text(self) -> str:
        """The message as text alone, for a channel that cannot carry the file: its text, then the
        attachment's one-line placeholder ("[The agent sent a photo]")."""
        text = self.text or ""
        if self.attachment is None:
            return text
        line = self.attachment.placeholder(self.language)
        return f"{text}\n{line}" if text else line


@runtime_checkable
class CustomerDelivery(Protocol):
    """What a channel implements so people can reach its customers during a hand-off."""

    channel: str  # the Inbound.channel name it delivers for

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        """Send the bot's own lines (rendered like a turn's replies, options included); with `source`,
        at most once per source however often called."""

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        """Send what an agent wrote."""


class DeliveryRegistry:
    """The deliverers of the running channels, by channel name."""

    def __init__(self) -> None:
        self._by_channel: dict[str, CustomerDelivery] = {}

    def register(self, delivery: CustomerDelivery) -> None:
        """Add (or replace) the deliverer of `delivery.channel`."""
        self._by_channel[delivery.channel] = delivery

    def unregister(self, channel: str) -> None:
        """Forget a channel's deliverer (the channel stopped)."""
        self._by_channel.pop(channel, None)

    def get(self, channel: str) -> CustomerDelivery | None:
        """The deliverer for a channel, or None when that channel is not running in this process."""
        return self._by_channel.get(channel)

    def channels(self) -> tuple[str, ...]:
        return tuple(self._by_channel)
