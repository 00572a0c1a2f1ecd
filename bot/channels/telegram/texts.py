"""The Telegram channel's own lines (a thin adapter over the catalog) and Telegram's language codes mapped to ours.

Everything about the conversation comes from the engine; the channel's own notices (an apology after
an internal error, the flood notice, an unreadable button) and command descriptions are the catalog's
"telegram.*" entries (`bot.i18n.texts.telegram`).
"""

from __future__ import annotations

from bot.i18n import Message, text
from bot.settings import Language

COMMANDS: tuple[str, ...] = ("start", "help", "language")


def channel_text(key: str, language: Language) -> Message:
    """One of the channel's own lines: catalog key "telegram.<key>"."""
    return text(f"telegram.{key}", language)


_HANT_TAGS = ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "yue")
_HANS_TAGS = ("zh-hans", "zh-cn", "zh-sg", "zh-my")


def language_from_code(code: str | None, default: Language) -> Language:
    """Telegram's `language_code` (an IETF tag such as "zh-hans", "zh-TW", "en-US") as one of ours.

    zh-hans, zh-cn, zh-sg → zh-Hans; zh-hant, zh-tw, zh-hk, zh-mo (and Cantonese) → zh-Hant;
    a bare "zh" → zh-Hans; en* → en; anything else, or nothing → the operator's default language.
    """
    if not code:
        return default
    tag = code.strip().lower().replace("_", "-")
    if tag.startswith(_HANT_TAGS):
        return "zh-Hant"
    if tag.startswith(_HANS_TAGS) or tag == "zh":
        return "zh-Hans"
    if tag.startswith("zh-"):
        # zh-Hant-TW style tags were caught above; other regions write Simplified.
        return "zh-Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return default
