"""Reading a server-sent event stream in tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]
    id: str | None


class EventReader:
    """The events of one open stream, read as they come."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response
        self.seen: list[Event] = []

    async def _next(self) -> Event:
        name, data, event_id = "message", "", None
        while True:
            raw = await self.response.content.readline()
            if not raw:
                raise EOFError("the stream ended")
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    return Event(name, json.loads(data), event_id)
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data += value
            elif field == "id":
                event_id = value

    async def until(self, done: Callable[[Event], bool], timeout: float = 5.0) -> Event:
        """Read until an event satisfies `done` (within `timeout` seconds); that event."""

        async def read() -> Event:
            while True:
                event = await self._next()
                self.seen.append(event)
                if done(event):
                    return event

        return await asyncio.wait_for(read(), timeout)
