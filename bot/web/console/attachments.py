"""Photos customers sent through the web chat, shown in the console.

Two routes, one rule: staff see a file only as part of a conversation that was handed to people, and
only a message of that very conversation. `/console/conversations/{escalation}/attachments/{message}`
checks the message belongs to that escalation's conversation; `/console/attachments/{message}` checks
its conversation was ever escalated. Anything else is 404, as if it did not exist. The bytes are the web
chat's upload, and must belong to the same customer as the conversation.
"""

from __future__ import annotations


from aiohttp import web

from bot.storage import console as console_repo
from bot.storage.models import Message
from bot.storage.web import WebChatStore
from bot.web.auth import staff_of
from bot.web.console.context import Console
from bot.web.ids import path_id

WEB_CHANNEL = "web"


def upload_id_of(reference: str | None) -> str | None:
    """The web chat's upload id in a stored reference ("web:upload:<id>"); None for other channels'."""
    if not reference or not reference.startswith(f"{WEB_CHANNEL}:"):
        return None
    upload_id = reference.rsplit(":", 1)[-1]
    return upload_id if upload_id.isalnum() else None


class Attachments:
    """GET handlers for attachment bytes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.runtime = console.runtime

    def _message_id(self, request: web.Request) -> int:
        return path_id(request, "message_id")

    async def of_conversation(self, request: web.Request) -> web.StreamResponse:
        staff_of(request)
        escalation = await self.console.escalation(request)
        async with self.runtime.database.sessions() as session:
            message = await console_repo.message_in(session, self._message_id(request), escalation.conversation_id)
        if message is None:
            raise web.HTTPNotFound()
        return await self._serve(message, escalation.channel, escalation.customer_id)

    async def by_message(self, request: web.Request) -> web.StreamResponse:
        staff_of(request)
        message_id = self._message_id(request)
        async with self.runtime.database.sessions() as session:
            conversation_id = await console_repo.message_conversation(session, message_id)
            message = await console_repo.message_in(session, message_id, conversation_id) if conversation_id else None
            conversation = await console_repo.conversation_by_id(session, conversation_id) if conversation_id else None
        if message is None or conversation is None:
            raise web.HTTPNotFound()
        return await self._serve(message, conversation.channel, conversation.customer_id)

    async def _serve(self, message: Message, channel: str, customer_id: str) -> web.StreamResponse:
        upload_id = upload_id_of(message.attachment)
        if channel != WEB_CHANNEL or upload_id is None:
            raise web.HTTPNotFound()
        store = WebChatStore(self.runtime.database)
        upload = await store.upload(upload_id)
        if upload is None or upload.customer_id != customer_id:
            raise web.HTTPNotFound()
        data = await store.upload_bytes(upload.id)
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=data,
            content_type=upload.mime_type,
            headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        )
