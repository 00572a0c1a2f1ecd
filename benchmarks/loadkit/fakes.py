"""The fake Bot API and fake Twilio of the test suite, plus one time-stamped record of every message out.

The tests' fakes (tests/fakes/) are reused as they are, so the benchmark talks the wire format the test
suite checks; the subclasses only add what a load run needs: the monotonic time each message reached
the fake (the "message out" end of the latency), an index by destination (the fakes' own lookups scan
every call, too slow for thousands of them), and a wake-up for the customer waiting on that destination.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web

from tests.fakes.sms_provider import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.fakes.telegram_api import BOT_TOKEN, Call, FakeTelegramAPI, html_to_text

__all__ = ["ACCOUNT_SID", "AUTH_TOKEN", "BOT_TOKEN", "FROM_NUMBER", "Out", "Outbox", "RecordingTelegramAPI", "RecordingTwilio"]

POSTS = ("sendMessage", "copyMessage", "sendPhoto", "sendDocument")


@dataclass
class Out:
    """One message that reached a fake API."""

    t: float
    dest: str  # "tg:<chat id>", "sms:<number>" or "agents" (the agents' supergroup)
    text: str
    thread: int | None = None
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback_data)
    message_id: int | None = None


class Outbox:
    """Every message out, by destination; customers wait on their destination with `wait`."""

    def __init__(self) -> None:
        self.by_dest: dict[str, list[Out]] = defaultdict(list)
        self._events: dict[str, asyncio.Event] = {}

    def add(self, out: Out) -> None:
        self.by_dest[out.dest].append(out)
        event = self._events.pop(out.dest, None)
        if event is not None:
            event.set()

    def count(self, dest: str) -> int:
        return len(self.by_dest.get(dest, ()))

    async def wait_more(self, dest: str, seen: int, timeout: float) -> bool:
        """Wait until `dest` has more than `seen` messages; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.count(dest) <= seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event = self._events.setdefault(dest, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return self.count(dest) > seen
        return True

    async def settle(self, dest: str, quiet: float, limit: float) -> None:
        """Wait until `dest` got nothing for `quiet` seconds (a turn's replies can be several messages)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            seen = self.count(dest)
            if not await self.wait_more(dest, seen, min(quiet, max(0.0, deadline - time.monotonic()))):
                return


class RecordingTelegramAPI(FakeTelegramAPI):
    """The tests' fake Bot API; every successful post is also put in the `Outbox`."""

    def __init__(self, outbox: Outbox, agents_chat_id: int) -> None:
        super().__init__()
        self.outbox = outbox
        self.agents_chat_id = agents_chat_id

    async def _record(self, call: Call) -> None:
        if call.method in POSTS and call.status == 200:
            chat = call.params.get("chat_id")
            text = html_to_text(str(call.params.get("text") or call.params.get("caption") or ""))
            dest = "agents" if chat == self.agents_chat_id else f"tg:{chat}"
            markup = call.params.get("reply_markup")
            rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
            buttons = [(str(b.get("text", "")), str(b.get("callback_data", ""))) for row in rows for b in row if b.get("callback_data")]
            result = call.params.get("_result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            self.outbox.add(Out(time.monotonic(), dest, text, call.params.get("message_thread_id"), buttons, message_id))
        # The base class keeps every call for the tests' lookups; a load run never reads them and
        # would only grow the list (and the Condition's wake-ups) without bound.
        if call.method not in POSTS:
            await super()._record(call)

    def topic_thread(self, label: str) -> int | None:
        """The newest live topic of the agents' chat whose name contains `label`."""
        for topic in reversed(list(self.topics.values())):
            if topic.chat_id == self.agents_chat_id and label in topic.name and not topic.deleted:
                return topic.thread_id
        return None


class RecordingTwilio(FakeTwilio):
    """The tests' fake Twilio; every accepted SMS is also put in the `Outbox`."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__()
        self.outbox = outbox
        self._seen = 0

    async def _create(self, request: web.Request) -> web.Response:
        response = await super()._create(request)
        # No await between the base class's append and here, so nothing is missed or counted twice.
        for message in self.messages[self._seen:]:
            self.outbox.add(Out(time.monotonic(), f"sms:{message.to}", message.body))
        self._seen = len(self.messages)
        return response

