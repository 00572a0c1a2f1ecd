"""Text normalisation shared by the matcher, the lexicon and language detection.

`normalize` turns whatever a customer typed into the canonical form the matcher compares:

* Unicode NFKC, so full-width letters and digits (`ＡＢＣ１２３`) become half-width (`abc123`);
* case folding (`Warranty` -> `warranty`, `Straße` -> `strasse`);
* Traditional -> Simplified Chinese with OpenCC's phrase-level `tw2sp` (螢幕 -> 屏幕, 軟體 -> 软件), so a
  Traditional question matches Simplified examples;
* invisible format characters (zero-width space and joiners, soft hyphen, BOM, direction marks) deleted,
  so `保\u200b修多久` is `保修多久` and not two words;
* apostrophes inside words dropped (`don't` -> `dont`), every other punctuation mark, symbol, emoji and
  control character replaced by a space;
* a space between Chinese and Latin runs (`我的iphone坏了` -> `我的 iphone 坏了`), whitespace collapsed.

It never raises: anything that is not a string is treated as empty.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize", "to_simplified", "is_cjk", "CJK_RANGES"]

# Han ideographs (basic, extension A, compatibility) and the CJK extension planes.
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)['\u2018\u2019\u02bc`](?=\w)")
_SCRIPT_BOUNDARY = re.compile(f"(?<=[{CJK_RANGES}])(?=[^\\s{CJK_RANGES}])|(?<=[^\\s{CJK_RANGES}])(?=[{CJK_RANGES}])")
_SPACES = re.compile(r"\s+")
# Unicode general categories kept as text: letters, digits, combining marks. Everything else becomes a space.
_KEEP = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Mn", "Mc", "Me"})
# Variation selectors and the emoji tag block are "marks" too but only decorate emoji.
_DROP_MARKS = re.compile("[\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef\u20e3]")
# Invisible format characters (category Cf) that get inside words when text is pasted or forged; they
# must not split a word as the punctuation that becomes a space does.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


@lru_cache(maxsize=1)
def _tw2sp():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("tw2sp")


@lru_cache(maxsize=4096)
def _category_keeps(char: str) -> bool:
    return unicodedata.category(char) in _KEEP


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese, phrase-level (Taiwan vocabulary included): 螢幕 -> 屏幕."""
    if not text:
        return ""
    try:
        return _tw2sp().convert(text)
    except Exception:  # pragma: no cover - OpenCC rejects nothing we know of; never let it break a reply
        return text


def is_cjk(char: str) -> bool:
    """True for a Han ideograph."""
    return bool(_CJK_CHAR.match(char))


def _strip_symbols(text: str) -> str:
    if text.isascii():
        # Fast path for plain English: keep letters and digits only.
        return "".join(c if c.isalnum() else " " for c in text)
    return "".join(c if _category_keeps(c) else " " for c in text)


def normalize(text: object) -> str:
    """The canonical form of a customer message (see the module docstring); "" for no text at all."""
    if not isinstance(text, str) or not text:
        return ""
    try:
        text = unicodedata.normalize("NFKC", text)
    except Exception:  # pragma: no cover - lone surrogates and the like are handled below anyway
        pass
    text = text.casefold()
    text = _DROP_MARKS.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _APOSTROPHE_IN_WORD.sub("", text)
    text = _strip_symbols(text)
    if _CJK_CHAR.search(text):
        text = to_simplified(text)
        text = _SCRIPT_BOUNDARY.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
