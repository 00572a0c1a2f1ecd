"""Ids read from URLs and forms, checked once for every page.

Row ids are PostgreSQL `integer` (int4): a larger number in a URL would make the database driver fail
(a 500) instead of "not found". One parser keeps every page's answer the same: anything that is not a
whole number in the range a row id can have is a 404 (or None for form fields).
"""

from __future__ import annotations

from aiohttp import web

MAX_ID = 2**31 - 1  # the largest PostgreSQL `integer`


def parse_id(value: object, *, minimum: int = 1) -> int | None:
    """The id in `value`, or None when it is not a whole number in minimum..MAX_ID."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if minimum <= number <= MAX_ID else None


def path_id(request: web.Request, name: str, *, minimum: int = 1) -> int:
    """The id named `name` in the URL; 404 when it is missing or no row could have it."""
    number = parse_id(request.match_info.get(name), minimum=minimum)
    if number is None:
        raise web.HTTPNotFound()
    return number
