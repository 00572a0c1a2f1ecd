"""Dates, times, slots and the booking summary as the customer reads them, in their language.

Dates and weekday names come from `bot.i18n.formats` (Babel); this module only arranges them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.engine.answers.phones import display_phone
from bot.engine.booking.messages import say
from bot.i18n import formats
from bot.knowledge.catalog import Catalog, ServiceCentre
from bot.settings import Language


def full_date(day: dt.date, language: Language) -> str:
    """2025年3月1日 / 1 Mar 2025."""
    return formats.full_date(day, language)


def month(day: dt.date, language: Language) -> str:
    """2025年5月 / May 2025."""
    return formats.month_year(day, language)


def purchase(first: dt.date, last: dt.date, language: Language) -> str:
    """How the customer's purchase date reads back: a day, a month, or a range."""
    if first == last:
        return full_date(first, language)
    if first.day == 1 and (last + dt.timedelta(days=1)).day == 1 and first.month == last.month:
        return month(first, language)
    return say("range", language, first=full_date(first, language), last=full_date(last, language))


def day_label(day: dt.date, today: dt.date, language: Language) -> str:
    """今天 11月25日 周三 / Today, Wed 25 Nov."""
    plain = formats.day_with_weekday(day, language)
    if day == today:
        return say("day.today", language, day=plain)
    if day == today + dt.timedelta(days=1):
        return say("day.tomorrow", language, day=plain)
    return plain


def time_range(start: dt.datetime, end: dt.datetime) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def when(start: dt.datetime, end: dt.datetime, today: dt.date, language: Language) -> str:
    """今天 11月25日 周三 10:00-11:00."""
    return f"{day_label(start.date(), today, language)} {time_range(start, end)}"


def hours_text(centre: ServiceCentre, language: Language) -> str:
    """Opening hours in one line: 每天 09:00-21:00（法定节假日 10:00-18:00）."""
    groups: list[tuple[list[int], str]] = []
    for index, spans in enumerate(centre.weekly):
        text = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans) or say("hours.closed", language)
        if groups and groups[-1][1] == text:
            groups[-1][0].append(index)
        else:
            groups.append(([index], text))
    names = formats.weekday_names(language)
    if len(groups) == 1:
        line = f"{say('hours.daily', language)} {groups[0][1]}"
    else:
        parts = []
        for days, text in groups:
            label = names[days[0]] if len(days) == 1 else f"{names[days[0]]}-{names[days[-1]]}"
            parts.append(f"{label} {text}")
        line = say("hours.separator", language).join(parts)
    if centre.region == "CN" and centre.holidays is not None:
        holiday = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in centre.holidays) or say("hours.closed", language)
        line += say("hours.holidays", language, hours=holiday)
    return line


def centre_line(centre: ServiceCentre, language: Language) -> str:
    return say("centre.line", language, name=centre.name[language], address=centre.address[language], phone=centre.phone)


def summary(catalog: Catalog, data: dict[str, Any], language: Language, today: dt.date, extra: dict[str, str]) -> str:
    """The booking as it will be stored, one line per field."""
    model = catalog.model(data["model"])
    product_type = catalog.product_type(data["type"])
    centre = catalog.centre(data["centre"])
    assert model is not None and product_type is not None and centre is not None
    lines = [say("summary.product", language, model=model.name, type=product_type.name[language])]
    serial = data.get("serial")
    lines.append(say("summary.serial", language, value=serial["value"]) if serial else say("summary.serial_none", language))
    photos = len(data.get("photos") or [])
    fault = data["fault"] + (say("summary.photos", language, count=photos) if photos else "")
    lines.append(say("summary.fault", language, fault=fault))
    lines.append(say("summary.purchase", language, purchase=extra["purchase"], warranty=extra["warranty"]))
    lines.append(say("summary.service", language, service=say(f"mode.{data['service']}", language)))
    lines.append(say("summary.centre", language, centre=centre_line(centre, language)))
    if data.get("address"):
        lines.append(say("summary.address", language, address=data["address"]))
    start = dt.datetime.fromisoformat(data["slot"]["start"])
    end = dt.datetime.fromisoformat(data["slot"]["end"])
    lines.append(say("summary.time", language, time=when(start, end, today, language)))
    if "loaner" in data:
        lines.append(say("summary.loaner_yes" if data["loaner"] else "summary.loaner_no", language))
    lines.append(say("summary.contact", language, name=data["name"], phone=display_phone(data["phone"])))
    return "\n".join(lines)


BRIEF_FAULT_CHARS = 24


def brief_summary(catalog: Catalog, data: dict[str, Any], language: Language, today: dt.date) -> str:
    """The booking in four short lines, for SMS: product and fault, where, when, who.

    The centre's address and phone, the serial number and the warranty are on request (the "details"
    option): this way the summary and its options fit on the first SMS page.
    """
    model = catalog.model(data["model"])
    centre = catalog.centre(data["centre"])
    assert model is not None and centre is not None
    fault = " ".join(data["fault"].split())
    if len(fault) > BRIEF_FAULT_CHARS:
        fault = fault[: BRIEF_FAULT_CHARS - 1].rstrip() + "…"
    start = dt.datetime.fromisoformat(data["slot"]["start"])
    end = dt.datetime.fromisoformat(data["slot"]["end"])
    return say(
        "summary.brief",
        language,
        model=model.name,
        fault=fault,
        service=say(f"mode.{data['service']}", language),
        centre=centre.name[language],
        time=when(start, end, today, language),
        name=data["name"],
        phone=display_phone(data["phone"]),
    )
