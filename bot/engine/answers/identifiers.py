"""Serial numbers and IMEIs as customers type them (spaces, dashes, full-width digits).

IMEIs are checked with `python-stdnum` (length and the Luhn check digit); a serial number is 6 to 20
letters and digits with at least one digit. Nothing is coerced: an IMEI typed with a letter O for a zero
is pointed out (not stored as a serial number), and digits of other scripts are refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from stdnum import imei as stdnum_imei

_SEPARATORS = re.compile(r"[\s\-_./:：]+")
_SERIAL = re.compile(r"^[A-Z0-9]{6,20}$")
_PREFIX = re.compile(
    r"^(?:(?:imei|sn|s/n|serial(?:\s*(?:no|number))?)(?:\s*[:：#]\s*|\s+)|(?:序列号|序號|序列號|串号|串號)\s*[:：#]?\s*)",
    re.IGNORECASE,
)

IdentifierProblem = Literal["bad_imei", "bad_serial", "imei_letters"]
# Letters that people type for digits (O for 0, I or L for 1): in a would-be IMEI they are a typo to point out.
_LOOK_ALIKES = frozenset("OILSBZ")


@dataclass(frozen=True)
class DeviceId:
    """A validated identifier: its kind and canonical form."""

    kind: Literal["imei", "serial"]
    value: str


def parse_device_id(text: str, expected: Literal["imei", "serial"]) -> DeviceId | IdentifierProblem:
    """Read an IMEI or a serial number. Fifteen digits are always taken as an IMEI and must pass Luhn."""
    raw = _PREFIX.sub("", unicodedata.normalize("NFKC", text).strip())
    compact = _SEPARATORS.sub("", raw).upper()
    if not compact.isascii():
        return "bad_imei" if expected == "imei" else "bad_serial"  # other scripts' digits or letters: never coerced
    digits = sum(c.isdigit() for c in compact)
    if expected == "imei" and 14 <= len(compact) <= 16 and 12 <= digits < len(compact) and set(compact) - set("0123456789") <= _LOOK_ALIKES:
        return "imei_letters"  # "49015420323751O": an IMEI with a letter O for a zero, not a serial number
    if compact.isdigit() and 14 <= len(compact) <= 16:
        if stdnum_imei.is_valid(compact) and len(compact) == 15:
            return DeviceId("imei", compact)
        return "bad_imei"
    if compact.isdigit() and expected == "imei" and len(compact) > 10:
        return "bad_imei"
    if _SERIAL.match(compact) and any(c.isdigit() for c in compact):
        return DeviceId("serial", compact)
    return "bad_imei" if expected == "imei" and compact.isdigit() else "bad_serial"
