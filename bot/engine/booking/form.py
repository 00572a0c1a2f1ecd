"""The new-booking form's state: how answers are kept, and which answers depend on which.

The booking being built is a plain dict (`bk`, stored with the conversation; draft.py is its typed
view). These functions read and change it; every question's handler and the flow share them. The
questions themselves, in order, are in fields.py; DEPENDENTS stays here because every handler's
`assign` needs it and fields.py imports the handlers (declaring it there would be an import cycle).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.engine.answers.words import key
from bot.engine.booking.names import NAME, PREFIX
from bot.engine.booking.warranty import WarrantyStatus, warranty_status
from bot.engine.context import TurnContext
from bot.engine.forms.field import ASK_AGAIN, HANDLED, Refusal, Signal, button
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.knowledge.catalog import MODES, Catalog, ProductModel

__all__ = [
    "ASK_AGAIN", "CONFIRM", "DEPENDENTS", "HANDLED", "NAME", "PREFIX", "Outcome", "Problem", "ask", "assign",
    "booking_action", "leave", "loaner_offered", "model_of", "modes_for", "option", "sanitize", "typed_choice",
    "warranty_of",
]

CONFIRM = "confirm"  # the summary: asked once no field is left (the fields are in fields.py)
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
# A refused answer, and what a field's answer handler may return besides (bot.engine.forms.field).
Problem = Refusal
Outcome = Refusal | Signal | None  # None: the answer was taken


def option(label: str, value: str) -> Option:
    """A booking choice: a button on Telegram, a numbered line elsewhere."""
    return Option(label, Action(ActionKind.INTENT, PREFIX + value))


def booking_action(action: Action | None) -> tuple[str, str] | None:
    """("model", "x20pro") for a booking button, None for anything else."""
    return button(action, PREFIX)


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
