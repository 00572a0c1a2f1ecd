"""Which language a booking flow answers in: answers are often names and numbers, which switch nothing.

Model names, IMEIs, a person's name or a city read as "English" or "Chinese" to the language detector;
the flow keeps its language unless the message is a real sentence in another one.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.context import TurnContext
from bot.engine.language import without_names
from bot.engine.types import Inbound
from bot.knowledge.catalog import Catalog
from bot.settings import LANGUAGES

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def keep_language(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], inbound: Inbound) -> None:
    """Answers in a flow are often model names, IMEIs, names or a city: they don't change the language.

    The flow keeps the language it runs in unless the message is a real sentence in another one
    (three English words, or four Chinese characters; between the two Chinese scripts, two).
    """
    flow_language = bk.get("language")
    if flow_language not in LANGUAGES or inbound.action is not None:
        bk["language"] = ctx.language
        return
    text = without_product_names(catalog, inbound.text or "")
    if ctx.language != flow_language:
        cjk = len(_CJK.findall(text))
        latin_words = len(_LATIN_WORD.findall(text))
        switch = (
            (ctx.language == "en" and latin_words >= 3 and cjk == 0)
            or (ctx.language != "en" and flow_language == "en" and cjk >= 4)
            or (ctx.language != "en" and flow_language != "en" and cjk >= 2)
        )
        if not switch:
            ctx.language = flow_language
    bk["language"] = ctx.language


def without_product_names(catalog: Catalog, text: str) -> str:
    """The answer without the catalogue's model and type names, numbers and codes: none is a sentence."""
    names = sorted(
        {n for m in catalog.models for n in (m.name, *m.aliases)}
        | {n for t in catalog.types for n in (*t.name.values(), *t.aliases) if n.isascii()},
        key=len,
        reverse=True,
    )
    for name in names:
        if len(name) >= 2:
            text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", text, flags=re.IGNORECASE)
    return without_names(text)
