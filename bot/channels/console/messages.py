"""The console channel's lookup, kept for its callers: a thin adapter over the catalog (`bot.i18n`).

The lines (what the console says while the database is away) are the catalog's "console.*" entries.
"""

from __future__ import annotations

from bot.i18n import Message, text
from bot.settings import Language


def say(key: str, language: Language, **values: object) -> Message:
    """The console channel's line `key` in `language`: catalog key "console.<key>"."""
    return text(f"console.{key}", language, **values)
