"""The questions about when: the day, the time slot, and a day or time said before they were asked.

`now` is always the flow clock's aware datetime; the dates shown are in the centre's own time zone.
`vip_rules` (the policies' VIP rules, None without) decide the seats kept for VIP customers: a
customer who is not one sees a slot with only those seats left as full (`schedule.SeatRule`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.engine.answers.dates import parse_when
from bot.engine.booking import render
from bot.engine.booking.form import ASK_AGAIN, Outcome, Problem, assign, leave, option
from bot.engine.booking.messages import say
from bot.engine.booking.prefill import has_day, time_only
from bot.engine.booking.schedule import Slot, available_slots, seat_rule
from bot.engine.context import TurnContext
from bot.engine.handoff import hand_off
from bot.engine.types import Option, ReplyKind
from bot.knowledge.catalog import Catalog, ServiceCentre
from bot.knowledge.policies import VipPolicy
from bot.settings import Language
from bot.storage.store import Turn


def day_options(
    days: dict[dt.date, list[Slot]], centre: ServiceCentre, today: dt.date, language: Language, step: str
) -> tuple[str, tuple[Option, ...]]:
    """The day question: days with free slots, as options."""
    text = say("ask.day", language, centre=centre.name[language], hours=render.hours_text(centre, language))
    options = tuple(
        option(
            say("option.day", language, day=render.day_label(day, today, language), count=len(slots)), f"{step}.{day:%Y%m%d}"
        )
        for day, slots in days.items()
    )
    return text, options


def slot_options(slots: list[Slot], day_label: str, language: Language, step: str) -> tuple[str, tuple[Option, ...]]:
    """The time question: the free slots of a day, with seats left."""
    text = say("ask.slot", language, day=day_label)
    options = tuple(
        option(say("option.slot", language, time=render.time_range(s.start, s.end), free=s.free), f"{step}.{s.key}")
        for s in slots
    )
    return text, options


def no_slot(ctx: TurnContext, centre: ServiceCentre) -> None:
    """The centre has no free slot at all: end the flow and hand over, with the centre's phone."""
    leave(ctx)
    hand_off(ctx, "no_slot", say("no_slot", ctx.language, centre=centre.name[ctx.language], phone=centre.phone))


def _chosen_centre(catalog: Catalog, data: dict[str, Any]) -> ServiceCentre:
    centre = catalog.centre(data["centre"])
    assert centre is not None
    return centre


async def _slots(
    turn: Turn, centre: ServiceCentre, data: dict[str, Any], now: dt.datetime, vip_rules: VipPolicy | None
) -> dict[dt.date, list[Slot]]:
    """The free slots for this customer: seats kept for VIP customers count as taken for the others
    (`schedule.seat_rule`; `vip_rules` None: nothing is kept)."""
    conversation = turn.conversation
    rule = seat_rule(vip_rules, centre.id, data, conversation.channel, conversation.customer_id)
    return await available_slots(turn.session, centre, data["service"], now, rule=rule)


async def day_question(
    catalog: Catalog, ctx: TurnContext, turn: Turn, bk: dict[str, Any], now: dt.datetime,
    *, vip_rules: VipPolicy | None = None,
) -> tuple[str, tuple[Option, ...]] | None:
    """The days with free slots (None, and the conversation handed over, when there is none)."""
    data = bk["data"]
    centre = _chosen_centre(catalog, data)
    days = await _slots(turn, centre, data, now, vip_rules)
    if not days:
        no_slot(ctx, centre)
        return None
    return day_options(days, centre, now.astimezone(centre.zone).date(), ctx.language, "day")


async def slot_question(
    catalog: Catalog, ctx: TurnContext, turn: Turn, bk: dict[str, Any], now: dt.datetime,
    *, vip_rules: VipPolicy | None = None,
) -> tuple[str, tuple[Option, ...]] | None:
    """The free slots of the chosen day (None, and the day cleared, when it has none left)."""
    data = bk["data"]
    centre = _chosen_centre(catalog, data)
    day = dt.date.fromisoformat(data["day"])
    days = await _slots(turn, centre, data, now, vip_rules)
    slots = days.get(day, [])
    if not slots:
        data.pop("day", None)
        return None
    window = bk.get("filter")
    if window:
        narrowed = [s for s in slots if window[0] <= s.start.strftime("%H:%M") <= window[1]]
        slots = narrowed or slots
    today = now.astimezone(centre.zone).date()
    return slot_options(slots, render.day_label(day, today, ctx.language), ctx.language, "slot")


