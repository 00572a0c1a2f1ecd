"""The new-booking form's state: which questions exist, which one is current, and how answers are kept.

The booking being built is a plain dict (`bk`, stored with the conversation). These functions read and
change it; every question's handler and the flow itself share them, so they live apart from both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.engine.booking.matching import key
from bot.engine.booking.warranty import WarrantyStatus, warranty_status
from bot.engine.context import TurnContext
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.knowledge.catalog import MODES, Catalog, ProductModel

NAME = "booking"
PREFIX = "bk."
STEPS = (
    "type",
    "model",
    "serial",
    "fault",
    "purchase",
    "service",
    "city",
    "centre",
    "address",
    "day",
    "slot",
    "loaner",
    "name",
    "phone",
)
CONFIRM = "confirm"
# Questions whose answer is free text: anything is an answer there.
FREE_TEXT_STEPS = ("fault", "name", "address")
# Answers that depend on another one: changing it clears them.
DEPENDENTS: dict[str, tuple[str, ...]] = {
    "type": ("model", "serial", "service", "centre", "day", "slot", "loaner"),
    "model": ("loaner",),
    "purchase": ("loaner",),
    "service": ("centre", "day", "slot", "loaner"),
    "city": ("centre", "day", "slot"),
    "centre": ("day", "slot"),
    "day": ("slot",),
}
# What "change ..." on the summary clears, per group.
CHANGE_GROUPS: dict[str, tuple[str, ...]] = {
    "product": ("type", "model"),
    "serial": ("serial",),
    "fault": ("fault",),
    "purchase": ("purchase",),
    "service": ("service",),
    "centre": ("city", "centre"),
    "time": ("day", "slot"),
    "address": ("address",),
    "loaner": ("loaner",),
    "contact": ("name", "phone"),
}


@dataclass
class Problem:
    """A bad answer: the message key explaining it, and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class _Handled:
    """The handler replied itself (a "did you mean", a photo acknowledgement): nothing more to do."""


HANDLED = _Handled()
# The answer changed what the current question offers (a refused "did you mean", a part of the day):
# the flow asks the current question again, then treats the answer as HANDLED.
ASK_AGAIN = _Handled()
Outcome = Problem | _Handled | None  # None: the answer was taken


def option(label: str, value: str) -> Option:
    """A booking choice: a button on Telegram, a numbered line elsewhere."""
    return Option(label, Action(ActionKind.INTENT, PREFIX + value))


def booking_action(action: Action | None) -> tuple[str, str] | None:
    """("model", "x20pro") for a booking button, None for anything else."""
    if action is None or action.kind is not ActionKind.INTENT or not action.value.startswith(PREFIX):
        return None
    step, _, value = action.value[len(PREFIX) :].partition(".")
    return step, value


def leave(ctx: TurnContext) -> None:
    """End the flow: the conversation no longer has a booking in progress."""
    ctx.state.pop("flow", None)
    ctx.state.pop("booking", None)


def ask(ctx: TurnContext, bk: dict[str, Any], text: str, kind: ReplyKind, options: tuple[Option, ...]) -> None:
    """Reply with options, remembering their labels so typing a label works like pressing it."""
    bk["choices"] = {key(o.label): o.action.value for o in options if booking_action(o.action) is not None}
    ctx.reply(text, kind, options)


def typed_choice(bk: dict[str, Any], text: str, action: Action | None) -> Action | None:
    """An option label typed in words ("不记得了", "Confirm booking") stands for the option."""
    if action is not None or not text:
        return action
    value = (bk.get("choices") or {}).get(key(text))
    return Action(ActionKind.INTENT, value) if value else None


def model_of(catalog: Catalog, data: dict[str, Any]) -> ProductModel | None:
    return catalog.model(data["model"]) if "model" in data else None


def warranty_of(catalog: Catalog, data: dict[str, Any], today: dt.date) -> WarrantyStatus:
    model = model_of(catalog, data)
    purchase = data.get("purchase")
    if model is None or not purchase:
        return WarrantyStatus("unknown")
    first, last = dt.date.fromisoformat(purchase["first"]), dt.date.fromisoformat(purchase["last"])
    return warranty_status(model, first, last, today)


