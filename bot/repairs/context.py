"""What the repair lifecycle's job handlers share (one object, passed in: the handlers import no wiring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.knowledge.catalog import Catalog
from bot.knowledge.policies import Policies
from bot.repairs.lifecycle import RepairLifecycle
from bot.storage import Database

if TYPE_CHECKING:
    from bot.handoff.service import HandoffService


@dataclass
class RepairContext:
    """What the lifecycle's job handlers need: the database, the rules, the clock, and the hand-off
    service (its registry of channel deliverers reaches customers; its queue reaches people)."""

    database: Database
    lifecycle: RepairLifecycle
    handoff: HandoffService
    catalog: Catalog | None
    clock: Clock

    @property
    def policies(self) -> Policies:
        return self.lifecycle.policies
