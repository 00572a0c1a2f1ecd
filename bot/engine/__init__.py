"""The conversation: FAQ answers, clarification and hand-off as steps over stored state."""

from bot.engine.conversation import Engine
from bot.engine.types import (
    Action,
    ActionKind,
    Inbound,
    InboundKind,
    Outcome,
    Reply,
    ReplyKind,
)

__all__ = ["Action", "ActionKind", "Engine", "Inbound", "InboundKind", "Outcome", "Reply", "ReplyKind"]
