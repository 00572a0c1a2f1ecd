"""Which language to answer in: the message's own, unless it carries no clear signal."""

from __future__ import annotations

from functools import lru_cache

import opencc

from bot.nlu.language import detect_language
from bot.settings import Language


def resolve_language(text: str | None, current: Language, locked: bool) -> Language:
    """Per-message detection, falling back to the conversation's language.

    Much Chinese text is written the same in both scripts (你好, 保修): such a message keeps a
    Traditional-Chinese conversation Traditional. A language the customer chose explicitly only
    changes when the message is clearly in another language.
    """
    if not text:
        return current
    detected = detect_language(text)
    if detected is None:
        return current
    if detected == "zh-Hans" and current == "zh-Hant" and _same_in_both_scripts(text):
        return current
    if locked and detected != current and detected.startswith("zh") and current.startswith("zh"):
        return current if _same_in_both_scripts(text) else detected
    return detected


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _same_in_both_scripts(text: str) -> bool:
    """True when nothing in the text is specific to Simplified characters."""
    return _to_traditional().convert(text) == text
