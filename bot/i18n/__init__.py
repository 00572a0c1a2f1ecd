"""Everything the bot says, in zh-Hans, zh-Hant and en: one catalog, one lookup, Babel for the rest.

`text(key, language, **values)` is the lookup; the lines are in `bot.i18n.texts`; plural forms,
dates, weekday and month names and numbers come from Babel's CLDR data (`bot.i18n.formats`).
"""

from __future__ import annotations

from bot.i18n.catalog import (
    CATALOG,
    LANGUAGE_NAMES,
    Message,
    collect,
    made_from,
    namespace,
    text,
)
from bot.i18n.entries import Entry, Line, Plural, plural

__all__ = [
    "CATALOG",
    "LANGUAGE_NAMES",
    "Entry",
    "Line",
    "Message",
    "Plural",
    "collect",
    "made_from",
    "namespace",
    "plural",
    "text",
]
