"""What every part of the hand-off service shares: its dependencies, the clock, service levels,
transactions, queuing desk events, and the waiting customer's queue line.

`HandoffService` (bot.handoff.service) is a `HandoffCore`; the parts it delegates to (waiting,
survey, agents' operations, customer dispatch, upkeep) are handed the core, so a desk or fetcher set on
the service later (`bot.channels.telegram.agents`) is the one they use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, as_utc, system_clock
from bot.engine.handoff import URGENT
from bot.engine.messages import say
from bot.engine.types import Action, ActionKind, Option
from bot.handoff.delivery import DeliveryRegistry
from bot.handoff.desk import AgentDesk, NullDesk
from bot.handoff.vip import boosted, is_vip_customer
from bot.handoff.waits import SAMPLE, WINDOW, estimate, format_when, wait_line
from bot.knowledge.hours import ALWAYS_STAFFED, OfficeHours
from bot.knowledge.policies import Policies
from bot.settings import Language, Settings
from bot.storage import handoff as repo
from bot.storage.database import on_commit
from bot.storage.handoff import AGENTS
from bot.storage.models import Escalation

if TYPE_CHECKING:
    from bot.storage.store import Store


class HandoffCore:
    """The hand-off service's dependencies and the helpers all its parts use."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        hours: OfficeHours = ALWAYS_STAFFED,
        desk: AgentDesk | None = None,
        deliveries: DeliveryRegistry | None = None,
        clock: Clock = system_clock,
        matcher: Any = None,
        knowledge: Any = None,
        wake: asyncio.Event | None = None,
        policies: Policies | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.hours = hours
        self.desk: AgentDesk = desk or NullDesk()
        self.deliveries = deliveries or DeliveryRegistry()
        self.clock = clock
        self.matcher = matcher  # to tell a new question from a survey comment
        self.knowledge = knowledge
        # The operator's after-sales policies (knowledge/policies.yaml): the VIP rules of the queue
        # (`bot.handoff.vip`). None: no VIP rules (services built by hand in tests).
        self.policies = policies
        # Set when the desk has something new to publish; the runtime passes one that also wakes the
        # other instances (bot.coordination.wakeups) when they share a Redis.
        self.wake = wake if wake is not None else asyncio.Event()
        # Resolves a stored attachment reference to a download (set by the agents' side that made it).
        self.fetcher: Callable[[str], Any] | None = None
        self._start()

    def _start(self) -> None:
        """Build the parts that work on this core (`HandoffService` has them); nothing here."""

    def now(self) -> dt.datetime:
        return as_utc(self.clock())  # type: ignore[return-value]

    @property
    def zone(self) -> dt.tzinfo:
        return self.hours.zone

    def minutes(self, name: str, default: int) -> int:
        """A minutes setting (HANDOFF_..._MINUTES), the default when unset or zero."""
        return int(getattr(self.settings, name, default) or default)

    def due(self, start: dt.datetime, priority: int) -> dt.datetime:
        """The first-answer deadline of a hand-off made at `start`, in staffed time."""
        name, default = ("handoff_urgent_sla_minutes", 5) if priority >= URGENT else ("handoff_sla_minutes", 15)
        return self.hours.add_staffed(start, self.minutes(name, default))

    def reply_due(self, start: dt.datetime) -> dt.datetime:
        """When an assigned conversation's customer should have heard from the agent."""
        return self.hours.add_staffed(start, self.minutes("handoff_reply_sla_minutes", 10))

    async def customer_priority(self, session: AsyncSession, channel: str, customer_id: str, priority: int) -> int:
        """A hand-off's priority for this customer: `priority`, plus the VIP boost for a VIP."""
        return boosted(priority, await is_vip_customer(session, self.policies, channel, customer_id), self.policies)

    def agents_language(self) -> Language:
        """The language of the bot's lines in the agents' chat (AGENTS_LANGUAGE, else DEFAULT_LANGUAGE)."""
        return getattr(self.settings, "agents_language", None) or getattr(self.settings, "default_language", "zh-Hans")

    def notify(self) -> None:
        """Wake the desk's outbox worker."""
        self.wake.set()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.store.database.sessions() as session, session.begin():
            yield session

    def queue_desk(self, session: AsyncSession, escalation: Escalation, kind: str, payload: dict[str, Any] | None = None) -> None:
        """Write an event for the agents' desk in this transaction (nothing without a desk); the desk's
        worker is woken once the transaction commits (on every instance, when they share a Redis)."""
        if self.desk.enabled:
            repo.add_outbox(session, escalation, AGENTS, kind, payload, now=self.now())
            on_commit(session, self.notify)

    async def estimate(self, session: AsyncSession, now: dt.datetime) -> float | None:
        """The measured wait (staffed seconds), None without enough recent data."""
        return estimate(await repo.recent_waits(session, now - WINDOW, SAMPLE), self.hours)

    async def queue_text(self, session: AsyncSession, escalation: Escalation, language: Language, now: dt.datetime) -> str:
        """Queue position and wait, or when the team is back and will have replied by."""
        if not self.hours.is_open(now):
            return self.offline_text("handoff.offline", escalation, language, now)
        position = await repo.queue_position(session, escalation)
        wait = await self.estimate(session, now)
        return f"{say('handoff.queue', language, position=position)}{space(language)}{wait_line(wait, language)}"

    def offline_text(self, key: str, escalation: Escalation, language: Language, now: dt.datetime) -> str:
        """Out of office hours: the line `key` saying when the team is back and will have replied by."""
        opening = self.hours.next_open(now) or now
        due = as_utc(escalation.due_at) or self.due(now, escalation.priority)
        return say(
            key,
            language,
            opening=format_when(opening, now, language, self.zone),
            due=format_when(due, now, language, self.zone),
        )

    @staticmethod
    def cancel_option(language: Language) -> Option:
        return Option(say("handoff.cancel", language), Action(ActionKind.HANDOFF, "cancel"))


def space(language: str) -> str:
    """What goes between two sentences: nothing in Chinese, a space otherwise."""
    return "" if language.startswith("zh") else " "