async def answer_day(
    catalog: Catalog, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str, value: str | None, now: dt.datetime,
    *, vip_rules: VipPolicy | None = None,
) -> Outcome:
    data = bk["data"]
    centre = _chosen_centre(catalog, data)
    days = await _slots(turn, centre, data, now, vip_rules)
    local_now = now.astimezone(centre.zone)
    today = local_now.date()
    if value is not None:
        try:
            day = dt.datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            return Problem("bad.day")
        if day not in days:
            return Problem("bad.day_full", {"day": render.day_label(day, today, ctx.language)})
        assign(catalog, bk, "day", day.isoformat())
        return None
    wish = parse_when(text, local_now.replace(tzinfo=None))
    if wish is None:
        return Problem("bad.day")
    day = wish.start.date()
    if day not in days:
        return Problem("bad.day_full", {"day": render.day_label(day, today, ctx.language)})
    assign(catalog, bk, "day", day.isoformat())
    if wish.has_time:
        _narrow(catalog, bk, days[day], wish.start.time(), wish.end.time())
    return None


def _narrow(catalog: Catalog, bk: dict[str, Any], slots: list[Slot], start: dt.time, end: dt.time) -> None:
    """A time of day said with the day: take the one slot it names, or offer only the slots in that part of the day."""
    exact = [s for s in slots if s.start.time() <= start < s.end.time()]
    if end.hour - start.hour < 1 and len(exact) == 1:
        assign(catalog, bk, "slot", {"start": exact[0].start.isoformat(), "end": exact[0].end.isoformat()})
        return
    bk["filter"] = [start.strftime("%H:%M"), end.strftime("%H:%M")]


async def answer_slot(
    catalog: Catalog, turn: Turn, bk: dict[str, Any], text: str, value: str | None, now: dt.datetime,
    *, vip_rules: VipPolicy | None = None,
) -> Outcome:
    """A slot taken, or a part of the day ("下午"): then ASK_AGAIN, offering only the slots in it."""
    data = bk["data"]
    centre = _chosen_centre(catalog, data)
    day = dt.date.fromisoformat(data["day"])
    days = await _slots(turn, centre, data, now, vip_rules)
    slots = days.get(day, [])
    if value is not None:
        slot = next((s for s in slots if s.key == value), None)
        if slot is None:
            return Problem("bad.slot_full")
        assign(catalog, bk, "slot", {"start": slot.start.isoformat(), "end": slot.end.isoformat()})
        return None
    wish = parse_when(text, dt.datetime.combine(day, dt.time(0)))
    if wish is None or not wish.has_time:
        return Problem("bad.slot")
    start, end = wish.start.time(), wish.end.time()
    exact = [s for s in slots if s.start.time() <= start < s.end.time()]
    if not exact and start.hour < 12 and end.hour - start.hour < 1:  # "3点" at a centre open 9-21 means 15:00
        start, end = start.replace(hour=start.hour + 12), end.replace(hour=end.hour + 12)
        exact = [s for s in slots if s.start.time() <= start < s.end.time()]
    if end.hour - start.hour < 1:
        if len(exact) == 1:
            assign(catalog, bk, "slot", {"start": exact[0].start.isoformat(), "end": exact[0].end.isoformat()})
            return None
        return Problem("bad.slot_none", {"time": start.strftime("%H:%M")})
    within = [s for s in slots if start <= s.start.time() <= end]
    if not within:
        return Problem("bad.slot_none", {"time": f"{start:%H:%M}-{end:%H:%M}"})
    bk["filter"] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
    return ASK_AGAIN


def keep_time(ctx: TurnContext, bk: dict[str, Any], text: str, base: dt.datetime) -> bool:
    """A day or time given before the day question ("下週三", "tomorrow 3pm", then "上午"): kept for it (True).

    Said at an earlier question (not a free-text one: the caller checks) it is no answer to that
    question, but no mistake either: it is noted (a part of the day said after a day joins it) and
    answers the day and time questions when they come. `base` is the flow's local time, without time zone.
    """
    if not time_only(text, base):
        return False
    hints = bk.setdefault("hints", {})
    bk["kept"] = ["day"]  # a kept day that turns out full is said, not silently dropped (prefill.py)
    earlier = hints.get("day")
    if earlier and not has_day(text):
        joiner = "" if re.search(r"[\u3400-\u9fff]", earlier + text) else " "
        combined = f"{earlier}{joiner}{text.strip()}"
        hints["day"] = combined if parse_when(combined, base) is not None else text.strip()
    else:
        hints["day"] = text.strip()
    ctx.reply(say("time.kept", ctx.language, when=hints["day"]), ReplyKind.INFO)
    return True
