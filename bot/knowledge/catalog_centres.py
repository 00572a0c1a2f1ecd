"""Reads service_centers.yaml into service centres, listing every problem as file:line [id]: message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.catalog_fields import (
    FileProblems,
    read_id,
    read_language_map,
    read_text_list,
    read_whole_number,
    unknown_keys,
)
from bot.knowledge.catalog_hours import read_opening_hours
from bot.knowledge.catalog_model import (
    DEFAULT_TIMEZONE,
    MODES,
    REGIONS,
    ModeOffer,
    ServiceCentre,
)
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import LINE_KEY, line_of
from bot.settings import Language

CENTRE_KEYS = {
    "id",
    "city",
    "city_aliases",
    "district",
    "name",
    "address",
    "phone",
    "region",
    "timezone",
    "hours",
    "closed_on",
    "slot_minutes",
    "modes",
}
MODE_KEYS = {"capacity", "slot_minutes"}


def _timezone(value: Any, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"timezone must be an IANA name such as Asia/Shanghai (got {value!r})")
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)")
        return None
    return value


def parse_centres(path: Path, document: Any) -> tuple[list[ServiceCentre], str, list[KnowledgeError]]:
    out = FileProblems(path)
    if not isinstance(document, dict) or not isinstance(document.get("centres"), list) or not document["centres"]:
        out.add(line_of(document) or 1, "service_centers.yaml must be a mapping with a non-empty list `centres`")
        return [], DEFAULT_TIMEZONE, out.errors
    for problem in unknown_keys(document, {"centres", "timezone"}):
        out.add(line_of(document), problem)
    default_zone = DEFAULT_TIMEZONE
    if "timezone" in document:
        problems: list[str] = []
        default_zone = _timezone(document["timezone"], problems) or DEFAULT_TIMEZONE
        for problem in problems:
            out.add(line_of(document), problem)
    centres: list[ServiceCentre] = []
    seen: set[str] = set()
    for position, raw in enumerate(document["centres"], start=1):
        if not isinstance(raw, dict):
            out.add(line_of(document), f"centre #{position} must be a mapping with id, city, name, address, hours and modes")
            continue
        line = line_of(raw)
        problems = []
        centre_id = read_id(raw, f"centre #{position}:", problems)
        if centre_id in seen:
            problems.append("duplicate centre id")
        problems += unknown_keys(raw, CENTRE_KEYS)
        maps: dict[str, dict[Language, str]] = {}
        for key in ("city", "district", "name", "address"):
            maps[key], more = read_language_map(raw.get(key), key)
            problems += more
        city_aliases, more = read_text_list(raw.get("city_aliases"), "city_aliases")
        problems += more
        phone = raw.get("phone")
        if not isinstance(phone, (str, int)) or not str(phone).strip():
            problems.append("phone must be the centre's phone number")
        region = raw.get("region", "CN")
        if region not in REGIONS:
            problems.append(f"region must be one of {', '.join(REGIONS)} (got {region!r})")
        zone = _timezone(raw["timezone"], problems) if "timezone" in raw else default_zone
        weekly, holidays = read_opening_hours(raw.get("hours"), problems)
        closed_on: set[dt.date] = set()
        raw_closed = raw.get("closed_on", [])
        if not isinstance(raw_closed, list) or not all(isinstance(d, dt.date) for d in raw_closed):
            problems.append("closed_on must be a list of dates such as 2026-12-31")
        else:
            closed_on = set(raw_closed)
        slot_minutes = read_whole_number(raw, "slot_minutes", 60, 15, 480, problems)
        modes: dict[str, ModeOffer] = {}
        raw_modes = raw.get("modes")
        if not isinstance(raw_modes, dict) or not [k for k in raw_modes if k != LINE_KEY]:
            problems.append("modes must map store, onsite and/or courier to {capacity: N}")
        else:
            for mode, offer in raw_modes.items():
                if mode == LINE_KEY:
                    continue
                if mode not in MODES:
                    problems.append(f"modes has unknown mode {mode!r} (use {', '.join(MODES)})")
                    continue
                if not isinstance(offer, dict):
                    problems.append(f"modes {mode} must be a mapping such as {{capacity: 3}}")
                    continue
                mode_problems = [f"modes {mode}: {p}" for p in unknown_keys(offer, MODE_KEYS)]
                capacity = read_whole_number(offer, "capacity", None, 1, 500, mode_problems)
                minutes = read_whole_number(offer, "slot_minutes", slot_minutes, 15, 480, mode_problems)
                problems += [p if p.startswith("modes") else f"modes {mode}: {p}" for p in mode_problems]
                modes[mode] = ModeOffer(capacity=capacity, slot_minutes=minutes)
        for problem in problems:
            out.add(line, problem, centre_id)
        if centre_id:
            seen.add(centre_id)
        if not problems and centre_id and zone:
            centres.append(
                ServiceCentre(
                    id=centre_id,
                    city=maps["city"],
                    city_aliases=city_aliases,
                    district=maps["district"],
                    name=maps["name"],
                    address=maps["address"],
                    phone=str(phone).strip(),
                    region=str(region),
                    timezone=zone,
                    weekly=weekly,
                    holidays=holidays,
                    closed_on=frozenset(closed_on),
                    modes=modes,
                )
            )
    return centres, default_zone, out.errors
