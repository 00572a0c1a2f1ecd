"""Console channel: one customer message per input line, one reply block per message.

Buttons become numbered options; the customer answers with the digit (the engine maps it back).
Piped stdin works the same as a terminal, so conversations can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.engine import Engine, Inbound
from bot.engine.types import Reply
from bot.handoff.delivery import AgentMessage, CustomerUnreachable

CHANNEL = "console"


class ConsoleDelivery:
    """Hand-off delivery for the console customer: what a person writes is printed as "name> text"."""

    channel = CHANNEL

    def __init__(self, stdout: TextIO, customer_id: str) -> None:
        self.stdout = stdout
        self.customer_id = customer_id

    def _check(self, customer_id: str) -> None:
        if customer_id != self.customer_id:
            raise CustomerUnreachable(f"console customer {customer_id} is not the one at this terminal")

    async def send_replies(self, customer_id: str, replies: Sequence[Reply]) -> None:
        self._check(customer_id)
        self.stdout.write("\n".join(render_reply(r) for r in replies) + "\n\n")
        self.stdout.flush()

    async def send_agent_message(self, customer_id: str, message: AgentMessage) -> None:
        self._check(customer_id)
        text = message.text or ""
        if message.attachment is not None:
            text = f"{text}\n{message.attachment.placeholder(message.language)}".strip()
        self.stdout.write(f"{message.agent_name or 'agent'}> {text}\n\n")
        self.stdout.flush()


def render_reply(reply: Reply) -> str:
    """A reply as plain text, its options as a numbered list."""
    lines = [reply.text]
    lines += [f"  {number}. {option.label}" for number, option in enumerate(reply.options, start=1)]
    return "\n".join(lines)


async def run_console(
    engine: Engine,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    customer_id: str = "local",
) -> int:
    """Read messages until end of input; return how many were handled."""
    interactive = stdin.isatty()
    handled = 0
    loop = asyncio.get_running_loop()
    # People answering a hand-off reach this terminal's customer (when they act in this process).
    deliveries = getattr(getattr(engine, "handoff", None), "deliveries", None)
    if deliveries is not None:
        deliveries.register(ConsoleDelivery(stdout, customer_id))
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if interactive and text.strip().lower() in {"/quit", "/exit"}:
            break
        outcome = await engine.handle(Inbound(channel=CHANNEL, customer_id=customer_id, text=text))
        handled += 1
        if not outcome.replies:  # relayed to the person handling the conversation
            continue
        block = "\n".join(render_reply(r) for r in outcome.replies)
        prefix = "bot> " if interactive else ""
        stdout.write(f"{prefix}{block}\n\n")
        stdout.flush()
    return handled
