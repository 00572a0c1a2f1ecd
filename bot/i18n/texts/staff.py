"""Lines of the staff topic (namespace "staff."), in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "staff"

TEXTS: Table = {}