def loaner_offered(catalog: Catalog, data: dict[str, Any], today: dt.date) -> bool:
    """A loaner is offered for in-warranty store repairs of products that have loaners."""
    model = model_of(catalog, data)
    return bool(
        model
        and model.loaner
        and data.get("service") == "store"
        and "purchase" in data
        and warranty_of(catalog, data, today).state == "in"
    )


def modes_for(catalog: Catalog, data: dict[str, Any]) -> list[str]:
    """Service modes for this product (and city, once known) that some centre offers."""
    model = model_of(catalog, data)
    offered = catalog.modes_offered(data.get("city"))
    return [m for m in (model.modes if model else MODES) if m in offered]


def applies(catalog: Catalog, step: str, data: dict[str, Any], today: dt.date) -> bool:
    if step == "address":
        return data.get("service") in ("onsite", "courier")
    if step == "loaner":
        return loaner_offered(catalog, data, today)
    return True


def current_step(catalog: Catalog, bk: dict[str, Any], today: dt.date) -> str:
    """The current question: the first one still unanswered that applies, else the confirmation."""
    data = bk["data"]
    for step in STEPS:
        if step not in data and applies(catalog, step, data, today):
            return step
    return CONFIRM


def assign(catalog: Catalog, bk: dict[str, Any], name: str, value: Any) -> None:
    """Take an answer; a changed answer clears the answers that depended on it."""
    data, old = bk["data"], bk["old"]
    previous = data[name] if name in data else old.pop(name, None)
    data[name] = value
    if previous is not None and previous != value:
        for dependent in DEPENDENTS.get(name, ()):
            data.pop(dependent, None)
            old.pop(dependent, None)
    # Answers that no longer fit (the new model is not serviced on-site, the centre is in another city).
    if "service" in data and "model" in data and data["service"] not in modes_for(catalog, data):
        data.pop("service")
        for dependent in DEPENDENTS["service"]:
            data.pop(dependent, None)
    bk.pop("suggest", None)
    bk.pop("filter", None)


def sanitize(catalog: Catalog, bk: dict[str, Any]) -> None:
    """Forget answers the knowledge no longer has (the operator removed a model or a centre meanwhile)."""
    data = bk["data"]
    checks = (
        ("type", lambda v: catalog.product_type(v) is not None),
        ("model", lambda v: catalog.model(v) is not None and catalog.model(v).type_id == data.get("type")),
        ("city", lambda v: bool(catalog.centres_in(v))),
        ("centre", lambda v: catalog.centre(v) is not None and catalog.centre(v).city_key == data.get("city")),
    )
    for name, valid in checks:
        if name in data and not valid(data[name]):
            data.pop(name)
            for dependent in DEPENDENTS.get(name, ()):
                data.pop(dependent, None)
    if "service" in data and (
        data["service"] not in MODES or ("model" in data and data["service"] not in modes_for(catalog, data))
    ):
        data.pop("service")
        for dependent in DEPENDENTS["service"]:
            data.pop(dependent, None)
    centre = catalog.centre(data.get("centre", ""))
    if centre is not None and data.get("service") not in centre.modes:
        for name in ("centre", "day", "slot"):
            data.pop(name, None)


def back(catalog: Catalog, bk: dict[str, Any], today: dt.date) -> bool:
    """Remove the last answer given before the current question; False at the first question."""
    data = bk["data"]
    bk.pop("suggest", None)
    bk.pop("filter", None)
    bk.pop("editing", None)
    current = current_step(catalog, bk, today)
    index = STEPS.index(current) if current in STEPS else len(STEPS)
    auto = bk.get("auto") or []
    for step in reversed(STEPS[:index]):
        if step in data and applies(catalog, step, data, today):
            bk["old"][step] = data.pop(step)
            bk["fails"] = 0
            if step in auto:  # chosen by the bot (the only centre): go back to the customer's own answer
                auto.remove(step)
                continue
            return True
    return False
