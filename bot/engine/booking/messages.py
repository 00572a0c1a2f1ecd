"""The booking flow's lookup, kept for its callers: the one catalog (`bot.i18n`) under "booking.".

The lines are in `bot.i18n.texts.booking_*`; `MESSAGES` is a read-only view of that namespace
(short keys), not a table of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import Entry, Message, namespace, text
from bot.settings import Language

MESSAGES: Mapping[str, Entry] = namespace("booking")


def say(key: str, language: Language, **values: object) -> Message:
    """The booking line `key` ("intro") in `language`: catalog key "booking.<key>"."""
    return text(f"booking.{key}", language, **values)
