"""Everything that is not text (photos, stickers, voice, files, locations...): the engine replies politely.

This router comes last and matches any message, so no private message is ever silently ignored.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ContentType
from aiogram.types import Message

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.filters import private_chat
from bot.engine.types import InboundKind

KINDS: dict[str, InboundKind] = {
    ContentType.PHOTO: InboundKind.PHOTO,
    ContentType.STICKER: InboundKind.STICKER,
    ContentType.VOICE: InboundKind.VOICE,
    ContentType.AUDIO: InboundKind.VOICE,
    ContentType.VIDEO_NOTE: InboundKind.VIDEO,
    ContentType.VIDEO: InboundKind.VIDEO,
    ContentType.ANIMATION: InboundKind.VIDEO,
    ContentType.DOCUMENT: InboundKind.DOCUMENT,
    ContentType.LOCATION: InboundKind.LOCATION,
    ContentType.VENUE: InboundKind.LOCATION,
    ContentType.CONTACT: InboundKind.CONTACT,
}


def inbound_kind(message: Message) -> InboundKind:
    """The engine's kind for a Telegram message's content type."""
    return KINDS.get(message.content_type, InboundKind.OTHER)


def attachment_of(message: Message) -> str | None:
    """A reference to what the customer sent, kept in the transcript (agents and the booking flow use it)."""
    if message.photo:
        return f"telegram:photo:{message.photo[-1].file_id}"  # the largest size
    if message.location is not None:
        return f"telegram:location:{message.location.latitude},{message.location.longitude}"
    if message.contact is not None:
        return f"telegram:contact:{message.contact.phone_number}"
    for name in ("document", "voice", "audio", "video", "video_note", "animation", "sticker"):
        media = getattr(message, name, None)
        if media is not None:
            return f"telegram:{name}:{media.file_id}"
    return None


def create_router() -> Router:
    router = Router(name="media")
    router.message.filter(private_chat)

    @router.message()
    async def anything_else(message: Message, bot: Bot, channel: TelegramChannel) -> None:
        await channel.on_message(
            bot, message, text=message.caption, kind=inbound_kind(message), attachment=attachment_of(message)
        )

    return router
