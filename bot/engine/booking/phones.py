"""Contact phone numbers, validated with `phonenumbers` and stored in E.164."""

from __future__ import annotations

import unicodedata

import phonenumbers

DEFAULT_REGION = "CN"


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 ("+8613800138000"), or None when it is not a valid number.

    National forms are read in `region` (the centre's: CN, HK, TW); "+852 ..." works anywhere.
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw or sum(c.isdigit() for c in raw) < 5:
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
