"""Console channel: one customer message per input line, one reply block per message.

Buttons become numbered options; the customer answers with the digit (the engine maps it back).
Piped stdin works the same as a terminal, so conversations can be scripted.

Input is read as bytes and decoded with replacement: bytes that are not text (a broken terminal, a
binary pipe) become U+FFFD and the message is stored and answered like any other. When the database
drops during a turn, the same message is tried again with back-off (the customer is told), so nothing
typed is lost; if the database never comes back the chat ends with `DatabaseUnavailable` (one line).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TextIO

from bot.backoff import CONSOLE_DATABASE
from bot.channels.console.messages import say
from bot.engine import Inbound
from bot.engine.language import resolve_language
from bot.engine.types import Outcome, Reply
from bot.errors import database_reason, explain_database_error
from bot.handoff.delivery import AgentMessage, CustomerUnreachable
from bot.safetext import storable
from bot.settings import Language, Settings

CHANNEL = "console"
RETRY_DELAYS: tuple[float, ...] = CONSOLE_DATABASE.delays  # one try after each: then the console gives up
log = logging.getLogger(__name__)


class RuntimeLike(Protocol):
    """What the console needs of `bot.runtime.Runtime` (a protocol: channels do not import the runtime)."""

    settings: Settings
    store: Any  # `bot.storage.Store`: the stored replies to a redelivered message
    handoff: Any  # `bot.handoff.service.HandoffService`: its `deliveries`, so people reach this terminal

    async def handle(self, inbound: Inbound) -> Outcome:
        """The engine's turn, then what it owes the hand-off (see `bot.runtime.Runtime.handle`)."""
        ...


class ConsoleDelivery:
    """Hand-off delivery for the console customer: what a person writes is printed as "name> text"."""

    channel = CHANNEL

    def __init__(self, stdout: TextIO, customer_id: str) -> None:
        self.stdout = stdout
        self.customer_id = customer_id

    def _check(self, customer_id: str) -> None:
        if customer_id != self.customer_id:
            raise CustomerUnreachable(f"console customer {customer_id} is not the one at this terminal")

    async def send_replies(self, customer_id: str, replies: Sequence[Reply], *, source: str | None = None) -> None:
        self._check(customer_id)
        # The terminal has no outbox: a keyed line (a repair notice) is printed when sent, and a job run
        # again after a crash of this very process has no terminal left to print twice on.
        self.stdout.write("\n".join(render_reply(r) for r in replies) + "\n\n")
        self.stdout.flush()

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        self._check(customer_id)
        text = message.as_text().strip()
        self.stdout.write(f"{message.agent_name or 'agent'}> {text}\n\n")
        self.stdout.flush()


def render_reply(reply: Reply) -> str:
    """A reply as plain text, its options as a numbered list."""
    lines = [reply.text]
    lines += [f"  {number}. {option.label}" for number, option in enumerate(reply.options, start=1)]
    return "\n".join(lines)


def read_line(stdin: TextIO) -> str:
    """One line of input ("" at the end): undecodable bytes become U+FFFD instead of an exception."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return storable(stdin.readline())
    raw = buffer.readline()
    return storable(raw.decode(getattr(stdin, "encoding", None) or "utf-8", errors="replace"))


async def handle_with_retry(
    runtime: RuntimeLike,
    inbound: Inbound,
    *,
    language: Language,
    notices: TextIO,
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    database_url: str | None = None,
) -> Outcome:
    """`runtime.handle`, tried again after each delay while the database is unreachable.

    The inbound carries an external id, so a turn whose commit reached the database before the
    connection broke is not stored twice. Raises `DatabaseUnavailable` when every try failed.
    """
    for attempt in range(len(delays) + 1):
        try:
            outcome = await runtime.handle(inbound)
        except Exception as exc:
            if database_reason(exc) is None:
                raise
            log.debug("database error on console turn (attempt %d)", attempt + 1, exc_info=True)
            if attempt == len(delays):
                problem = explain_database_error(
                    exc, database_url, what=f"the database stopped answering; your last message was not saved after {attempt + 1} tries"
                )
                raise problem from exc  # type: ignore[misc]
            seconds = delays[attempt]
            notices.write(say("db.retrying", language, seconds=f"{seconds:g}", attempt=attempt + 1, attempts=len(delays)) + "\n")
            notices.flush()
            await sleep(seconds)
            continue
        if attempt:
            notices.write(say("db.back", outcome.language) + "\n")
            notices.flush()
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


async def run_console(
    runtime: RuntimeLike,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    stderr: TextIO | None = None,
    customer_id: str = "local",
    retry_delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    database_url: str | None = None,
) -> int:
    """Read messages until end of input; return how many were handled."""
    interactive = stdin.isatty()
    stderr = stderr or sys.stderr
    language: Language = getattr(getattr(runtime, "settings", None), "default_language", "zh-Hans")
    handled = 0
    loop = asyncio.get_running_loop()
    # People answering a hand-off reach this terminal's customer (when they act in this process).
    deliveries = getattr(getattr(runtime, "handoff", None), "deliveries", None)
    if deliveries is not None:
        deliveries.register(ConsoleDelivery(stdout, customer_id))
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = await loop.run_in_executor(None, read_line, stdin)
        if not line:
            break
        text = line.rstrip("\r\n")
        if interactive and text.strip().lower() in {"/quit", "/exit"}:
            break
        inbound = Inbound(channel=CHANNEL, customer_id=customer_id, text=text, external_id=f"console-{uuid.uuid4().hex}")
        outcome = await handle_with_retry(
            runtime,
            inbound,
            language=resolve_language(inbound.text, language, False),
            notices=stderr,
            delays=retry_delays,
            sleep=sleep,
            database_url=database_url,
        )
        language = outcome.language
        handled += 1
        if outcome.duplicate:
            # The first try committed before the connection broke: show what was answered then.
            stored = await runtime.store.replies_to(CHANNEL, customer_id, inbound.external_id or "")
            block = "\n".join(m.text or "" for m in stored)
        elif not outcome.replies:  # relayed to the person handling the conversation
            continue
        else:
            block = "\n".join(render_reply(r) for r in outcome.replies)
        if not block:
            continue
        prefix = "bot> " if interactive else ""
        stdout.write(f"{prefix}{block}\n\n")
        stdout.flush()
    return handled
