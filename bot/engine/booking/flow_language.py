"""Which language a booking flow answers in: answers are often names and numbers, which switch nothing.

Model names, IMEIs, a person's name or a city read as "English" or "Chinese" to the language detector;
the flow keeps its language unless the message is a real sentence in another one.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.context import TurnContext
from bot.engine.language import keep_flow_language, without_names
from bot.engine.types import Inbound
from bot.knowledge.catalog import Catalog


def keep_language(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], inbound: Inbound) -> None:
    """Answers in a flow are often model names, IMEIs, names or a city: they don't change the language."""
    text = without_product_names(catalog, inbound.text or "")
    bk["language"] = keep_flow_language(ctx, bk.get("language"), text, inbound.action is not None)


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
