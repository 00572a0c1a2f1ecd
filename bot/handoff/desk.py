"""The agents' side as the hand-off service sees it: an `AgentDesk` that shows escalations to people.

The Telegram agents' supergroup implements it (`bot.channels.telegram.agents`); without an agents' chat
the `NullDesk` stands in and escalations simply wait in the database (`supportbot queue` lists them).

The service never calls a desk directly from a customer's turn: it writes outbox rows in the turn's
transaction and the worker (`bot.handoff.outbox`) hands them to `publish` in order, one event at a
time, retrying what failed. A desk raises `DeskRetry` to be called again later with the same event
(rate limited, the chat is unreachable); any other exception counts as a failed attempt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.storage.handoff import EscalationView

# Outbox event kinds (target "agents").
OPENED = "opened"  # payload: {"upto": message id}: show the new escalation with the transcript so far
MESSAGE = "message"  # payload: {"ids": [message ids]}: relay what the customer wrote
STATUS = "status"  # payload: {"event": taken|taken_over|released|closed|to_bot|cancelled|priority|delivered_late, ...}
OVERDUE = "overdue"  # payload: {}: nobody answered within the service level: announce it again
UNDELIVERED = "undelivered"  # payload: {"message_id": id, "reason": unreachable|failed|offline}
SURVEY = "survey"  # payload: {"score": 1..5, "comment": str | None}
NOTE = "note"  # payload: {"text": str, "reason": str, "to": "supervisors" | None}: the system's note (bot.handoff.staff)


class DeskRetry(Exception):
    """Publish again later (after `after` seconds): flood control, the chat is unreachable for now."""

    def __init__(self, after: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {after}s")
        self.after = after
        self.reason = reason


@dataclass(frozen=True)
class TranscriptLine:
    """One message of a conversation, as agents see it."""

    id: int
    direction: str  # in | out
    kind: str  # InboundKind for "in"; ReplyKind or "agent" for "out"
    text: str | None
    attachment: str | None
    external_id: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class BookingLine:
    """A repair booking of the customer, for the card: with the engineer's call-back promise (due by,
    or when the call was made) and the VIP mark."""

    ticket: str
    model: str
    status: str
    service: str
    slot_start: dt.datetime | None
    callback_due_at: dt.datetime | None = None
    called_at: dt.datetime | None = None
    vip: bool = False


@dataclass(frozen=True)
class DeskEvent:
    """One thing to show the agents, with the escalation as it is now."""

    outbox_ids: tuple[int, ...]
    kind: str
    payload: dict[str, Any]
    escalation: EscalationView
    messages: tuple[TranscriptLine, ...] = ()  # MESSAGE: what to relay; OPENED: the transcript so far
    bookings: tuple[BookingLine, ...] = field(default=())  # OPENED: the customer's bookings


class AgentDesk(Protocol):
    """Where people see and answer escalations."""

    enabled: bool  # False: nothing to publish (no outbox rows are written for it)

    async def publish(self, event: DeskEvent) -> None:
        """Show one event to the agents; raise DeskRetry to be called again later."""


class NullDesk:
    """No agents' chat configured: escalations wait in the database for `supportbot queue`."""

    enabled = False

    async def publish(self, event: DeskEvent) -> None:
        return None


class RecordingDesk:
    """A desk that keeps what it was given (tests, and a base for other desks)."""

    enabled = True

    def __init__(self) -> None:
        self.events: list[DeskEvent] = []

    async def publish(self, event: DeskEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]
