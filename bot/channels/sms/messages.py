"""The SMS channel's lookup (a thin adapter over the catalog) and how many SMS parts each of its lines may take.

The lines are the catalog's "sms.*" entries (`bot.i18n.texts.sms`), written for SMS: short, plain
text, GSM-7 only in English.
"""

from __future__ import annotations

from bot.i18n import Message, text
from bot.settings import Language

# How many SMS parts each line may take at most (checked by a test, with the brand "Acme Care").
MAX_SEGMENTS: dict[str, int] = {"help": 3, "opt_out": 2, "opt_in": 2, "rate_limited": 2, "error": 2, "more.none": 1, "more.suffix": 1, "options.unsent": 1}


def say(key: str, language: Language, **values: object) -> Message:
    """The SMS channel's line for `key` in `language`: catalog key "sms.<key>"."""
    return text(f"sms.{key}", language, **values)
