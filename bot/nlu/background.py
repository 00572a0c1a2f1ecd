"""The matcher's out-of-scope class: the shipped background sentences and the operator's off-topic list.

A sentence of that class close to one of the operator's own texts would fight it (the same words
voting both ways), so it is left out: `close_to` is the one rule for that, used by the matcher when it
trains and by `kb check` to tell the operator which of their off-topic messages it left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources

from rapidfuzz import fuzz, process

from bot.nlu.normalize import normalize

CLOSE = 85  # rapidfuzz ratio of normalised texts from which a background sentence counts as the operator's


def load_background() -> list[str]:
    """The shipped background sentences: generic, off-topic messages in three languages."""
    path = resources.files("bot.nlu.data").joinpath("background.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def known_texts(texts: Iterable[str]) -> list[str]:
    """Texts normalised and sorted, as `close_to` and `unlike` compare with them."""
    return sorted({n for n in (normalize(t) for t in texts) if n})


def close_to(sentence: str, known: Sequence[str]) -> str | None:
    """The known (normalised) text a sentence is too close to, if any."""
    norm = normalize(sentence)
    if not norm or not known:
        return None
    found = process.extractOne(norm, known, scorer=fuzz.ratio, processor=None, score_cutoff=CLOSE)
    return found[0] if found else None


def unlike(background: Sequence[str], known: Sequence[str]) -> list[str]:
    """Background sentences minus empty ones and those close to one of the operator's own texts."""
    return [s for s in background if normalize(s) and close_to(s, known) is None]
