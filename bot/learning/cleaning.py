"""Personal data out of customers' messages before they are clustered, stored as suggestions or shown.

A suggestion is read by supervisors and may end up in the operator's repository as an example question:
it must not carry a customer's phone number, e-mail, device IMEI or serial, or ticket number. Each is
replaced by a placeholder (`{phone}`, `{email}`, `{imei}`, `{serial}`, `{ticket}`, `{number}`), so
"my IMEI is 356938035643809, is it under warranty?" and "my IMEI is 861234567890123, is it under
warranty?" become the same question. `as_example` drops the placeholders again for training text.

Phone numbers are found by Google's libphonenumber (`phonenumbers.PhoneNumberMatcher`) for the regions
the bot's customers write from (mainland China, Hong Kong, Taiwan, and international +numbers); the rest
are patterns: the bot's own ticket formats (bot.storage.tickets), long digit runs (IMEIs are 15 digits,
MEIDs 14), and serial-like codes mixing letters and digits.
"""

from __future__ import annotations

import re

import phonenumbers

from bot.storage.booking import BOOKING_TICKETS
from bot.storage.forms import FORM_TICKETS

__all__ = ["PLACEHOLDERS", "as_example", "clean"]

PHONE_REGIONS = ("CN", "HK", "TW", "US")
PLACEHOLDERS = ("{phone}", "{email}", "{imei}", "{serial}", "{ticket}", "{number}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# 15 or 16 digits, maybe grouped by spaces or dashes: IMEI (15), IMEISV (16).
_IMEI = re.compile(r"(?<![0-9A-Za-z])(?:\d[ \-]?){14,15}\d(?![0-9A-Za-z])")
# A code of 8+ letters and digits with at least 4 digits and 2 letters: serial numbers (C02XK1ZJJG5J),
# not model names (X20, iPhone15, SM-G9980 stay).
_SERIAL = re.compile(r"(?<![0-9A-Za-z])(?=(?:[A-Za-z]*\d){4})(?=(?:\d*[A-Za-z]){2})[A-Za-z0-9]{8,}(?![0-9A-Za-z])")
# Whatever long number is left (orders, accounts): 6 digits or more.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){5,}(?![0-9A-Za-z])")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
_SPACES = re.compile(r"[ \t]+")


def _phones(text: str) -> str:
    for region in PHONE_REGIONS:
        found = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)]
        for start, end in reversed(found):
            text = text[:start] + "{phone}" + text[end:]
    return text


def clean(text: str | None) -> str:
    """`text` with e-mails, ticket numbers, IMEIs, phone numbers, serials and long numbers replaced."""
    if not text:
        return ""
    text = _EMAIL.sub("{email}", text)
    for tickets in (BOOKING_TICKETS, FORM_TICKETS):
        text = tickets.pattern.sub(lambda m, t=tickets: "{ticket}" if t.find(m.group(0)) else m.group(0), text)
    text = _IMEI.sub("{imei}", text)
    text = _phones(text)
    text = _SERIAL.sub("{serial}", text)
    text = _LONG_NUMBER.sub("{number}", text)
    return _SPACES.sub(" ", text).strip()


def as_example(text: str) -> str:
    """A cleaned message as an example question: the placeholders dropped (they are no words customers
    type), spaces tidied."""
    text = _PLACEHOLDER.sub(" ", text)
    return _SPACES.sub(" ", re.sub(r"\s+([,.?!，。？！、])", r"\1", text)).strip()
