"""Lines of the dashboard topic (namespace "dashboard."), in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "dashboard"

TEXTS: Table = {}
