"""SMS segment arithmetic: GSM-7 or UCS-2, and how many parts a text takes.

A message in the GSM 03.38 alphabet (basic table, plus the extension table whose characters cost two
septets) is sent 7-bit: 160 characters in one SMS, 153 per part when it is split (the rest carries the
concatenation header). A single character outside it (every Chinese character, an emoji, full-width
punctuation, curly quotes) makes the *whole* message UCS-2: 70 UTF-16 code units in one SMS, 67 per
part. An extension character never straddles two parts, and neither does a surrogate pair.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typographic characters that have a plain GSM-7 stand-in: replacing them keeps an English text 7-bit
# (160 characters a part instead of 70). Only done when nothing else in the text needs UCS-2.
_PLAIN = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
    "\t": " ",
}


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _gsm_cost(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION else 1


def _ucs2_cost(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1  # a surrogate pair


@dataclass(frozen=True)
class SegmentInfo:
    """How a text travels: its encoding, its length in septets / code units, and its number of parts."""

    encoding: str  # "GSM-7" | "UCS-2"
    units: int
    segments: int


def analyse(text: str) -> SegmentInfo:
    """Encoding, length and number of SMS parts of a text (0 parts for the empty text)."""
    gsm = is_gsm7(text)
    cost = _gsm_cost if gsm else _ucs2_cost
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    units = sum(cost(ch) for ch in text)
    if units == 0:
        return SegmentInfo("GSM-7" if gsm else "UCS-2", 0, 0)
    if units <= single:
        return SegmentInfo("GSM-7" if gsm else "UCS-2", units, 1)
    segments, used = 1, 0
    for ch in text:  # pack: a 2-unit character that does not fit goes whole to the next part
        c = cost(ch)
        if used + c > part:
            segments += 1
            used = 0
        used += c
    return SegmentInfo("GSM-7" if gsm else "UCS-2", units, segments)


def segment_count(text: str) -> int:
    """Number of SMS parts the text takes."""
    return analyse(text).segments


def gsm_friendly(text: str) -> str:
    """Replace typographic quotes, dashes and ellipses with GSM-7 ones when that makes the text 7-bit.

    A text that needs UCS-2 anyway (Chinese) is returned as it is.
    """
    plain = "".join(_PLAIN.get(ch, ch) for ch in text)
    return plain if is_gsm7(plain) else text
