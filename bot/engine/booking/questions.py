"""The wording and options of the booking questions that need nothing but the answers so far.

The day and time questions look up free slots and the summary has its own module (day_time.py,
summary.py); the flow asks those itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.engine.booking.centre_steps import (
    centre_question,
    city_question,
    service_question,
)
from bot.engine.booking.contact_steps import phone_example
from bot.engine.booking.form import model_of, option
from bot.engine.booking.messages import say
from bot.engine.types import Option
from bot.knowledge.catalog import Catalog
from bot.settings import Language

# The questions `plain_question` words.
PLAIN_STEPS = frozenset(
    {"type", "model", "serial", "fault", "purchase", "service", "city", "centre", "address", "loaner", "name", "phone"}
)


def plain_question(
    catalog: Catalog, step: str, data: dict[str, Any], language: Language, today: dt.date
) -> tuple[str, tuple[Option, ...]]:
    """The text and options of question `step` (one of PLAIN_STEPS)."""
    if step == "type":
        return say("ask.type", language), tuple(option(t.name[language], f"type.{t.id}") for t in catalog.types)
    if step == "model":
        product_type = catalog.product_type(data["type"])
        assert product_type is not None
        models = product_type.models
        text = say("ask.model", language, type=product_type.name[language], example=models[0].name)
        return text, tuple(option(m.name, f"model.{m.id}") for m in models[:8])
    if step == "serial":
        model = model_of(catalog, data)
        text = say("ask.imei" if model and model.identifier == "imei" else "ask.serial", language)
        return text, (option(say("option.skip", language), "serial.skip"),)
    if step == "fault":
        return say("ask.fault", language), ()
    if step == "purchase":
        return say("ask.purchase", language), (option(say("option.dont_know", language), "purchase.skip"),)
    if step == "service":
        return service_question(catalog, data, language, today)
    if step == "city":
        return city_question(catalog, data, language)
    if step == "centre":
        return centre_question(catalog, data, language)
    if step == "address":
        return say(f"ask.address.{data['service']}", language), ()
    if step == "loaner":
        return say("ask.loaner", language), (
            option(say("option.loaner_yes", language), "loaner.yes"),
            option(say("option.loaner_no", language), "loaner.no"),
        )
    if step == "name":
        return say("ask.name", language), ()
    if step == "phone":
        return say("ask.phone", language, example=phone_example(catalog, data)), ()
    raise ValueError(f"not a plain question: {step}")
