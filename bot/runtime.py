"""Wiring: settings → knowledge → matcher → database → engine. Everything a channel needs, built once.

Also the one path of a customer message through the bot (`Runtime.handle`): the engine's turn, then,
outside the engine, what the committed turn owes the hand-off. Data flows one way: channel in → engine
→ storage → replies → channel out; the engine reaches the hand-off only through the port it is given.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from bot.clock import Clock, system_clock
from bot.coordination import Shared, build_shared
from bot.coordination.locks import LocalLocks
from bot.engine import Engine
from bot.engine.booking import BookingFlow
from bot.engine.conversation import CustomerLocks
from bot.engine.forms.runner import FormRunner
from bot.engine.types import Inbound, KeepWithTurn, Outcome
from bot.handoff.delivery import DeliveryRegistry
from bot.handoff.service import HandoffService
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.catalog import Catalog, load_catalog
from bot.knowledge.hours import OfficeHours, load_hours
from bot.knowledge.policies import load_policies
from bot.learning.live import apply_active
from bot.nlu.cache import cache_dir_for, load_or_train
from bot.nlu.matcher import IntentMatcher
from bot.observability.logs import ConversationIds, turn_context
from bot.observability.metrics import Metrics
from bot.repairs.context import RepairContext
from bot.repairs.services import RepairServices, build_repairs
from bot.repairs.lifecycle import RepairLifecycle
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
    # The repair lifecycle after a booking: rules, the staff desk, the job runner (bot/repairs/).
    repairs: RepairServices = field(default=None)  # type: ignore[assignment]  # set by build_runtime
    clock: Clock = system_clock  # the one "now" of the bot: storage, flows, hand-off and channels use it
    # What instances share (REDIS_URL: limits, pacing, turn locks, wake-ups); in memory without it.
    shared: Shared = field(default_factory=Shared, repr=False)
    _turns: LocalLocks = field(default_factory=CustomerLocks, repr=False)  # with Redis, also across instances
    # Served as GET /metrics (bot/app.py); a registry per runtime, so runtimes in one process count apart.
    metrics: Metrics = field(default_factory=Metrics, repr=False)
    # (channel, customer id) -> conversation id, so a turn's log lines carry the id from its first line.
    _conversation_ids: ConversationIds = field(default_factory=ConversationIds, repr=False)

    async def handle(self, inbound: Inbound, *, keep: KeepWithTurn | None = None) -> Outcome:
        """One customer message through the bot; every channel calls this, not `engine.handle`.

        `keep`: what the channel writes in the turn's own transaction (see `KeepWithTurn`).

        The engine's turn commits first; then the hand-off gets its due: agent messages the customer has
        not received yet are delivered (before the channel sends this turn's replies, as the customer
        would expect). SMS's `keep` queues them in the turn's own transaction instead; the flush here
        then finds nothing, or, when the number may not get SMS, holds them for the agents. Delivery to channels therefore happens here, after the turn and outside the
        engine. The customer's lock is held across both, so the next message of the same customer
        cannot deliver the same agent messages a second time. (A turn that queued events for the agents'
        desk woke its worker as it committed: `HandoffCore.queue_desk`.)

        Every turn is counted in `metrics` (failed ones too), and the lines logged during it carry its
        conversation id (`bot.observability.logs.turn_context`).
        """
        key = (inbound.channel, inbound.customer_id)
        started = time.perf_counter()
        outcome: Outcome | None = None
        try:
            with turn_context(inbound.channel, self._conversation_ids.get(key)) as tag:
                async with self._turns.hold(key):
                    outcome = await self.engine.handle(inbound, keep)
                    tag.conversation_id = self._conversation_ids.remember(key, outcome.conversation_id)
                    if not outcome.duplicate:  # a redelivery changed nothing: nothing is owed
                        await self.handoff.after_commit(outcome.conversation_id, outcome.undelivered)
                log.debug("turn on %s: %d replies in %.3fs", inbound.channel, len(outcome.replies), time.perf_counter() - started)
                return outcome
        finally:
            self.metrics.observe_turn(inbound.channel, time.perf_counter() - started, outcome)

    @property
    def instance_id(self) -> str:
        """This process's name in leases and claims (the rows it claimed say so): `Database.instance`."""
        return self.database.instance

    @property
    def deliveries(self) -> DeliveryRegistry:
        """Channels register here how people's messages reach their customers (bot/handoff/delivery.py)."""
        return self.handoff.deliveries

    async def close(self) -> None:
        """Release the database connections and the shared (Redis) ones."""
        await self.database.close()
        await self.shared.close()

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
    policies = load_policies(
        knowledge.directory,
        model_ids=[m.id for m in catalog.models] if catalog is not None else (),
        centre_ids=[c.id for c in catalog.centres] if catalog is not None else (),
    )
    matcher = load_or_train(knowledge, threshold=settings.match_threshold, cache_dir=cache_dir_for(settings))
    database = await Database.connect(
        settings.database_url, clock=clock, pre_ping=settings.database_pre_ping,
        pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow,
    )
    store = Store(database)
    lifecycle = RepairLifecycle(policies, hours, clock, catalog)
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
                lifecycle=lifecycle,
            )
        )
    # Always there, even with no forms: a customer in the middle of a form the operator has since
    # removed is told so, instead of having their answer read as a question.
    forms = FormRunner(
        knowledge, matcher, handoff_after=settings.handoff_after_low_confidence, timezone=settings.timezone, clock=clock
    )
    flows.append(forms)
    shared = build_shared(settings.redis_url)
    await shared.ping()  # only logs when REDIS_URL does not answer: the bot starts, per process, meanwhile
    handoff = HandoffService(
        settings, store, hours=hours, deliveries=DeliveryRegistry(), clock=clock, matcher=matcher, knowledge=knowledge,
        wake=shared.wakeup("handoff-desk"),  # a desk event stored by any instance wakes every publisher
        policies=policies,  # the VIP rules of the queue (bot.handoff.vip)
    )
    engine = Engine(settings, knowledge, matcher, store, handoff=handoff, flows=flows, lookups=[forms])
    _warn_about_knowledge(knowledge, catalog, hours, clock)
    repairs = build_repairs(
        RepairContext(database, lifecycle, handoff, catalog, clock),
        wake=shared.wakeup("jobs"),  # a job scheduled now by any instance (or the CLI's) wakes every runner
    )
    runtime = Runtime(
        settings, knowledge, matcher, database, store, engine, handoff, repairs, clock,
        shared=shared, _turns=shared.locks(CustomerLocks(), "turn"),
    )
    # The knowledge-base version supervisors published (learned examples and intents): bot/learning/live.py.
    await apply_active(runtime)
    return runtime


def _warn_about_knowledge(knowledge: KnowledgeBase, catalog: Catalog | None, hours: OfficeHours, clock: Clock) -> None:
    """Log what `kb check` warns about, so an operator who never ran it still sees it at start-up."""
    for warning in knowledge.warnings:
        log.warning("knowledge: %s", warning)
    mainland = catalog is not None and any(centre.region == "CN" for centre in catalog.centres)
    calendar_warning = hours.calendar_warning(clock().astimezone(hours.zone).date(), centres_in_mainland=mainland)
    if calendar_warning:
        log.warning("%s: %s", hours.source or "hours.yaml", calendar_warning)
