"""Text from outside made safe to store, match and send back.

A channel can hand us what no database or encoder accepts: lone UTF-16 surrogates (a JSON body with
"\\ud800", bytes read from a terminal that are not UTF-8) and NUL (PostgreSQL text cannot hold it).
Every channel passes customer text through `storable` at its boundary, and storage does again as the
last line of defence, so such a message is kept (with U+FFFD where a character could not be) and
answered like any other instead of crashing the turn.
"""

from __future__ import annotations


def storable(text: str) -> str:
    """`text` with lone surrogates and NUL replaced by U+FFFD; a surrogate pair becomes its character."""
    if text.isascii():
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Round-trip through UTF-16 so that a pair written as two escapes becomes the one character it
        # names, and only the lone halves become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.replace("\x00", "\ufffd")


def storable_or_none(text: str | None) -> str | None:
    """`storable` for optional text."""
    return None if text is None else storable(text)
