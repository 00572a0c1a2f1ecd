"""Which language to answer in: the message's own, unless it carries no clear signal.

Product names, numbers and codes ("Acme Book 16 Pro", "C02XK1ABJG5J") carry none: they are removed
before the language is detected.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import opencc

from bot.nlu.language import detect_language
from bot.settings import LANGUAGES, Language

if TYPE_CHECKING:
    from bot.engine.context import TurnContext

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def resolve_language(text: str | None, current: Language, locked: bool) -> Language:
    """Per-message detection, falling back to the conversation's language.

    Much Chinese text is written the same in both scripts (你好, 保修): such a message keeps a
    Traditional-Chinese conversation Traditional. A language the customer chose explicitly only
    changes when the message is clearly in another language.
    """
    if not text:
        return current
    text = without_names(text)
    if not text.strip():
        return current
    detected = detect_language(text)
    if detected is None:
        return current
    if detected == "zh-Hans" and current == "zh-Hant" and _same_in_both_scripts(text):
        return current
    if locked and detected != current and detected.startswith("zh") and current.startswith("zh"):
        return current if _same_in_both_scripts(text) else detected
    return detected


# A product name or code: a run of capitalised words around a word with a digit ("Acme Book 16 Pro",
# "iPhone 15", "X20", "SN C02XK1ABJG5J"), and model suffixes however they are written ("x20 pro").
# Latin letters and digits only: a Chinese word is never part of a name ("2024年買的" stays Chinese).
_CODE = r"[A-Za-z]*[0-9][A-Za-z0-9-]*"
_NAME_WORD = r"(?:[A-Z][A-Za-z0-9-]*|[a-z]+[A-Z][A-Za-z0-9-]*|(?i:pro|max|plus|ultra|mini|lite|air|se))"
_NAME = re.compile(
    rf"(?<![A-Za-z0-9-])(?:{_NAME_WORD}[:：#]?\s+){{0,3}}{_CODE}(?:\s+{_NAME_WORD}){{0,3}}(?![A-Za-z0-9-])"
)


def without_names(text: str) -> str:
    """The text without product names, numbers and codes: they are no sign of a language.

    "Acme Book 16 Pro" typed in a Chinese conversation keeps it Chinese; "my Acme Book 16 Pro is broken"
    is still English (its other words say so).
    """
    return _NAME.sub(" ", text)


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _same_in_both_scripts(text: str) -> bool:
    """True when nothing in the text is specific to Simplified characters."""
    return _to_traditional().convert(text) == text


def keep_flow_language(ctx: TurnContext, flow_language: str | None, text: str, pressed: bool) -> Language:
    """The language a form goes on in; returns it (to remember) and sets it on `ctx`.

    Answers in a form are often names, numbers, codes or addresses, which read as "English" or
    "Chinese" to the detector without being a choice of language: the form keeps the language it runs
    in unless the message is a real sentence in another one (three English words, or four Chinese
    characters; between the two Chinese scripts, two). `text` is the answer without names the caller
    knows (product names); a button press (`pressed`) says nothing about the language.
    """
    if flow_language not in LANGUAGES or pressed:
        return ctx.language
    text = without_names(text)
    if ctx.language != flow_language:
        cjk = len(_CJK.findall(text))
        latin_words = len(_LATIN_WORD.findall(text))
        switch = (
            (ctx.language == "en" and latin_words >= 3 and cjk == 0)
            or (ctx.language != "en" and flow_language == "en" and cjk >= 4)
            or (ctx.language != "en" and flow_language != "en" and cjk >= 2)
        )
        if not switch:
            ctx.language = flow_language  # type: ignore[assignment]
    return ctx.language
