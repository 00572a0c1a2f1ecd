"""Serial numbers and IMEIs as customers type them (spaces, dashes, full-width digits).

IMEIs are checked with `python-stdnum` (length and the Luhn check digit); a serial number is 6 to 20
letters and digits with at least one digit.
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

IdentifierProblem = Literal["bad_imei", "bad_serial"]


@dataclass(frozen=True)
class DeviceId:
    """A validated identifier: its kind and canonical form."""

    kind: Literal["imei", "serial"]
    value: str


def parse_device_id(text: str, expected: Literal["imei", "serial"]) -> DeviceId | IdentifierProblem:
    """Read an IMEI or a serial number. Fifteen digits are always taken as an IMEI and must pass Luhn."""
    raw = _PREFIX.sub("", unicodedata.normalize("NFKC", text).strip())
    compact = _SEPARATORS.sub("", raw).upper()
    if compact.isdigit() and 14 <= len(compact) <= 16:
        if stdnum_imei.is_valid(compact) and len(compact) == 15:
            return DeviceId("imei", compact)
        return "bad_imei"
    if compact.isdigit() and expected == "imei" and len(compact) > 10:
        return "bad_imei"
    if _SERIAL.match(compact) and any(c.isdigit() for c in compact):
        return DeviceId("serial", compact)
    return "bad_imei" if expected == "imei" and compact.isdigit() else "bad_serial"
