"""A number the customer typed to pick one of the options they were shown (console and SMS have no buttons).

One parser for the engine and the channels, so "1", "１", "1." and "1。" mean the same everywhere, and
look-alikes that NFKC would also turn into digits ("①", "²", another script's digits) mean nothing.
"""

from __future__ import annotations

import re

# ASCII or full-width digits, then at most one closing mark as keyboards add them ("1.", "2)", "3。").
_TYPED_NUMBER = re.compile(r"([0-9\uff10-\uff19]{1,3})[.)。．）、]?")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def typed_number(text: str | None) -> int | None:
    """The option number the whole message stands for, or None when it is anything else."""
    if not text:
        return None
    match = _TYPED_NUMBER.fullmatch(text.strip())
    return int(match.group(1).translate(_FULL_WIDTH_DIGITS)) if match else None
