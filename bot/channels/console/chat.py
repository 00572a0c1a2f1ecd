"""Console channel: one customer message per input line, one reply block per message.

Buttons become numbered options; the customer answers with the digit (the engine maps it back).
Piped stdin works the same as a terminal, so conversations can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.engine import Engine, Inbound
from bot.engine.types import Reply

CHANNEL = "console"


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
        block = "\n".join(render_reply(r) for r in outcome.replies)
        prefix = "bot> " if interactive else ""
        stdout.write(f"{prefix}{block}\n\n")
        stdout.flush()
        handled += 1
    return handled
