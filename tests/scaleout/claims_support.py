"""Helpers for the multi-instance tests: two bot instances ("engines") on one database, one clock.

Each instance is a full runtime with its own `Database` (its own engine, pool and instance id), as two
processes behind a load balancer would have; they share the hand-moved clock so a test can make
leases run out. The desks of both append to one log, so the order agents would see is checkable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.handoff.desk import DeskEvent
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.handoff.conftest import MemoryDelivery
from tests.support import Clock


@dataclass
class SharedLog:
    """What the agents' group would show, in the order posts arrived, whichever instance posted."""

    posts: list[tuple[str, DeskEvent]] = field(default_factory=list)

    def outbox_ids(self) -> list[int]:
        return [i for _, event in self.posts for i in event.outbox_ids]


class LoggingDesk:
    """A desk that yields to the loop before posting (as a network call would), then logs the post."""

    enabled = True

    def __init__(self, name: str, log: SharedLog) -> None:
        self.name, self.log = name, log

    async def publish(self, event: DeskEvent) -> None:
        await asyncio.sleep(0)
        self.log.posts.append((self.name, event))


@dataclass
class Instance:
    runtime: Runtime
    delivery: MemoryDelivery


@asynccontextmanager
async def instances(url: str, kb_dir: Path, clock: Clock, log: SharedLog, count: int = 2) -> AsyncIterator[list[Instance]]:
    """`count` instances on the database at `url`, each with a logging desk and a console delivery."""
    built: list[Instance] = []
    try:
        for n in range(count):
            runtime = await build_runtime(load_settings(database_url=url, knowledge_dir=kb_dir), clock=clock)
            runtime.handoff.desk = LoggingDesk(f"i{n}", log)
            delivery = MemoryDelivery()
            runtime.deliveries.register(delivery)
            built.append(Instance(runtime, delivery))
        yield built
    finally:
        for instance in built:
            await instance.runtime.close()
