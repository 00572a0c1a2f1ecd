"""Contact phone numbers, validated with `phonenumbers` and stored in E.164.

Letters are refused, never converted: `phonenumbers` reads "1-800-FLOWERS" on a keypad, so
"138OO138OOO" (letter O for zero) would become a real number that belongs to a stranger. A short
label before the number ("电话：", "my number is") is allowed; any other letter makes the answer
"letters", and the customer is told to type digits only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import phonenumbers

DEFAULT_REGION = "CN"

PhoneProblem = Literal["letters", "invalid"]

# What people write before the number: "电话：", "手机号是", "my number is", "Tel.", "mobile:".
_LABEL = re.compile(
    r"^\s*(?:(?:我的)?(?:联系|聯絡|联络)?(?:电话|電話|手机|手機|号码|號碼|号|號)+(?:是|為|为)?"
    r"|(?:my\s+)?(?:phone|mobile|cell|tel|telephone|number|phone\s+number|mobile\s+number)(?:\s+(?:number|no))?"
    r"(?:\s+is)?\.?)\s*[:：]?\s*",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")


def phone_problem(text: str, region: str = DEFAULT_REGION) -> PhoneProblem | None:
    """Why `text` is no phone number ("letters" or "invalid"), or None when `parse_phone` reads it."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if _LETTER.search(_LABEL.sub("", raw, count=1)):
        return "letters"
    return None if parse_phone(text, region) is not None else "invalid"


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 ("+8613800138000"), or None when it is not a valid number (or has letters).

    National forms are read in `region` (the centre's: CN, HK, TW); "+852 ..." works anywhere.
    """
    raw = _LABEL.sub("", unicodedata.normalize("NFKC", text).strip(), count=1)
    if not raw or _LETTER.search(raw) or sum(c.isdigit() for c in raw) < 5:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """A stored number as people read it: national format at home, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked_phone(e164: str) -> str:
    """138****8000-style, for summaries read back in a chat."""
    digits = e164.lstrip("+")
    national = digits[2:] if digits.startswith("86") else digits
    if len(national) < 7:
        return e164
    return national[:3] + "*" * (len(national) - 7) + national[-4:]
