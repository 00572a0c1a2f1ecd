"""The questions about the product: type, model (with "did you mean"), serial / IMEI, fault, purchase date.

Each `answer_*` function takes a typed answer (`text`) or a pressed option (`value`) and returns an
Outcome (see form.py): None when taken, a Problem to re-ask, ASK_AGAIN or HANDLED.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.engine.answers.dates import DateSpan, parse_purchase_date
from bot.engine.answers.identifiers import DeviceId, parse_device_id
from bot.engine.answers.words import is_no, is_skip, is_yes
from bot.engine.booking import render
from bot.engine.booking.form import (
    ASK_AGAIN,
    HANDLED,
    Outcome,
    Problem,
    ask,
    assign,
    model_of,
    option,
    warranty_of,
)
from bot.engine.booking.matching import match_model, match_type, model_in_text
from bot.engine.booking.messages import say
from bot.engine.booking.warranty import EXCHANGE_DAYS, RETURN_DAYS
from bot.engine.context import TurnContext
from bot.engine.types import ReplyKind
from bot.knowledge.catalog import Catalog, ProductModel
from bot.settings import Language

MAX_FAULT_CHARS = 500
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def suggest(ctx: TurnContext, bk: dict[str, Any], step: str, models: list[ProductModel]) -> Outcome:
    """Ask "did you mean ..." with the close models as options."""
    bk["suggest"] = [m.id for m in models]
    language = ctx.language
    options = tuple(option(m.name, f"{step}.m-{m.id}") for m in models)
    options += (option(say("option.none_of_these", language), f"{step}.none"),)
    question = (
        say("did_you_mean", language, name=models[0].name) if len(models) == 1 else say("did_you_mean_many", language)
    )
    ask(ctx, bk, question, ReplyKind.CLARIFY, options)
    return HANDLED


def take_suggestion(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> ProductModel | None | bool:
    """A pending "did you mean": the model chosen, False for "none of these", None when not an answer to it."""
    suggested = bk.get("suggest") or []
    if not suggested:
        return None
    if value == "none" or (value is None and is_no(text)):
        bk.pop("suggest", None)
        return False
    if value is not None and value.startswith("m-"):
        return catalog.model(value[2:]) if value[2:] in suggested else None
    if value is None and is_yes(text):
        return catalog.model(suggested[0])
    return None


def set_model(catalog: Catalog, bk: dict[str, Any], model: ProductModel) -> None:
    assign(catalog, bk, "type", model.type_id)
    assign(catalog, bk, "model", model.id)


def _suggestion_taken(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome | bool:
    """The answer to a pending "did you mean" (a model taken: None, "none of these": ASK_AGAIN), else False."""
    chosen = take_suggestion(catalog, bk, text, value)
    if isinstance(chosen, ProductModel):
        set_model(catalog, bk, chosen)
        return None
    if chosen is False:
        return ASK_AGAIN
    return False


def answer_type(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    taken = _suggestion_taken(catalog, bk, text, value)
    if taken is not False:
        return taken
    if value is not None:
        if catalog.product_type(value) is None:
            return Problem("bad.type")
        assign(catalog, bk, "type", value)
        return None
    product_type = match_type(catalog, text)
    if product_type is not None:
        assign(catalog, bk, "type", product_type.id)
        model = model_in_text(catalog, text)
        if model is not None and model.type_id == product_type.id:
            assign(catalog, bk, "model", model.id)
        return None
    found = match_model(catalog, text)
    if found.sure is not None:
        set_model(catalog, bk, found.sure)
        return None
    if found.suggestions:
        return suggest(ctx, bk, "type", list(found.suggestions))
    return Problem("bad.type")


def answer_model(catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    taken = _suggestion_taken(catalog, bk, text, value)
    if taken is not False:
        return taken
    if value is not None:
        model = catalog.model(value)
        if model is None:
            return Problem("bad.model", {"text": value})
        set_model(catalog, bk, model)
        return None
    found = match_model(catalog, text, bk["data"]["type"])
    if found.sure is not None:
        set_model(catalog, bk, found.sure)
        return None
    if found.suggestions:
        return suggest(ctx, bk, "model", list(found.suggestions))
    product_type = match_type(catalog, text)
    if product_type is not None and product_type.id != bk["data"]["type"]:
        assign(catalog, bk, "type", product_type.id)  # "oh, it's the laptop actually"
        return None
    return Problem("bad.model", {"text": text[:40]})


def answer_serial(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    if value == "skip" or (value is None and is_skip(text)):
        assign(catalog, bk, "serial", None)
        return None
    if value is not None:
        return Problem("bad.serial")
    model = model_of(catalog, bk["data"])
    parsed = parse_device_id(text, model.identifier if model else "serial")
    if isinstance(parsed, DeviceId):
        assign(catalog, bk, "serial", {"kind": parsed.kind, "value": parsed.value})
        return None
    return Problem({"bad_imei": "bad.imei", "imei_letters": "bad.imei_letters"}.get(parsed, "bad.serial"))


def answer_fault(catalog: Catalog, bk: dict[str, Any], text: str, value: str | None) -> Outcome:
    if value is not None or len(LETTERS.findall(text)) < 2:
        return Problem("bad.fault")
    assign(catalog, bk, "fault", text[:MAX_FAULT_CHARS])
    return None


def answer_purchase(
    catalog: Catalog, ctx: TurnContext, bk: dict[str, Any], text: str, value: str | None, today: dt.date
) -> Outcome:
    if value == "skip" or (value is None and is_skip(text)):
        assign(catalog, bk, "purchase", None)
        ctx.reply(say("warranty.unknown", ctx.language), ReplyKind.INFO)
        return None
    if value is not None:
        return Problem("bad.purchase")
    parsed = parse_purchase_date(text, today)
    if not isinstance(parsed, DateSpan):
        return Problem(
            {"unparsed": "bad.purchase", "future": "bad.purchase_future", "too_old": "bad.purchase_old"}[parsed]
        )
    assign(catalog, bk, "purchase", {"first": parsed.first.isoformat(), "last": parsed.last.isoformat()})
    ctx.reply(warranty_message(catalog, bk["data"], parsed, ctx.language, today), ReplyKind.INFO)
    return None


def warranty_message(catalog: Catalog, data: dict[str, Any], span: DateSpan, language: Language, today: dt.date) -> str:
    """What the purchase date means: in or out of warranty, until when, and the promises that apply."""
    model = model_of(catalog, data)
    product_type = catalog.product_type(data["type"])
    assert model is not None and product_type is not None
    status = warranty_of(catalog, data, today)
    assert status.until is not None
    values = {
        "model": model.name,
        "date": render.purchase(span.first, span.last, language),
        "policy": model.warranty.summary[language],
        "until": render.full_date(status.until, language),
    }
    if status.state == "in":
        lines = [say("warranty.in", language, **values)]
        if product_type.replacement_promise:
            lines.append(say("warranty.promise", language))
        if status.days_owned is not None and status.days_owned <= RETURN_DAYS:
            lines.append(say("warranty.return", language, days=RETURN_DAYS))
        elif status.days_owned is not None and status.days_owned <= EXCHANGE_DAYS:
            lines.append(say("warranty.exchange", language, days=EXCHANGE_DAYS))
    else:
        lines = [say("warranty.out", language, **values)]
    if not span.exact:
        lines.append(say("warranty.approx", language))
    return "\n".join(lines)
