"""Lines of the webchat topic (namespace "webchat."), in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "webchat"

TEXTS: Table = {}
