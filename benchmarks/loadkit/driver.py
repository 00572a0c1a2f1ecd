"""The driver: the load balancer in front of the instances, and the scripted customers and agents.

Balancer: round-robin over the instances; a webhook that fails (connection refused or reset, timeout,
5xx, 429) is sent again, identical (same update_id, same MessageSid and signature), to the next
instance after a back-off, as Telegram and Twilio retry. An instance that refused a connection is
skipped for a few seconds, as a load balancer's health check would.

Customers behave like people: each waits for the bot's answer (or until `turn_timeout`) before it
writes again. That per-chat sequencing is what lets the report attribute every message out to the
message in that caused it (see report.py). Texts that must be traced through a relay (agents'
replies, customers' messages to an agent) carry a unique `ref#...` tag.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from loadkit.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    Out,
    Outbox,
    RecordingTelegramAPI,
)
from loadkit.infra import Instance

TELEGRAM_PATH = "/telegram/webhook"
SMS_PATH = "/sms/twilio"
SECRET = "load_benchmark_secret"
PUBLIC_URL = "https://sms.load.example"  # what the driver signs, as Twilio signs the URL it was given
AGENTS_CHAT_ID = -1001234567890
AGENT_IDS = (7001, 7002, 7003)
AGENT_NAMES = ("Alice", "Bob", "Chen")
TAG = re.compile(r"ref#[AC]\d+")
BOOKING_OPENER = "REPAIR Acme Book 14 no power Shanghai Saturday"
# The booking's questions and what a customer answers (the first key found in the question wins); an
# unknown question gets the first option, a button label typed (Telegram) or "1" (SMS).
BOOKING_ANSWERS = {
    "serial number": "skip", "IMEI": "skip", "When did you buy": "last March", "What name": "John Smith",
    "your name": "John Smith", "phone number": "13800138000", "describe the fault": "no power", "loaner": "no",
    "Which city": "Shanghai", "which city": "Shanghai",
}
SUMMARY = ("Please check your booking",)
# Buttons a customer booking a repair does not press: feedback, and the ways out of the booking.
NOT_PRESSED = ("👍", "👎", "person", "assistant", "None of these", "Back", "Cancel", "Human")
MORE_SUFFIX = "(reply MORE for the rest)"
TELEGRAM_QUIET = 2.0  # seconds without a message before a Telegram customer takes the answer as complete


def faq_questions(knowledge: Path) -> list[str]:
    """The demo knowledge base's English example questions, one per entry (none of the complaint entry)."""
    questions = []
    for path in sorted(knowledge.glob("faq*/*.yaml")) + sorted(knowledge.glob("faq*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if entry.get("handoff"):
                continue
            english = [q for q in entry.get("questions", []) if q.isascii() and len(q) > 8]
            if english:
                questions.append(english[0])
    return questions


def twilio_signature(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature: HMAC-SHA1 of the URL + every parameter sorted by name (name + value), base64."""
    payload = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@dataclass
class Inbound:
    """One message in (a customer's or an agent's), and what happened to its webhook."""

    id: int
    channel: str  # "tg" or "sms"
    dest: str  # where its answer or relay is expected: "tg:<chat>", "sms:<number>" or "agents"
    kind: str  # "bot": the bot answers it; "tagged": relayed, traced by its tag
    text: str
    tag: str | None
    t_sent: float
    status: int | None = None
    attempts: int = 0
    t_accepted: float | None = None
    instance: int | None = None  # the instance that acknowledged it
    who: str = ""  # the customer's name as agents see it (Telegram first name, SMS number)

    @property
    def accepted(self) -> bool:
        return self.status == 200


@dataclass
class Stats:
    inbounds: list[Inbound] = field(default_factory=list)
    retries: int = 0
    turn_timeouts: int = 0
    topics_missing: int = 0
    bookings_done: int = 0
    handoffs_done: int = 0


class Balancer:
    """Round-robin over the live instances, retrying a failed webhook elsewhere like Telegram / Twilio."""

    def __init__(self, instances: list[Instance], session: aiohttp.ClientSession, stats: Stats, *, timeout: float = 15.0, attempts: int = 12) -> None:
        self.instances = instances
        self.session = session
        self.stats = stats
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.attempts = attempts
        self._next = itertools.count()

    async def _pick(self) -> Instance:
        while True:
            now = time.monotonic()
            for _ in range(len(self.instances)):
                instance = self.instances[next(self._next) % len(self.instances)]
                if instance.down_until <= now:
                    return instance
            await asyncio.sleep(0.2)

    async def post(self, inbound: Inbound, path: str, headers: dict[str, str], *, json: Any = None, data: Any = None) -> None:
        delay = 0.25
        for attempt in range(1, self.attempts + 1):
            instance = await self._pick()
            inbound.attempts = attempt
            status: int | None = None
            try:
                async with self.session.post(instance.base_url + path, json=json, data=data, headers=headers, timeout=self.timeout) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                instance.down_until = time.monotonic() + 3.0
            except (aiohttp.ClientError, TimeoutError):
                pass
            inbound.status = status
            if status == 200:
                inbound.t_accepted = time.monotonic()
                inbound.instance = instance.index
                return
            if status is not None and status < 500 and status != 429:
                return  # refused for good (403, 400...): neither Telegram nor Twilio retries it
            self.stats.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 4.0)


class Driver:
    """Customers and agents of one phase."""

    def __init__(
        self, *, api: RecordingTelegramAPI, outbox: Outbox, balancer: Balancer, stats: Stats, phase: int, questions: list[str],
        tg_customers: int, sms_customers: int, faq_per_customer: int, handoff_share: float, turn_timeout: float,
        handoff_timeout: float, seed: int, on_accepted: Callable[[int, Inbound], Awaitable[None]] | None = None,
    ) -> None:
        self.api = api
        self.outbox = outbox
        self.balancer = balancer
        self.stats = stats
        self.phase = phase
        self.questions = questions
        self.tg_customers = tg_customers
        self.sms_customers = sms_customers
        self.faq_per_customer = faq_per_customer
        self.handoff_share = handoff_share
        self.turn_timeout = turn_timeout
        self.handoff_timeout = handoff_timeout
        self.random = random.Random(seed)
        self.on_accepted = on_accepted
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(phase * 10_000_000 + 1)
        self._message_ids = itertools.count(phase * 10_000_000 + 1)
        self._sids = itertools.count(phase * 10_000_000 + 1)
        self._accepted = 0

    # -- sending ------------------------------------------------------------------------------------

    async def _send(self, inbound: Inbound, path: str, **request: Any) -> None:
        self.stats.inbounds.append(inbound)
        await self.balancer.post(inbound, path, **request)
        if inbound.accepted:
            self._accepted += 1
            if self.on_accepted is not None:
                await self.on_accepted(self._accepted, inbound)

    def _inbound(self, channel: str, dest: str, kind: str, text: str, tag: str | None) -> Inbound:
        return Inbound(next(self._ids), channel, dest, kind, text, tag, time.monotonic())

    async def _telegram(self, chat: int, name: str, text: str, *, dest: str, kind: str = "bot", tag: str | None = None, thread: int | None = None) -> Inbound:
        sender = {"id": chat if thread is None else AGENT_IDS[chat % len(AGENT_IDS)], "is_bot": False, "first_name": name, "language_code": "en"}
        if thread is None:
            chat_obj: dict[str, Any] = {"id": chat, "type": "private", "first_name": name}
        else:
            chat_obj = {"id": AGENTS_CHAT_ID, "type": "supergroup", "title": "Agents", "is_forum": True}
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat_obj, "from": sender, "text": text}
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        inbound = self._inbound("tg", dest, kind, text, tag)
        inbound.who = name
        update = {"update_id": next(self._update_ids), "message": message}
        await self._send(inbound, TELEGRAM_PATH, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, json=update)
        return inbound

    async def _press(self, chat: int, name: str, out: Out, data: str, *, dest: str) -> Inbound:
        """A button press on a message the bot sent (a callback_query update)."""
        user = {"id": chat, "is_bot": False, "first_name": name, "language_code": "en"}
        message = {"message_id": out.message_id, "date": int(time.time()), "chat": {"id": chat, "type": "private", "first_name": name}, "text": out.text or "?"}
        query = {"id": str(next(self._update_ids)), "from": user, "chat_instance": f"-{chat}", "message": message, "data": data}
        label = next((text for text, value in out.buttons if value == data), data)
        inbound = self._inbound("tg", dest, "bot", f"[press] {label}", None)
        inbound.who = name
        await self._send(inbound, TELEGRAM_PATH, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, json={"update_id": next(self._update_ids), "callback_query": query})
        return inbound

    async def _sms(self, number: str, text: str, *, kind: str = "bot", tag: str | None = None, dest: str | None = None) -> Inbound:
        form = {"MessageSid": f"SM{next(self._sids):032x}", "AccountSid": ACCOUNT_SID, "From": number, "To": FROM_NUMBER, "Body": text, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + SMS_PATH, form)}
        inbound = self._inbound("sms", dest or f"sms:{number}", kind, text, tag)
        inbound.who = number
        await self._send(inbound, SMS_PATH, headers=headers, data=form)
        return inbound

    # -- waiting ------------------------------------------------------------------------------------

    async def _reply(self, dest: str, seen: int) -> list[Out]:
        """The bot's answer to what was just sent: everything to `dest` after `seen` once it went quiet."""
        if not await self.outbox.wait_more(dest, seen, self.turn_timeout):
            self.stats.turn_timeouts += 1
            return []
        # The bot paces a Telegram chat to about one message a second, so a turn's second message comes
        # a second or more after its first (a message arriving after the customer wrote again lands in
        # the next window, see report.py); an SMS turn is one message.
        await self.outbox.settle(dest, quiet=TELEGRAM_QUIET if dest.startswith("tg:") else 0.3, limit=6.0)
        return [o for o in self.outbox.by_dest[dest][seen:] if not TAG.search(o.text)]

    async def _tagged(self, dest: str, seen: int, tag: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            outs = self.outbox.by_dest.get(dest, [])
            if any(tag in o.text for o in outs[seen:]):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self.outbox.wait_more(dest, len(outs), remaining):
                self.stats.turn_timeouts += 1
                return False

    # -- the customers -------------------------------------------------------------------------------

    async def run(self) -> float:
        """Every customer's conversation, concurrently; the seconds it took."""
        start = time.monotonic()
        customers = [self._customer("tg", i) for i in range(self.tg_customers)]
        customers += [self._customer("sms", i) for i in range(self.sms_customers)]
        await asyncio.gather(*customers)
        return time.monotonic() - start

    async def _customer(self, channel: str, index: int) -> None:
        rng = random.Random(self.random.random())
        await asyncio.sleep(rng.random())  # people do not all write in the same millisecond
        number = f"+1415{self.phase}7{index:05d}"
        chat = self.phase * 1_000_000 + (0 if channel == "tg" else 500_000) + index + 1
        name = f"Load{self.phase}x{index:04d}" if channel == "tg" else number
        dest = f"tg:{chat}" if channel == "tg" else f"sms:{number}"

        async def say(text: str | tuple[Out, str]) -> list[Out]:
            """Write `text`, or press a button given as (message, callback_data); the bot's answer."""
            seen = self.outbox.count(dest)
            if isinstance(text, tuple):
                inbound = await self._press(chat, name, text[0], text[1], dest=dest)
            elif channel == "tg":
                inbound = await self._telegram(chat, name, text, dest=dest)
            else:
                inbound = await self._sms(number, text)
            return await self._reply(dest, seen) if inbound.accepted else []

        menu = await say("/start") if channel == "tg" else []
        for question in rng.sample(self.questions, min(self.faq_per_customer, len(self.questions))):
            await say(question)
        if await self._booking(channel, say, menu):
            self.stats.bookings_done += 1
        if rng.random() < self.handoff_share:
            await self._handoff(channel, index, chat, number, dest, name, say)

    async def _booking(self, channel: str, say: Callable[[Any], Awaitable[list[Out]]], menu: list[Out]) -> bool:
        """A repair booking: by SMS one message with everything and the missing parts answered; on
        Telegram the menu's "Book a repair" and the question's buttons (typed answers where there are none)."""
        if channel == "tg":
            book = next(((o, data) for o in menu for label, data in o.buttons if label == "Book a repair"), None)
            if book is None:
                return False
            replies = await say(book)
        else:
            replies = await say(BOOKING_OPENER)
        for _ in range(16):
            if not replies:
                return False
            text = "\n".join(o.text for o in replies)
            while channel == "sms" and text.rstrip().endswith(MORE_SUFFIX):
                more = await say("MORE")
                if not more:
                    return False
                replies, text = more, text + "\n" + "\n".join(o.text for o in more)
            buttons = [(o, data) for o in replies for label, data in o.buttons if not any(word in label for word in NOT_PRESSED)]
            if any(marker in text for marker in SUMMARY):
                return bool(await say(buttons[0] if channel == "tg" and buttons else "1"))
            answer: Any = next((value for marker, value in BOOKING_ANSWERS.items() if marker in text), None)
            if answer is None:
                answer = buttons[0] if channel == "tg" and buttons else "1"
            replies = await say(answer)
        await say("cancel")
        return False

    async def _handoff(self, channel: str, index: int, chat: int, number: str, dest: str, name: str, say: Callable[[Any], Awaitable[list[Out]]]) -> None:
        if not await say("I want a person"):
            return
        label = name if channel == "tg" else number
        deadline = time.monotonic() + self.handoff_timeout
        thread = self.api.topic_thread(label)
        while thread is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            thread = self.api.topic_thread(label)
        # An agent writes after reading the card, not the instant the topic appears: until the card is
        # posted the topic may not yet be bound to the escalation.
        while thread is not None and not any(o.thread == thread for o in self.outbox.by_dest.get("agents", [])):
            if time.monotonic() > deadline:
                thread = None
                break
            await asyncio.sleep(0.2)
        if thread is None:
            self.stats.topics_missing += 1
            return
        agent = index % len(AGENT_IDS)
        for turn in range(2):
            tag = f"ref#A{self.phase}{next(self._ids):07d}"
            seen = self.outbox.count(dest)
            inbound = await self._telegram(agent, AGENT_NAMES[agent], f"Hello, I am looking at it ({tag}, {turn + 1}/2).", dest=dest, kind="tagged", tag=tag, thread=thread)
            if not inbound.accepted or not await self._tagged(dest, seen, tag, self.handoff_timeout):
                return
        tag = f"ref#C{self.phase}{next(self._ids):07d}"
        seen = self.outbox.count("agents")
        text = f"Thank you, the serial is on the box ({tag})"
        if channel == "tg":
            inbound = await self._telegram(chat, name, text, dest="agents", kind="tagged", tag=tag)
        else:
            inbound = await self._sms(number, text, kind="tagged", tag=tag, dest="agents")
        if inbound.accepted and await self._tagged("agents", seen, tag, self.handoff_timeout):
            self.stats.handoffs_done += 1
