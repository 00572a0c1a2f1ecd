"""The language a browser asks for in its Accept-Language header, among the three the bot speaks.

One parser for the staff console (bot/web/templating.py) and the customer web chat
(bot/channels/web/sites.py `pick_language`). Quality values are honoured: the
first language by preference that we speak wins, equal qualities keep the header's order, and
`q=0` means "not this one".
"""

from __future__ import annotations

from bot.settings import Language


def language_of_tag(tag: str) -> Language | None:
    """zh-TW / zh-HK / zh-MO / zh-Hant-* -> zh-Hant, other zh -> zh-Hans, en-* -> en; else None."""
    tag = tag.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        traditional = ("hant", "-tw", "-hk", "-mo")
        return "zh-Hant" if any(mark in tag for mark in traditional) else "zh-Hans"
    if tag.startswith("en"):
        return "en"
    return None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def accept_language(header: str | None) -> Language | None:
    """The most preferred language of an Accept-Language header that we speak; None when none is."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "")[:1000].split(",")):
        tag, _, params = item.partition(";")
        quality = _quality(params)
        if quality > 0:
            ranked.append((-quality, index, tag))
    for _quality_rank, _index, tag in sorted(ranked):
        if found := language_of_tag(tag):
            return found
    return None
