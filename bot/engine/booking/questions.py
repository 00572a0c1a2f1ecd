"""The wording and options of the booking questions that need nothing but the answers so far.

One function per question, named in the field list (fields.py). The day and time questions look up
free slots (day_time.py) and the summary has its own module (summary.py).
"""

from __future__ import annotations

from bot.engine.booking.centre_steps import (
    centre_question,
    city_question,
    service_question,
)
from bot.engine.booking.contact_steps import phone_example
from bot.engine.booking.draft import BookingTurn
from bot.engine.booking.form import model_of, option
from bot.engine.booking.messages import say
from bot.engine.forms.field import Question


async def ask_type(s: BookingTurn) -> Question:
    return Question(say("ask.type", s.language), tuple(option(t.name[s.language], f"type.{t.id}") for t in s.catalog.types))


async def ask_model(s: BookingTurn) -> Question:
    product_type = s.catalog.product_type(s.data["type"])
    assert product_type is not None
    models = product_type.models
    text = say("ask.model", s.language, type=product_type.name[s.language], example=models[0].name)
    return Question(text, tuple(option(m.name, f"model.{m.id}") for m in models[:8]))


async def ask_serial(s: BookingTurn) -> Question:
    model = model_of(s.catalog, s.data)
    text = say("ask.imei" if model and model.identifier == "imei" else "ask.serial", s.language)
    return Question(text, (option(say("option.skip", s.language), "serial.skip"),))


async def ask_fault(s: BookingTurn) -> Question:
    return Question(say("ask.fault", s.language))


async def ask_purchase(s: BookingTurn) -> Question:
    return Question(say("ask.purchase", s.language), (option(say("option.dont_know", s.language), "purchase.skip"),))


async def ask_service(s: BookingTurn) -> Question:
    return Question(*service_question(s.catalog, s.data, s.language, s.today))


async def ask_city(s: BookingTurn) -> Question:
    return Question(*city_question(s.catalog, s.data, s.language))


async def ask_centre(s: BookingTurn) -> Question:
    return Question(*centre_question(s.catalog, s.data, s.language))


async def ask_address(s: BookingTurn) -> Question:
    return Question(say(f"ask.address.{s.data['service']}", s.language))


async def ask_loaner(s: BookingTurn) -> Question:
    return Question(
        say("ask.loaner", s.language),
        (
            option(say("option.loaner_yes", s.language), "loaner.yes"),
            option(say("option.loaner_no", s.language), "loaner.no"),
        ),
    )


async def ask_name(s: BookingTurn) -> Question:
    return Question(say("ask.name", s.language))


async def ask_phone(s: BookingTurn) -> Question:
    return Question(say("ask.phone", s.language, example=phone_example(s.catalog, s.data)))
