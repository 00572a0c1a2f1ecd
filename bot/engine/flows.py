"""Multi-step flows (repair booking, ...) plug into the engine through this small interface.

While a flow is active (`ctx.state["flow"]` holds its name) every message of the customer goes to the
flow's `step`, which validates, re-asks, answers interruptions and finally finishes or leaves. The
engine still handles /start (leave everything) before the flow sees anything.
"""

from __future__ import annotations

from typing import Protocol

from bot.engine.context import TurnContext
from bot.engine.types import Action, Inbound
from bot.storage.store import Turn


class Flow(Protocol):
    """A multi-step conversation the engine can start and then hand each message to."""

    name: str

    async def start(self, ctx: TurnContext, turn: Turn, inbound: Inbound, entry_point: str) -> None:
        """Begin the flow; `entry_point` says how it was reached ("menu.book", "menu.status", an intent id...)."""

    async def step(self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None) -> None:
        """Handle the next customer message while the flow is active."""

    def leave(self, ctx: TurnContext) -> None:
        """End the flow: forget its state, so the next message is the engine's again."""

    def hears_anger(self, ctx: TurnContext) -> bool:
        """The customer's message is clearly angry: True when the flow takes it as an answer anyway.

        A form that ends in the agents' queue (a complaint) is where an angry customer should be; it
        notes the anger so its hand-off comes with priority. Any other flow says False, and the engine
        stops asking questions: a person takes it from there.
        """


class TicketLookup(Protocol):
    """A feature that issues ticket numbers and answers a message that quotes one."""

    async def look_up(self, ctx: TurnContext, turn: Turn, text: str) -> bool:
        """Reply about the ticket quoted in `text` (True), or do nothing when there is none (False)."""
