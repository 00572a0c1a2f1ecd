"""The engine's lookup, kept for its callers: a thin adapter over the one catalog in `bot.i18n`.

The lines themselves are in `bot.i18n.texts.engine` (plain catalog keys: "welcome", "handoff.queue").
`WEEKDAY_NAMES` and `MONTH_NAMES_EN` are Babel's names (`bot.i18n.formats`), kept under their old
names for the code that still indexes them.
"""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES, text
from bot.i18n.formats import month_names, weekday_names
from bot.settings import LANGUAGES, Language

say = text
"""The bot's line `key` in `language`, placeholders filled: the catalog lookup itself."""

WEEKDAY_NAMES: dict[Language, tuple[str, ...]] = {language: weekday_names(language) for language in LANGUAGES}
MONTH_NAMES_EN: tuple[str, ...] = month_names("en")

__all__ = ["LANGUAGE_NAMES", "MONTH_NAMES_EN", "WEEKDAY_NAMES", "say"]
