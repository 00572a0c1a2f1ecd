"""The end of a new booking: the summary to confirm, the customer's answer to it, and the booking stored.

On SMS (BRIEF_CHANNELS) the summary is four short lines, the centre's address on request, so its
options fit the first page. "Change ..." clears a group of answers; the flow then asks them again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal

from bot.clock import as_utc
from bot.engine.answers.words import is_change, is_no, is_yes, key
from bot.engine.booking import render
from bot.engine.booking.form import Outcome, Problem, model_of, option, warranty_of
from bot.engine.booking.messages import say
from bot.engine.booking.moments import moment
from bot.engine.booking.schedule import callback_promise, find_slot, seat_rule
from bot.engine.booking.warranty import WarrantyStatus
from bot.engine.types import Option
from bot.i18n import text as catalog_text
from bot.knowledge.catalog import Catalog, ServiceCentre
from bot.settings import LANGUAGES, Language
from bot.storage.booking import NewBooking, SlotFull, create_booking
from bot.storage.store import Turn

if TYPE_CHECKING:
    from bot.repairs.lifecycle import RepairLifecycle

log = logging.getLogger(__name__)

# Channels whose summary is written short (SMS: the options must fit on the first page).
BRIEF_CHANNELS = frozenset({"sms"})
# Typed at the short summary: show the full one (the address on request).
_DETAILS = frozenset({"地址", "详情", "詳情", "详细", "詳細", "详细信息", "詳細資料", "查看详情", "查看詳情", "address", "details"})


# "Change ..." groups: the summary's choice -> the answers it clears (fields.change_groups).
Groups = dict[str, tuple[str, ...]]


def confirm_question(
    catalog: Catalog,
    bk: dict[str, Any],
    language: Language,
    today: dt.date,
    offered: Groups,
    extra: tuple[str, ...] = (),
    *,
    brief: bool = False,
) -> tuple[str, tuple[Option, ...]]:
    """The summary and its options; `brief` (SMS): four short lines, the rest on request (a fourth option).

    `offered`: the "change ..." groups that apply to this booking; `extra`: summary lines of questions
    added after the original ones (a field's own `shown`).
    """
    data = bk["data"]
    if bk.get("editing"):
        options = tuple(option(say(f"change.{g}", language), f"confirm.edit-{g}") for g in offered)
        return say("ask.change", language), options + (option(say("option.nothing", language), "confirm.edit-none"),)
    options = (
        option(say("option.confirm", language), "confirm.yes"),
        option(say("option.change", language), "confirm.change"),
        option(say("option.cancel", language), "confirm.cancel"),
    )
    if brief and not bk.pop("details", False):
        summary_text = render.brief_summary(catalog, data, language, today)
        return say("ask.confirm", language, summary=summary_text), (
            *options,
            option(say("option.details", language), "confirm.details"),
        )
    full = "\n".join((summary(catalog, data, language, today), *extra))
    return say("ask.confirm", language, summary=full), options


def summary(catalog: Catalog, data: dict[str, Any], language: Language, today: dt.date) -> str:
    purchase = data.get("purchase")
    status = warranty_of(catalog, data, today)
    extra = {
        "purchase": render.purchase(
            dt.date.fromisoformat(purchase["first"]), dt.date.fromisoformat(purchase["last"]), language
        )
        if purchase
        else say("summary.purchase_unknown", language),
        "warranty": warranty_word(status, language),
    }
    return render.summary(catalog, data, language, today, extra)


def warranty_word(status: WarrantyStatus, language: Language) -> str:
    if status.state == "unknown" or status.until is None:
        return say("warranty.word.unknown", language)
    return say(f"warranty.word.{status.state}", language, until=render.full_date(status.until, language))


def change_group(groups: Groups, text: str) -> str | None:
    """The group of answers a typed "change ..." names ("改一下电话" -> "contact"), in any language."""
    compact = key(text)
    for group in groups:
        for lang in LANGUAGES:
            label = key(say(f"change.{group}", lang))
            if label and (label in compact or compact in label) and len(compact) >= 2:
                return group
    return None


Decision = Outcome | Literal["cancel", "book"] | tuple[str, ...]


def read_confirm_answer(groups: Groups, bk: dict[str, Any], text: str, value: str | None) -> Decision:
    """The answer to the summary (or to "what to change?"): "book", "cancel" and the answers to clear
    (a tuple of field ids, for the form engine to forget) are for the flow to carry out."""
    if bk.get("editing"):
        group = value[len("edit-") :] if value and value.startswith("edit-") else None
        if value is None:
            group = change_group(groups, text)
            if group is None and is_no(text):
                group = "none"
        if group == "none":
            bk.pop("editing", None)
            return None
        if group not in groups:
            return Problem("bad.change")
        bk.pop("editing", None)
        return groups[group]
    if value == "cancel":
        return "cancel"
    if value == "details" or (value is None and key(text) in _DETAILS):
        bk["details"] = True  # the full summary once, with the centre's address and phone
        return None
    if value == "change" or (value is None and is_change(text)):
        bk["editing"] = True
        return None
    if value == "yes" or (value is None and is_yes(text)):
        return "book"
    if value is None:
        group = change_group(groups, text)
        if group is not None:  # "改一下电话" straight from the summary
            return groups[group]
    return Problem("bad.confirm")


async def store_booking(
    catalog: Catalog, turn: Turn, data: dict[str, Any], language: Language, now: dt.datetime, zone: dt.tzinfo,
    lifecycle: RepairLifecycle | None = None,
) -> str | Problem:
    """Store the booking and return the confirmation to send; or, the slot answer cleared, the Problem
    saying why that slot is no longer there ("slot_gone", "slot_taken").

    `lifecycle` (None in tests that build a flow by hand) records the booking's first event and
    schedules what it is owed (reminder, call-back promise) in this turn's transaction."""
    model = model_of(catalog, data)
    centre = catalog.centre(data["centre"])
    assert model is not None and centre is not None
    start = dt.datetime.fromisoformat(data["slot"]["start"])
    real = find_slot(centre, data["service"], start.strftime("%Y%m%d%H%M"))
    if real is None or start <= now or data["service"] not in centre.modes:
        data.pop("slot", None)
        return Problem("slot_gone")
    today = now.astimezone(zone).date()
    purchase = data.get("purchase")
    status = warranty_of(catalog, data, today)
    serial = data.get("serial")
    new = NewBooking(
        channel=turn.conversation.channel,
        customer_id=turn.conversation.customer_id,
        conversation_id=turn.conversation.id,
        language=language,
        product_type=data["type"],
        model_id=model.id,
        model_name=model.name,
        serial=serial["value"] if serial else None,
        serial_kind=serial["kind"] if serial else None,
        fault=data["fault"],
        photos=list(data.get("photos") or []),
        purchase_date=dt.date.fromisoformat(purchase["last"]) if purchase else None,
        purchase_approx=bool(purchase and purchase["first"] != purchase["last"]),
        warranty=status.state,
        warranty_until=status.until,
        service=data["service"],
        city=data["city"],
        centre_id=centre.id,
        address=data.get("address"),
        slot_start=real[0],
        slot_end=real[1],
        loaner=bool(data.get("loaner")),
        contact_name=data["name"],
        phone=data["phone"],
    )
    try:
        # The phone is known now: a VIP by number may take a seat kept for VIP customers.
        rule = seat_rule(lifecycle.policies.vip if lifecycle is not None else None, centre.id, data, new.channel, new.customer_id)
        booking = await create_booking(turn.session, new, rule.seats(centre.modes[data["service"]].capacity))
    except SlotFull:
        data.pop("slot", None)
        return Problem("slot_taken")
    log.info(
        "booking %s stored for %s/%s at %s %s",
        booking.ticket,
        new.channel,
        new.customer_id,
        centre.id,
        real[0].isoformat(),
    )
    promise = None
    if lifecycle is not None:
        await lifecycle.booked(turn.session, booking)
        if booking.callback_due_at is not None:
            promise = (booking.callback_due_at, lifecycle.policies.callback.working_hours)
    return booked_message(catalog, centre, booking.ticket, real, data, language, now, zone, promise)


def booked_message(
    catalog: Catalog,
    centre: ServiceCentre,
    ticket: str,
    slot: tuple[dt.datetime, dt.datetime],
    data: dict[str, Any],
    language: Language,
    now: dt.datetime,
    zone: dt.tzinfo,
    promise: tuple[dt.datetime, float] | None = None,
) -> str:
    """The ticket, when and where, and what happens next (`zone`: the flow's, for the engineers' call-back).

    `promise`: the call-back the lifecycle promised and will check (bot/repairs/): by when, and within
    how many working hours; without it (no lifecycle, or a channel the operator's policy makes no
    promise for) the general office-hours line."""
    when = render.when(slot[0], slot[1], now.astimezone(centre.zone).date(), language)
    lines = [say("booked", language, ticket=ticket, when=when)]
    lines.append(
        say(
            f"next.{data['service']}",
            language,
            centre=render.centre_line(centre, language),
            address=data.get("address") or "",
        )
    )
    if data.get("loaner"):
        lines.append(say("next.loaner", language))
    callback = callback_promise(now, zone, catalog.calendar)
    if promise is not None:
        due, hours = promise
        at = moment(due, now, zone, language)
        if as_utc(due) - as_utc(now) <= dt.timedelta(hours=hours, minutes=1):  # within office hours: counted on the clock
            lines.append(catalog_text("customer.booked.call_within", language, hours=f"{hours:g}", at=at))
        else:
            lines.append(catalog_text("customer.booked.call_by", language, at=at))
        lines.append(catalog_text("customer.booked.steps", language))
    elif callback is None:
        lines.append(say("next.call_soon", language))
    else:
        today = now.astimezone(zone).date()
        lines.append(say("next.call_later", language, day=render.day_label(callback, today, language)))
    lines.append(say("next.manage", language, ticket=ticket))
    return "\n".join(lines)
