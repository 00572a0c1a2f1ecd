"""`GET /chat/api/events`: the visitor's events as Server-Sent Events, resumable.

Each event is sent with `id: <row id>`; a reconnecting EventSource sends `Last-Event-ID` and gets
every row after it, and a reloaded page passes `since=<id>` (0 for the whole conversation), so
neither a dropped connection nor a reload loses a message. The stream waits on `Live` (woken by a
write here, by the poller, or through Redis) and sends a comment every `KEEPALIVE` seconds so
proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

from bot.channels.web.api import ChatApi, Handler, polite
from bot.channels.web.render import event_json

log = logging.getLogger(__name__)

KEEPALIVE = 15.0
BATCH = 200


def _after(request: web.Request) -> int:
    """The last id the client has: the Last-Event-ID header, else the `since` parameter, else 0."""
    for raw in (request.headers.get("Last-Event-ID"), request.query.get("since")):
        if raw and raw.isascii() and raw.isdigit() and len(raw) < 15:
            return int(raw)
    return 0


def events_handler(api: ChatApi) -> Handler:
    chat = api.chat

    @polite
    async def events(request: web.Request) -> web.StreamResponse:
        visitor = await api._visitor(request, query=True)
        last = _after(request)
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform",
            "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
        })
        await response.prepare(request)
        woken = chat.live.subscribe(visitor.customer_id)
        try:
            await response.write(b"retry: 2000\n\n")
            while not chat.live.closing:
                woken.clear()  # before reading: a row stored while we read wakes the next wait
                rows = await chat.store.events_after(visitor.customer_id, last, BATCH)
                for row in rows:
                    data = json.dumps(event_json(row), ensure_ascii=False)
                    await response.write(f"id: {row.id}\ndata: {data}\n\n".encode())
                    last = row.id
                if len(rows) == BATCH:
                    continue
                try:
                    await asyncio.wait_for(woken.wait(), KEEPALIVE)
                except asyncio.TimeoutError:
                    await response.write(b": keep-alive\n\n")
        except ConnectionResetError:
            pass  # the visitor left; their EventSource resumes from its last id
        except Exception as exc:  # noqa: BLE001 - the database went away: end the stream, the client reconnects
            log.warning("webchat: event stream ended: %s", exc)
        finally:
            chat.live.unsubscribe(visitor.customer_id, woken)
        with contextlib.suppress(Exception):
            await response.write_eof()
        return response

    return events
