"""Wiring: settings → knowledge → matcher → database → engine. Everything a channel needs, built once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.engine import Engine
from bot.engine.booking import BookingFlow
from bot.handoff.delivery import DeliveryRegistry
from bot.handoff.service import HandoffService
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.catalog import load_catalog
from bot.knowledge.hours import load_hours
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

    @property
    def deliveries(self) -> DeliveryRegistry:
        """Channels register here how people's messages reach their customers (bot/handoff/delivery.py)."""
        return self.handoff.deliveries

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.close()

    def features(self) -> dict[str, bool]:
        """Which features this knowledge directory enables (a faq-only directory is a valid one)."""
        return {"faq": True, "handoff": True, "booking": "booking" in self.engine.flows}


async def build_runtime(settings: Settings, knowledge: KnowledgeBase | None = None) -> Runtime:
    """Load the knowledge base (raises KnowledgeErrors), train the matcher, open and migrate the database.

    Booking is on when the knowledge directory has products.yaml and service_centers.yaml; the agents'
    office hours come from hours.yaml (always staffed without it).
    """
    knowledge = knowledge or load_knowledge(settings.knowledge_dir)
    catalog = load_catalog(knowledge.directory)
    hours = load_hours(knowledge.directory, getattr(settings, "timezone", "Asia/Shanghai"))
    matcher = IntentMatcher.from_knowledge(knowledge, threshold=settings.match_threshold)
    database = await Database.connect(settings.database_url)
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
            )
        )
    handoff = HandoffService(settings, store, hours=hours, deliveries=DeliveryRegistry(), matcher=matcher, knowledge=knowledge)
    engine = Engine(settings, knowledge, matcher, store, flows=flows, handoff=handoff)
    return Runtime(settings, knowledge, matcher, database, store, engine, handoff)
