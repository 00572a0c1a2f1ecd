"""Passing a conversation to people: the decision, the customer-facing line, and the queue entry.

The queue itself (agents, topics, office hours) is the hand-off feature's own; here the engine decides
*that* a person must take over and why, and records the escalation so nothing is lost.
"""

from __future__ import annotations

from bot.engine.context import TurnContext
from bot.engine.types import Handoff, ReplyKind

# Higher is more urgent: an angry customer before a confused one.
PRIORITY: dict[str, int] = {"complaint": 2, "human": 1}

_LINES: dict[str, str] = {"complaint": "handoff.complaint", "low_confidence": "handoff.low_confidence"}


def hand_off(ctx: TurnContext, reason: str, text: str | None = None) -> Handoff:
    """Tell the customer a person will take over and mark the turn as handed off."""
    handoff = Handoff(reason=reason, priority=PRIORITY.get(reason, 0))
    ctx.handoff = handoff
    ctx.low_confidence_streak = 0
    ctx.reply(text or ctx.say(_LINES.get(reason, "handoff")), ReplyKind.HANDOFF, handoff=handoff)
    return handoff
