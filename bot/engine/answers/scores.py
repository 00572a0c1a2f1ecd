"""A satisfaction score as customers type it: "4", "５", "4分", "五星", "5 stars".

Here, below the hand-off, because two surveys read it: the hand-off's after an agent closed a
conversation (bot/handoff/survey.py) and the repair ticket's after a repair closed
(bot/engine/ticket_survey.py); the engine may not import the hand-off.
"""

from __future__ import annotations

import re
import unicodedata

_SCORE = re.compile(r"^\s*([1-5一二三四五])\s*(分|星|颗星|顆星|stars?|/\s*5)?\s*[.。!！]?\s*$", re.IGNORECASE)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def parse_score(text: str | None) -> int | None:
    """A satisfaction score typed as text: "4", "５", "4分", "五星", "5 stars"; None for anything else."""
    if not text:
        return None
    match = _SCORE.match(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    value = match.group(1)
    return _CN_DIGITS.get(value) or int(value)
