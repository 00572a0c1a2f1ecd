"""Wiring: settings → knowledge → matcher → database → engine. Everything a channel needs, built once.

Also the one path of a customer message through the bot (`Runtime.handle`): the engine's turn, then,
outside the engine, what the committed turn owes the hand-off. Data flows one way: channel in → engine
→ storage → replies → channel out; the engine reaches the hand-off only through the port it is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import Clock, system_clock
from bot.engine import Engine
from bot.engine.booking import BookingFlow
from bot.engine.forms.runner import FormRunner
from bot.engine.conversation import CustomerLocks
from bot.engine.types import Inbound, Outcome
from bot.handoff.delivery import DeliveryRegistry
from bot.handoff.service import HandoffService
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.catalog import Catalog, load_catalog
from bot.knowledge.hours import OfficeHours, load_hours
from bot.nlu.cache import cache_dir_for, load_or_train
from bot.nlu.matcher import IntentMatcher
from bot.settings import Settings
from bot.storage import Database, Store

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The running bot's shared objects."""

    settings: Settings
    knowledge: KnowledgeBase
    matcher: IntentMatcher
    database: Database
    store: Store
    engine: Engine
    handoff: HandoffService = field(default=None)  # type: ignore[assignment]  # set by build_runtime
    clock: Clock = system_clock  # the one "now" of the bot: storage, flows, hand-off and channels use it
    _turns: CustomerLocks = field(default_factory=CustomerLocks, repr=False)

    async def handle(self, inbound: Inbound) -> Outcome:
        """One customer message through the bot; every channel calls this, not `engine.handle`.

        The engine's turn commits first; then the hand-off gets its due: the desk is woken, and agent
        messages the customer has not received yet are delivered (before the channel sends this turn's
        replies, as the customer would expect). Delivery to channels therefore happens here, after the
        turn and outside the engine. The customer's lock is held across both, so the next message of
        the same customer cannot deliver the same agent messages a second time.
        """
        async with self._turns.hold((inbound.channel, inbound.customer_id)):
            outcome = await self.engine.handle(inbound)
            if not outcome.duplicate:  # a redelivery changed nothing: nothing is owed
                await self.handoff.after_commit(outcome.conversation_id, outcome.undelivered)
        return outcome

    @property
    def deliveries(self) -> DeliveryRegistry:
        """Channels register here how people's messages reach their customers (bot/handoff/delivery.py)."""
        return self.handoff.deliveries

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.close()

    def features(self) -> dict[str, bool]:
        """Which features this knowledge directory enables (a faq-only directory is a valid one)."""
        return {"faq": True, "handoff": True, "booking": "booking" in self.engine.flows, "forms": bool(self.knowledge.forms)}


async def build_runtime(
    settings: Settings, knowledge: KnowledgeBase | None = None, *, clock: Clock = system_clock
) -> Runtime:
    """Load the knowledge base (raises KnowledgeErrors), train the matcher, open and migrate the database.

    `clock` is the bot's one source of "now" (tests pass a fixed one): every stored timestamp, deadline
    and slot is computed from it.

    Booking is on when the knowledge directory has products.yaml and service_centers.yaml; the agents'
    office hours come from hours.yaml (always staffed without it).
    """
    knowledge = knowledge or load_knowledge(settings.knowledge_dir)
    catalog = load_catalog(knowledge.directory)
    hours = load_hours(knowledge.directory, getattr(settings, "timezone", "Asia/Shanghai"))
    if catalog is not None:
        catalog = catalog.with_calendar(hours.calendar)
    matcher = load_or_train(knowledge, threshold=settings.match_threshold, cache_dir=cache_dir_for(settings))
    database = await Database.connect(settings.database_url, clock=clock)
    store = Store(database)
    flows = []
    if catalog is not None:
        flows.append(
            BookingFlow(
                catalog,
                knowledge,
                matcher,
                handoff_after=settings.handoff_after_low_confidence,
                timezone=getattr(settings, "timezone", None),
                now=clock,
            )
        )
    # Always there, even with no forms: a customer in the middle of a form the operator has since
    # removed is told so, instead of having their answer read as a question.
    forms = FormRunner(
        knowledge, matcher, handoff_after=settings.handoff_after_low_confidence, timezone=settings.timezone, clock=clock
    )
    flows.append(forms)
    handoff = HandoffService(
        settings, store, hours=hours, deliveries=DeliveryRegistry(), clock=clock, matcher=matcher, knowledge=knowledge
    )
    engine = Engine(settings, knowledge, matcher, store, handoff=handoff, flows=flows, lookups=[forms])
    _warn_about_knowledge(knowledge, catalog, hours, clock)
    return Runtime(settings, knowledge, matcher, database, store, engine, handoff, clock)


def _warn_about_knowledge(knowledge: KnowledgeBase, catalog: Catalog | None, hours: OfficeHours, clock: Clock) -> None:
    """Log what `kb check` warns about, so an operator who never ran it still sees it at start-up."""
    for warning in knowledge.warnings:
        log.warning("knowledge: %s", warning)
    mainland = catalog is not None and any(centre.region == "CN" for centre in catalog.centres)
    calendar_warning = hours.calendar_warning(clock().astimezone(hours.zone).date(), centres_in_mainland=mainland)
    if calendar_warning:
        log.warning("%s: %s", hours.source or "hours.yaml", calendar_warning)
