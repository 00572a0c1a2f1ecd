"""Which of the bot's languages one message is written in: zh-Hans, zh-Hant, en, or None for no signal.

* Any Han character makes the message Chinese (`我的iphone坏了` is Chinese, not English).
* Simplified or Traditional: characters that OpenCC's `t2s` changes are Traditional evidence, characters
  that `s2t` changes are Simplified evidence; Cantonese written particles (嘅 咗 唔 冇 …) count as
  Traditional evidence since Hong Kong writes Traditional. More evidence wins; a tie with evidence on both
  sides goes to Traditional (Traditional text often uses characters that `s2t` would rewrite, such as 台).
* Taiwan vocabulary written with shared characters (保固, 列印, 滑鼠) is Traditional evidence too.
* Chinese with no evidence either way (`你好`, `保修期多久`) keeps `fallback` when that is Chinese, and is
  zh-Hans otherwise.
* Latin words (two letters or more, not a bare "ok"/"haha") make it English.
* Emoji, digits, punctuation, order numbers, "ok", a bare bot command (/start): no signal, None. The caller keeps the conversation's
  language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from bot.nlu.normalize import CJK_RANGES
from bot.settings import Language

__all__ = ["detect_language"]

_HAN = re.compile(f"[{CJK_RANGES}]")
_LATIN_WORD = re.compile(r"[^\W\d_]+")
# Written Cantonese: characters that a Simplified writer would not use.
_CANTONESE = frozenset("嘅咗唔冇佢啲嘢喺嚟哋咁嗰乜嘞啱攞揾嘥諗睇")
# Taiwan / Hong Kong vocabulary written with characters shared by both scripts (保固 is 保修 in Taiwan).
_TRADITIONAL_VOCABULARY = ("保固", "到府", "列印", "滑鼠", "硬碟", "光碟", "影片", "網路", "客訴", "簡訊")
# Latin "words" that say nothing about the language: acknowledgements, laughter, hesitation.
_NEUTRAL_WORDS = frozenset(
    {"ok", "okay", "okk", "okok", "kk", "k", "haha", "hahaha", "hehe", "lol", "hmm", "hm", "emm", "em", "mm", "xd", "www", "thx"}
)
_COMMAND = re.compile(r"^\s*/[A-Za-z0-9_]+(@\w+)?\s*$")  # a bot command such as /start or /help@MyBot
_MAX_SCAN = 4000  # characters examined; plenty to decide, bounded for 100k-character messages


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t"), opencc.OpenCC("tw2sp")


@lru_cache(maxsize=8192)
def _char_evidence(char: str) -> int:
    """+1 Traditional-only, -1 Simplified-only, 0 shared by both scripts."""
    if char in _CANTONESE:
        return 1
    t2s, s2t, _ = _converters()
    if t2s.convert(char) != char:
        return 1
    if s2t.convert(char) != char:
        return -1
    return 0


def _is_latin_letter(word: str) -> bool:
    return all("LATIN" in unicodedata.name(c, "") for c in word)


def detect_language(text: object, fallback: Language | None = None) -> Language | None:
    """The language of one message, or None when it carries no signal (see the module docstring)."""
    if not isinstance(text, str) or not text or _COMMAND.match(text[:200]):
        return None
    text = unicodedata.normalize("NFKC", text[:_MAX_SCAN]) if not text[:_MAX_SCAN].isascii() else text[:_MAX_SCAN]
    han = _HAN.findall(text)
    if han:
        traditional = sum(1 for word in _TRADITIONAL_VOCABULARY if word in text)
        simplified = 0
        if not traditional:
            t2s, _, tw2sp = _converters()
            han_text = "".join(han)
            # Taiwan phrases OpenCC knows (滑鼠 -> 鼠标) even when every character is shared.
            traditional += tw2sp.convert(han_text) != t2s.convert(han_text)
        for char in han:
            evidence = _char_evidence(char)
            if evidence > 0:
                traditional += 1
            elif evidence < 0:
                simplified += 1
        if traditional and traditional >= simplified:
            return "zh-Hant"
        if simplified:
            return "zh-Hans"
        return fallback if fallback in ("zh-Hans", "zh-Hant") else "zh-Hans"
    for word in _LATIN_WORD.findall(text.casefold()):
        if len(word) >= 2 and word not in _NEUTRAL_WORDS and _is_latin_letter(word):
            return "en"
    return None
