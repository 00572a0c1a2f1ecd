"""Agent and hand-off lookups, kept for their callers: thin adapters over the one catalog (`bot.i18n`).

Agents read their lines ("agent.*", in `bot.i18n.texts.handoff`) in AGENTS_LANGUAGE (default
DEFAULT_LANGUAGE); customer lines said during a hand-off are the engine's "handoff.*" entries.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import Entry, Message, namespace, text
from bot.settings import Language

# A read-only view of the catalog's "agent." namespace (short keys), for "is there a label for X?".
AGENT_TEXTS: Mapping[str, Entry] = namespace("agent")

PRIORITY_ICONS = {2: "🔴", 1: "🟡", 0: "⚪"}


def agent_text(key: str, language: Language, **values: object) -> Message:
    """An agent-facing line: catalog key "agent.<key>"."""
    return text(f"agent.{key}", language, **values)


def customer_text(key: str, language: Language, **values: object) -> Message:
    """A line for the customer while a person has the conversation: catalog key "handoff.<key>"."""
    return text(f"handoff.{key}", language, **values)


def reason_label(reason: str, language: Language) -> str:
    """A hand-off reason in words ("low_confidence" -> "Bot could not answer"); unknown reasons as they are."""
    return agent_text(f"reason.{reason}", language) if f"reason.{reason}" in AGENT_TEXTS else reason


def priority_icon(priority: int) -> str:
    """The queue's colour for a priority: 🔴 urgent, 🟡 raised, ⚪ normal."""
    return PRIORITY_ICONS[max(0, min(2, priority))]
