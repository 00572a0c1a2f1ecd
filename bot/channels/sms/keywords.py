"""SMS keywords: STOP / START / HELP / MORE, and the words that start a booking or a status look-up.

STOP, START, HELP and MORE only count as the whole message ("stop!" yes, "stop sending me ads" no),
case- and width-insensitive. The language of the keyword picks the language of the answer: 退订 gets
Simplified Chinese, 退訂 Traditional, STOP English; words written the same in both scripts (更多) and
keywords of no language answer in the conversation's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.settings import Language


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    MORE = "more"


_WORDS: dict[Keyword, dict[str, Language | None]] = {
    Keyword.STOP: {
        "stop": "en", "stopall": "en", "unsubscribe": "en", "end": "en", "quit": "en",
        "退订": "zh-Hans", "取消订阅": "zh-Hans", "退订短信": "zh-Hans", "td": "zh-Hans",
        "退訂": "zh-Hant", "取消訂閱": "zh-Hant", "退訂簡訊": "zh-Hant",
    },
    Keyword.START: {
        "start": "en", "unstop": "en", "subscribe": "en",
        "订阅": "zh-Hans", "重新订阅": "zh-Hans",
        "訂閱": "zh-Hant", "重新訂閱": "zh-Hant",
    },
    Keyword.HELP: {"help": "en", "info": "en", "帮助": "zh-Hans", "幫助": "zh-Hant"},
    Keyword.MORE: {"more": "en", "更多": None},
}
_LOOKUP: dict[str, tuple[Keyword, Language | None]] = {
    word: (keyword, language) for keyword, words in _WORDS.items() for word, language in words.items()
}

# Words that, first in a message, start a booking with the rest of the message as its details.
# ("book" is not one: "Book 14" is a laptop.)
_BOOK_WORDS: dict[str, Language | None] = {"报修": "zh-Hans", "報修": "zh-Hant", "repair": "en"}
# Whole-message keywords for the customer's bookings and for a person.
_MENU_WORDS: dict[str, tuple[str, Language | None]] = {
    "status": ("status", "en"), "进度": ("status", "zh-Hans"), "查询进度": ("status", "zh-Hans"),
    "维修进度": ("status", "zh-Hans"), "進度": ("status", "zh-Hant"), "查詢進度": ("status", "zh-Hant"),
    "維修進度": ("status", "zh-Hant"),
    "human": ("human", "en"), "agent": ("human", "en"), "人工": ("human", None), "转人工": ("human", "zh-Hans"),
    "轉人工": ("human", "zh-Hant"), "真人": ("human", "zh-Hant"),
}
_TRIM = " \t\r\n.!?,;:。！？，；：、~～'\"“”「」『』()（）[]【】"
_QUESTION = re.compile(r"[?？]|^(how|what|when|where|why|which|can|do|does|is|much)\b|多少|怎么|怎麼|吗|嗎|几|幾", re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC, trimmed of spaces and punctuation, lower-cased, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").strip(_TRIM).lower().split())


@dataclass(frozen=True)
class KeywordHit:
    keyword: Keyword
    language: Language | None  # None: answer in the conversation's language


def keyword(text: str | None) -> KeywordHit | None:
    """STOP / START / HELP / MORE when the whole message is one of their words."""
    found = _LOOKUP.get(normalise(text or ""))
    return KeywordHit(*found) if found else None


def menu_word(text: str | None) -> tuple[str, Language | None] | None:
    """("status", lang) or ("human", lang) when the whole message is such a keyword."""
    return _MENU_WORDS.get(normalise(text or ""))


def booking_request(text: str | None) -> Language | None | bool:
    """The language of a message that starts with a booking word ("报修 X20 Pro 屏幕碎了 北京 明天"), else False.

    Chinese words count glued to what follows ("报修X20"); English ones as the first word, and not when
    the message is a question ("repair cost?" is one for the FAQ).
    """
    plain = unicodedata.normalize("NFKC", text or "").strip()
    lowered = plain.lower()
    for word, language in _BOOK_WORDS.items():
        if not lowered.startswith(word):
            continue
        rest = plain[len(word):]
        if language == "en" and rest and not (rest[0].isspace() or rest[0] in ":,;-"):
            continue  # "booking", "repairs"
        if language == "en" and _QUESTION.search(rest.strip()):
            continue
        return language
    return False
