"""The questions about where the repair happens: the service mode, the city, the centre, the address.

Also the "no dead ends" rules for centres: a city with one centre for the service gets it chosen (and
said) instead of asked, and naming that centre at the next question is no mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.engine.answers.words import is_yes, key
from bot.engine.booking import render
from bot.engine.booking.form import (
    Outcome,
    Problem,
    assign,
    modes_for,
    option,
    warranty_of,
)
from bot.engine.booking.matching import centre_in_text, match_centre, match_city
from bot.engine.booking.messages import say
from bot.engine.context import TurnContext
from bot.engine.types import Option, ReplyKind
from bot.knowledge.catalog import MODES, Catalog
from bot.settings import Language

MODE_WORDS: dict[str, tuple[str, ...]] = {
    "store": (
        "到店",
        "门店",
        "送修",
        "自己送",
        "服务中心",
        "店里",
        "到服务中心",
        "store",
        "shop",
        "walk in",
        "in store",
        "centre",
        "center",
        "myself",
        "drop off",
    ),
    "onsite": (
        "上门",
        "到府",
        "到家",
        "家里",
        "上门维修",
        "on site",
        "onsite",
        "home visit",
        "visit",
        "come to me",
        "at home",
        "engineer",
    ),
    "courier": ("寄修", "快递", "邮寄", "取件", "收件", "寄送", "courier", "pickup", "pick up", "mail", "post", "ship"),
}


def service_question(
    catalog: Catalog, data: dict[str, Any], language: Language, today: dt.date
) -> tuple[str, tuple[Option, ...]]:
    product_type = catalog.product_type(data["type"])
    assert product_type is not None
    in_warranty = warranty_of(catalog, data, today).state == "in"
    options = []
    for mode in modes_for(catalog, data):
        if mode == "onsite":
            free = in_warranty and product_type.onsite_free_in_warranty
            label = say("mode.onsite.free" if free else "mode.onsite.fee", language, fee=product_type.onsite_fee)
        else:
            label = say(f"mode.{mode}.label", language)
        options.append(option(label, f"service.{mode}"))
    return say("ask.service", language), tuple(options)


def city_question(catalog: Catalog, data: dict[str, Any], language: Language) -> tuple[str, tuple[Option, ...]]:
    cities = catalog.cities(data.get("service"))
    names = say("list.separator", language).join(c.city[language] for c in cities)
    text = say("ask.city", language, cities=names)
    return text, tuple(option(c.city[language], f"city.{c.city_key}") for c in cities[:10])


def centre_question(catalog: Catalog, data: dict[str, Any], language: Language) -> tuple[str, tuple[Option, ...]]:
    centres = catalog.centres_in(data["city"], data.get("service"))
    lines = "\n".join(f"• {render.centre_line(c, language)}\n  {render.hours_text(c, language)}" for c in centres)
    text = say(f"ask.centre.{data['service']}", language, city=centres[0].city[language], centres=lines)
    return text, tuple(option(c.name[language], f"centre.{c.id}") for c in centres)


def answer_service(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    allowed = modes_for(catalog, bk["data"])
    mode = value
    if mode is None:
        compact = key(text)
        hits = [m for m, words in MODE_WORDS.items() if any(key(w) in compact for w in words)]
        if len(hits) != 1:
            hits = [m for m in MODES if key(say(f"mode.{m}", ctx.language)) in compact] or hits
        mode = hits[0] if len(hits) == 1 else None
    if mode in allowed:
        assign(catalog, bk, "service", mode)
        return None
    if mode in MODES:
        return Problem("bad.service_unavailable", {"mode": say(f"mode.{mode}", ctx.language)})
    return Problem("bad.service")


def answer_city(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    data = bk["data"]
    language = ctx.language
    if value is not None:
        city = value if catalog.centres_in(value) else None
    else:
        found = match_city(catalog, text)
        city = found.sure or (found.suggestions[0] if len(found.suggestions) == 1 else None)
    if city is None:
        names = say("list.separator", language).join(c.city[language] for c in catalog.cities(data.get("service")))
        return Problem("bad.city", {"cities": names})
    centres = catalog.centres_in(city, data.get("service"))
    if not centres:
        # The city has centres, but none offers the chosen service: keep the city, ask the service again.
        name = catalog.centres_in(city)[0].city[language]
        mode = say(f"mode.{data['service']}", language)
        assign(catalog, bk, "city", city)
        bk["old"].pop("service", None)
        data.pop("service", None)
        ctx.reply(say("city.mode_unavailable", language, city=name, mode=mode), ReplyKind.INFO)
        return None
    assign(catalog, bk, "city", city)
    if value is None:
        centre = centre_in_text(centres, text)
        if centre is not None:
            assign(catalog, bk, "centre", centre.id)
    return None


def answer_centre(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    data = bk["data"]
    centres = catalog.centres_in(data["city"], data.get("service"))
    if value is not None:
        centre = next((c for c in centres if c.id == value), None)
    else:
        centre = match_centre(centres, text)
        if centre is None and len(centres) == 1 and is_yes(text):
            centre = centres[0]
    if centre is None:
        return Problem("bad.centre")
    assign(catalog, bk, "centre", centre.id)
    bk.pop("auto", None)  # the customer's own choice
    return None


def answer_address(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    if value is not None or len(re.findall(r"[^\W_]", text)) < 5:
        return Problem("bad.address")
    assign(catalog, bk, "address", text[:200])
    return None


def take_only_centre(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any]) -> bool:
    """A city with one centre for the service: take it and say so, instead of asking to choose it."""
    data = bk["data"]
    centres = catalog.centres_in(data["city"], data.get("service"))
    if len(centres) != 1:
        return False
    assign(catalog, bk, "centre", centres[0].id)
    bk["auto"] = ["centre"]  # "back" from the next question goes past it, to the city
    line = render.centre_line(centres[0], ctx.language)
    ctx.reply(say("centre.only", ctx.language, city=centres[0].city[ctx.language], centre=line), ReplyKind.INFO)
    return True


def names_chosen_centre(catalog: Catalog, bk: dict[str, Any], step: str, text: str) -> bool:
    """The centre the bot chose, named at the next question ("天河"): no mistake, just ask that question again."""
    centre = catalog.centre(bk["data"].get("centre", ""))
    if centre is None or step not in ("address", "day") or not text:
        return False
    return match_centre([centre], text) is centre
