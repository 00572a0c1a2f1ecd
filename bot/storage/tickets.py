"""Ticket numbers customers read out and type back: short, human, and found again in any message.

A ticket is a letter saying what it is for (R: a repair booking, F: a submitted form), then five
characters from an alphabet without look-alikes (no 0/O, 1/I/L), written "R7K-4Q2". Customers type
them in any case, with a space or no dash at all; `TicketFormat.find` reads all of those back.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_ATTEMPTS = 20  # random numbers tried before giving up on a unique one (28 million per prefix)


@dataclass(frozen=True)
class TicketFormat:
    """The tickets of one kind of record, told apart by their first letter."""

    prefix: str
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chars = TICKET_ALPHABET + TICKET_ALPHABET.lower()
        letter = f"[{self.prefix.upper()}{self.prefix.lower()}]"
        pattern = rf"(?<![A-Za-z0-9]){letter}\s*([{chars}]{{2}})\s*[-‐‑–—_ ]?\s*([{chars}]{{3}})(?![A-Za-z0-9])"
        object.__setattr__(self, "pattern", re.compile(pattern))

    def new(self) -> str:
        """A random ticket number such as R7K-4Q2 (uniqueness is the table's unique index's job)."""
        chars = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(5))
        return f"{self.prefix}{chars[:2]}-{chars[2:]}"

    def find(self, text: str | None) -> str | None:
        """The first ticket number in a message, canonical ("r7k 4q2" -> "R7K-4Q2"), or None."""
        for match in self.pattern.finditer(text or ""):
            # "faster" or "Rhythm" would fit the shape: a ticket written without a dash has a digit in it
            # (typed with a dash, it is one even without: about one ticket in five has no digit).
            body = match.group(0)[1:]
            if any(c.isdigit() for c in body) or any(c in "-‐‑–—_ " for c in body.strip()):
                return f"{self.prefix}{match.group(1).upper()}-{match.group(2).upper()}"
        return None


async def insert_with_new_ticket(session: AsyncSession, tickets: TicketFormat, insert: Callable[[str], Awaitable[T]]) -> T:
    """Run `insert(ticket)` in a savepoint with a fresh random ticket, again with another while the
    table's unique index says the ticket is taken; any other integrity error is the caller's."""
    for _ in range(TICKET_ATTEMPTS):
        try:
            async with session.begin_nested():
                return await insert(tickets.new())
        except IntegrityError as exc:
            if "ticket" not in str(exc.orig).lower():
                raise
    raise RuntimeError("could not find a free ticket number")  # pragma: no cover - 28 million numbers
