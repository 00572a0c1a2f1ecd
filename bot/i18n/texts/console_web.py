"""Lines of the console_web topic (namespace "agentconsole."), in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "agentconsole"

TEXTS: Table = {}
