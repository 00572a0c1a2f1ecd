"""Who gets which escalation: per-agent capacity, first-in-first-out "take next", and transfer.

Chatwoot has no real queue: agents cherry-pick. Here an agent asks for the next conversation and gets
the oldest waiting one of the highest priority, unless they already carry as many open conversations
as their capacity allows. The pick is decided under the escalation's lock (`take(only_waiting=True)`):
two agents pressing "take next" at the same moment get two different conversations, never one shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.operations import Agent, OpResult
from bot.handoff.service import HandoffService
from bot.storage import console as console_repo

# A few candidates at once: a colleague may take the first between our read and our lock.
_CANDIDATES = 5


@dataclass(frozen=True)
class Capacity:
    """An agent's load against their limit."""

    assigned: int
    limit: int

    @property
    def full(self) -> bool:
        return self.limit > 0 and self.assigned >= self.limit


class Assignment:
    """Capacity-aware assignment on top of the hand-off service's operations."""

    def __init__(self, handoff: HandoffService) -> None:
        self.handoff = handoff

    async def capacity(self, agent: Agent, limit: int) -> Capacity:
        """How many open escalations `agent` carries, against `limit` (0: no limit)."""
        async with self.handoff.transaction() as session:
            return Capacity(await console_repo.assigned_count(session, agent.id), limit)

    async def take_next(self, agent: Agent, limit: int) -> OpResult:
        """Assign the oldest highest-priority waiting escalation to `agent`.

        "at_capacity" when they are full, "queue_empty" when nobody waits (or colleagues took every
        candidate meanwhile); otherwise the take's result ("taken").
        """
        if (await self.capacity(agent, limit)).full:
            return OpResult("at_capacity")
        for _ in range(3):
            async with self.handoff.transaction() as session:
                candidates = await console_repo.next_waiting(session, _CANDIDATES)
            if not candidates:
                break
            for escalation_id in candidates:
                result = await self.handoff.take(escalation_id, agent, only_waiting=True)
                if result.code in ("taken", "already_yours"):
                    return result
        return OpResult("queue_empty")

    async def take(self, escalation_id: int, agent: Agent, limit: int, *, take_over: bool) -> OpResult:
        """Take one escalation; `take_over` lets a supervisor take it from a colleague. Capacity applies
        to a conversation that is not already the agent's."""
        current = await self.handoff.escalation(escalation_id)
        if current is None:
            return OpResult("not_found")
        if current.agent_id == agent.id and current.active:
            return OpResult("already_yours", current)
        if (await self.capacity(agent, limit)).full:
            return OpResult("at_capacity", current)
        return await self.handoff.take(escalation_id, agent, only_waiting=not take_over)

    async def transfer(self, escalation_id: int, to: Agent, to_limit: int) -> OpResult:
        """Hand an open escalation to another agent (the customer is told who has them now).

        "at_capacity" when the colleague is full; "already_yours" when it is theirs already.
        """
        current = await self.handoff.escalation(escalation_id)
        if current is None:
            return OpResult("not_found")
        if not current.active:
            return OpResult("inactive", current)
        if current.agent_id == to.id:
            return OpResult("already_yours", current)
        if (await self.capacity(to, to_limit)).full:
            return OpResult("at_capacity", current)
        result = await self.handoff.take(escalation_id, to)
        return OpResult("transferred", result.escalation) if result.code in ("taken", "taken_over") else result
