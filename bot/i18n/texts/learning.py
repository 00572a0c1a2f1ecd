"""Lines of the learning topic (namespace "learning."), in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "learning"

TEXTS: Table = {}
