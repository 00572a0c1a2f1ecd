"""The last questions before the summary: a loaner device (when offered), the customer's name and phone."""

from __future__ import annotations

import re
from typing import Any

from bot.engine.answers.phones import parse_phone, phone_problem
from bot.engine.answers.words import is_no, is_yes
from bot.engine.booking.form import Outcome, Problem, assign
from bot.knowledge.catalog import Catalog

PHONE_EXAMPLES = {"CN": "13800138000", "HK": "9123 4567", "TW": "0912 345 678", "MO": "6612 3456"}
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def phone_region(catalog: Catalog, data: dict[str, Any]) -> str:
    """The region whose phone numbers are expected: the chosen centre's, else mainland China."""
    centre = catalog.centre(data.get("centre", ""))
    return centre.region if centre else "CN"


def phone_example(catalog: Catalog, data: dict[str, Any]) -> str:
    return PHONE_EXAMPLES.get(phone_region(catalog, data), "13800138000")


def answer_loaner(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    if value in ("yes", "no"):
        assign(catalog, bk, "loaner", value == "yes")
        return None
    if value is None and is_yes(text):
        assign(catalog, bk, "loaner", True)
        return None
    if value is None and is_no(text):
        assign(catalog, bk, "loaner", False)
        return None
    return Problem("bad.yes_no")


def answer_name(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    name = " ".join(text.split())
    if value is not None or not _LETTERS.search(name) or len(name) > 40 or sum(c.isdigit() for c in name) > 3:
        return Problem("bad.name")
    assign(catalog, bk, "name", name)
    return None


def answer_phone(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    region = phone_region(catalog, bk["data"])
    example = {"example": phone_example(catalog, bk["data"])}
    if value is None and phone_problem(text, region) == "letters":
        return Problem("bad.phone_letters", example)  # "138OO138OOO": never read letters as keypad digits
    phone = parse_phone(text, region) if value is None else None
    if phone is None:
        return Problem("bad.phone", example)
    assign(catalog, bk, "phone", phone)
    return None
