"""What the engine needs from the world above it, as protocols the runtime fills in.

The engine sits below the hand-off in the layers (channel in -> engine -> storage -> replies ->
channel out). It still has to ask "does a person have this conversation?" inside a turn, so it talks
to the human queue through `HumanQueue`; `bot.handoff.service.HandoffService` satisfies it
structurally and `bot.runtime.build_runtime` passes it in. The engine never imports `bot.handoff`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.engine.context import TurnContext
    from bot.engine.types import Action, Inbound
    from bot.storage.models import Escalation
    from bot.storage.store import Turn


class HumanQueue(Protocol):
    """The hand-off as the engine sees it during one customer's turn (all calls are inside the turn's
    transaction; nothing here delivers to a channel: that happens after the turn, see `Runtime.handle`)."""

    async def active(self, turn: Turn) -> Escalation | None:
        """The conversation's open escalation: while there is one, a person handles the conversation."""
        ...

    async def in_person(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, escalation: Escalation, text: str
    ) -> bool:
        """A customer message while a person handles the conversation; True when it is for the person."""
        ...

    async def survey(self, ctx: TurnContext, turn: Turn, action: Action | None, text: str) -> bool:
        """The satisfaction survey; True when this message was the survey's."""
        ...

    async def relay(self, turn: Turn, escalation: Escalation, message_id: int) -> None:
        """Queue the customer's stored message for the person handling the conversation."""
        ...

    async def open_in_turn(self, ctx: TurnContext, turn: Turn, message_id: int | None) -> Escalation:
        """The engine handed off this turn: queue the escalation and finish the hand-off reply."""
        ...
