"""Prometheus metrics of one running bot, served as GET /metrics (bot/app.py).

Each runtime owns its `Metrics` and their registry (never prometheus_client's global one), so two
runtimes in one process (tests, a benchmark) count apart. Two kinds of figures:

* counted as things happen, in this process: turns, turn latency, match confidence, hand-offs opened,
  Telegram flood-control answers (429);
* read from the database at scrape time: the human queue and the outboxes. Every instance reads the
  same shared database, so across instances take `max`, not `sum`, of these.

A scrape never fails because of the database: the reads are bounded by a timeout and cached for a few
seconds (several scrapers cost one read), and when they fail the database figures are simply absent
and `supportbot_metrics_database_up` is 0.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot.storage.handoff import outbox_stats as handoff_outbox_stats
from bot.storage.jobs import outbox_stats as jobs_stats
from bot.storage.handoff import queue_stats
from bot.storage.sms_outbox import outbox_stats as sms_outbox_stats
from bot.storage.telegram_outbox import outbox_stats as telegram_outbox_stats

log = logging.getLogger(__name__)

OutboxStats = tuple[int, float | None, int]  # (pending, age of the oldest pending in seconds, failed)
StatsReader = Callable[[Any], Awaitable[OutboxStats]]

# Each outbox is read by its storage module's `outbox_stats(session)`.
OUTBOXES: dict[str, StatsReader] = {
    "agents": handoff_outbox_stats,  # the agents' desk events and agents' messages not yet delivered
    "sms": sms_outbox_stats,
    "telegram": telegram_outbox_stats,  # replies to Telegram customers
    "jobs": jobs_stats,  # the scheduler's due jobs (repair notices, reminders, promises) not yet run
}

# Turns take milliseconds when answered from the FAQ and up to seconds with a slow database.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Fine at the low end, where calibrated thresholds fall (0.12 for the demo knowledge base): there answers
# turn into "did you mean" and low-confidence hand-offs.
CONFIDENCE_BUCKETS = (0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
DATABASE_TIMEOUT = 3.0  # a scrape with Prometheus' default 10 s timeout still answers
DATABASE_CACHE_SECONDS = 5.0


@dataclass
class DatabaseFigures:
    """What the last successful scrape read from the database."""

    waiting: int
    assigned: int
    oldest_wait: float | None
    outboxes: dict[str, OutboxStats] = field(default_factory=dict)


class _DatabaseCollector(Collector):
    """Yields the figures of the last database read at collection time (prometheus_client collects
    synchronously; the read itself happens before, in `Metrics.refresh`)."""

    def __init__(self) -> None:
        self.figures: DatabaseFigures | None = None
        self.up: bool | None = None

    def describe(self) -> list[Metric]:
        return []  # registered without a trial collection: nothing has been read yet

    def collect(self) -> Iterator[Metric]:
        if self.up is not None:
            up = GaugeMetricFamily("supportbot_metrics_database_up", "1 when the last scrape could read the database, else 0")
            up.add_metric([], 1.0 if self.up else 0.0)
            yield up
        figures = self.figures
        if figures is None:
            return
        queue = GaugeMetricFamily(
            "supportbot_handoff_queue_length", "Hand-offs waiting for a person or assigned to one", labels=["status"]
        )
        queue.add_metric(["waiting"], figures.waiting)
        queue.add_metric(["assigned"], figures.assigned)
        yield queue
        oldest = GaugeMetricFamily(
            "supportbot_handoff_oldest_wait_seconds", "How long the longest-waiting customer has waited for a person (0: nobody waits)"
        )
        oldest.add_metric([], figures.oldest_wait or 0.0)
        yield oldest
        pending = GaugeMetricFamily("supportbot_outbox_pending", "Rows of an outbox not delivered yet", labels=["outbox"])
        lag = GaugeMetricFamily(
            "supportbot_outbox_lag_seconds", "Age of the oldest undelivered row of an outbox (0: none pending)", labels=["outbox"]
        )
        failed = GaugeMetricFamily("supportbot_outbox_failed", "Rows of an outbox that failed for good", labels=["outbox"])
        for outbox, (count, age, failures) in sorted(figures.outboxes.items()):
            pending.add_metric([outbox], count)
            lag.add_metric([outbox], age or 0.0)
            failed.add_metric([outbox], failures)
        yield from (pending, lag, failed)


class Metrics:
    """The bot's metrics and the registry they are served from."""

    def __init__(self, registry: CollectorRegistry | None = None, *, outboxes: Mapping[str, StatsReader] = OUTBOXES) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.turns = Counter("supportbot_turns", "Customer messages handled", ["channel"], registry=self.registry)
        self.turn_errors = Counter(
            "supportbot_turn_errors", "Customer messages whose turn raised an error", ["channel"], registry=self.registry
        )
        self.turn_seconds = Histogram(
            "supportbot_turn_seconds", "Time to handle one customer message, hand-off delivery included",
            ["channel"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.confidence = Histogram(
            "supportbot_match_confidence",
            "Confidence of the matched intent of each turn answered from the knowledge base (turns not understood carry none)",
            buckets=CONFIDENCE_BUCKETS, registry=self.registry,
        )
        self.handoffs = Counter("supportbot_handoffs", "Hand-offs to a person opened, by reason", ["reason"], registry=self.registry)
        self.telegram_retry_after = Counter(
            "supportbot_telegram_retry_after", "Flood-control answers (429) from the Telegram Bot API, by method",
            ["method"], registry=self.registry,
        )
        self.timeout = DATABASE_TIMEOUT
        self.cache_seconds = DATABASE_CACHE_SECONDS
        self._database = _DatabaseCollector()
        self.registry.register(self._database)
        self._readers = dict(outboxes)
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    # -- counted as things happen -------------------------------------------------------------------

    def observe_turn(self, channel: str, seconds: float, outcome: Any) -> None:
        """One customer message went through `Runtime.handle`; `outcome` is its `Outcome`, None when it raised."""
        self.turns.labels(channel).inc()
        self.turn_seconds.labels(channel).observe(seconds)
        if outcome is None:
            self.turn_errors.labels(channel).inc()
            return
        if getattr(outcome, "duplicate", False):  # a redelivery decided nothing
            return
        # Only replies made from a knowledge-base entry carry a confidence (`Reply.confidence`): a "did you
        # mean" or a "please rephrase" turn has none in its Outcome, so this is the answered turns' side.
        scores = [r.confidence for r in getattr(outcome, "replies", ()) if getattr(r, "confidence", None) is not None]
        if scores:
            self.confidence.observe(max(scores))
        handoff = getattr(outcome, "handoff", None)
        if handoff is not None:
            # Outcome.handoff is only set when the engine opened a new hand-off in a committed turn (a
            # conversation already with a person relays instead), so this counts hand-offs, not messages.
            self.handoffs.labels(str(handoff.reason)).inc()

    def flood_control(self, method: str) -> None:
        """Telegram answered 429 to `method` (bot/channels/telegram/session.py's RetryAfterMiddleware)."""
        self.telegram_retry_after.labels(method).inc()

    # -- read at scrape time ------------------------------------------------------------------------

    async def refresh(self, database: Any) -> None:
        """Read the queue and outbox figures from `database` (a `bot.storage.Database`), at most every
        `cache_seconds` and for at most `timeout` seconds; never raises. Concurrent scrapes wait for the
        one read in progress."""
        async with self._lock:
            if self._read_at is not None and time.monotonic() - self._read_at < self.cache_seconds:
                return
            try:
                figures = await asyncio.wait_for(self._read(database), self.timeout)
            except Exception as exc:  # noqa: BLE001 - the scrape answers without the database figures
                if self._database.up is not False:
                    log.warning("metrics: cannot read the database (%s: %s); its figures are left out", type(exc).__name__, exc)
                self._database.figures, self._database.up = None, False
            else:
                if self._database.up is False:
                    log.info("metrics: the database can be read again")
                self._database.figures, self._database.up = figures, True
            self._read_at = time.monotonic()

    async def _read(self, database: Any) -> DatabaseFigures:
        async with database.sessions() as session:
            waiting, assigned, oldest = await queue_stats(session)
        figures = DatabaseFigures(waiting, assigned, oldest)
        for outbox, reader in self._readers.items():
            # A session each: on PostgreSQL one failed statement (a table not migrated yet) would abort
            # the transaction for the outboxes after it.
            try:
                async with database.sessions() as session:
                    figures.outboxes[outbox] = await reader(session)
            except Exception as exc:  # noqa: BLE001 - one unreadable outbox leaves the others reported
                log.debug("metrics: outbox %s unreadable: %s", outbox, exc)
        return figures

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition body and its content type, in the format the scraper asked for (Accept header)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
