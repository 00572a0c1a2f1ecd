"""Server-sent events of the console: what changed, read from the database after the client's cursor.

* `/console/events`: "queue" when the open queue (or a customer's last words) changed: the queue page
  refreshes itself.
* `/console/conversations/{id}/events`: "line" (a transcript line), "note" (an internal note: staff
  only, as the whole console is) and "state" (status, agent, SLA). Each line and note carries the SSE id
  "<message id>.<note id>", so a browser that reconnects (EventSource sends `Last-Event-ID`) resumes
  after the last thing it showed: nothing lost, nothing twice.

Streams wake on this instance's `ConsoleFeed` (one database poller per instance), so a customer's
message stored by another instance shows here within about a second.

A stream outlives the request that checked its session: on every wake-up and keep-alive it asks the
staff sessions service again and ends when the session was revoked, expired or its user deactivated.
Each stream also ends after `MAX_STREAM` (EventSource reconnects by itself, through the full check).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from typing import Any

from aiohttp import web

from bot.storage import console as console_repo
from bot.web.auth import staff_of, staff_service
from bot.web.auth.guard import SESSION_TOKEN
from bot.web.console import views
from bot.web.console.context import Console
from bot.web.console.pages import cursor_of, now_of, parse_cursor, zone_of
from bot.web.templating import translator

KEEPALIVE = 15.0  # seconds: a comment line keeps proxies from closing an idle stream
MAX_STREAM = dt.timedelta(minutes=30)  # then the browser reconnects, through the login check again


def _stream() -> web.StreamResponse:
    return web.StreamResponse(
        headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


async def _open(request: web.Request, response: web.StreamResponse) -> None:
    """Send the headers; raises ConnectionResetError when the browser already left (a page reload)."""
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")


def _event(name: str, data: dict[str, Any], event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class Events:
    """The SSE handlers."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.runtime = console.runtime
        self.feed = console.feed

    async def _wait(self, changed: asyncio.Event, request: web.Request, response: web.StreamResponse, until: dt.datetime) -> bool:
        """Sleep until the feed moves (True) or the keep-alive is due; False when the stream must end:
        the app is stopping, the stream is `MAX_STREAM` old, or its session no longer holds."""
        if self.feed.closing.is_set():
            return False
        try:
            await asyncio.wait_for(changed.wait(), KEEPALIVE)
        except TimeoutError:
            await response.write(b": keep-alive\n\n")
        if self.feed.closing.is_set() or self.runtime.clock() >= until:
            return False
        return await staff_service(request).sessions.alive(request.get(SESSION_TOKEN))

    def _until(self) -> dt.datetime:
        return self.runtime.clock() + MAX_STREAM

    async def queue(self, request: web.Request) -> web.StreamResponse:
        staff_of(request)
        changed = self.feed.changed()
        last = await self._mark()  # read before answering: whatever happens after the page connected is news
        response = _stream()
        until = self._until()
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            await _open(request, response)
            while await self._wait(changed, request, response, until):
                changed = self.feed.changed()
                mark = await self._mark()
                if mark != last:
                    last = mark
                    await response.write(_event("queue", {"message_id": mark.message_id}))
        return response

    async def _mark(self) -> Any:
        async with self.runtime.database.sessions() as session:
            return await console_repo.change_mark(session)

    async def conversation(self, request: web.Request) -> web.StreamResponse:
        user = staff_of(request)
        t = translator(user.language)
        escalation = await self.console.escalation(request)
        zone = zone_of(self.runtime)
        message_cursor, note_cursor = parse_cursor(request.headers.get("Last-Event-ID") or request.query.get("after"))
        response = _stream()
        state: dict[str, Any] | None = None
        until = self._until()
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            await _open(request, response)
            while True:
                changed = self.feed.changed()
                async with self.runtime.database.sessions() as session:
                    lines = await console_repo.transcript_after(session, escalation.conversation_id, message_cursor)
                    notes = await console_repo.notes_after(session, escalation.conversation_id, note_cursor)
                for message in lines:
                    message_cursor = message.id
                    data = views.line(message, escalation.id, zone, t)
                    await response.write(_event("line", data, cursor_of(message_cursor, note_cursor)))
                for note in notes:
                    note_cursor = note.id
                    await response.write(_event("note", views.note_line(note, zone), cursor_of(message_cursor, note_cursor)))
                current = await self.runtime.handoff.escalation(escalation.id)
                if current is not None:
                    fresh = views.state_of(current, now_of(self.runtime), t)
                    if fresh != state:
                        state = fresh
                        await response.write(_event("state", fresh))
                if not await self._wait(changed, request, response, until):
                    break
        return response
