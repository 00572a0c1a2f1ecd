"""Products and service centres for the repair booking: `knowledge/products.yaml`, `knowledge/service_centers.yaml`.

Both files are optional: a knowledge directory without them is valid and booking is then off. With
one and not the other, or with a mistake in either, loading fails with every problem listed as
file:line [id]: message, in the same style as the FAQ files (see `bot.knowledge.faq`).

products.yaml::

    types:
      - id: phone                                   # letters, digits, '.', '_' and '-'
        name: {zh-Hans: 手机/平板, zh-Hant: 手機/平板, en: Phone or tablet}
        aliases: [手机, 平板, mobile, tablet]       # optional: other words customers use
        warranty:
          months: 12
          summary: {zh-Hans: 整机保修1年, zh-Hant: 整機保固1年, en: 1-year warranty}
        identifier: imei                            # imei | serial: what the flow asks for
        modes: [store, courier, onsite]             # store | onsite | courier
        onsite_free_in_warranty: false              # else the visit costs `onsite_fee` (default 50)
        loaner: true                                # loaner device during an in-warranty repair
        replacement_promise: true                   # the 14-day promise applies (default true)
        models:
          - id: x20pro
            name: Acme X20 Pro
            aliases: [X20P]                         # optional
            # optional overrides of the type's identifier, modes, loaner and warranty

service_centers.yaml::

    timezone: Asia/Shanghai                         # default for centres without their own
    centres:
      - id: bj-chaoyang
        city: {zh-Hans: 北京, zh-Hant: 北京, en: Beijing}
        city_aliases: [北京市, Peking]              # optional; pinyin and Traditional are added anyway
        district: {zh-Hans: 朝阳区, zh-Hant: 朝陽區, en: Chaoyang}
        name: {...}
        address: {...}
        phone: 010-6500 0001
        region: CN                # CN: mainland public holidays apply (chinese-calendar); HK, TW, MO: they don't
        timezone: Asia/Shanghai   # optional
        hours:                    # mon..sun, mon-fri, sat-sun, daily, holidays; "09:00-21:00", "09:00-12:00, 13:00-18:00" or closed
          daily: "09:00-21:00"
          holidays: "10:00-18:00"
        closed_on: [2026-12-31]   # optional: dates the centre is closed
        slot_minutes: 60          # default length of a slot
        modes:                    # what the centre offers, each with a per-slot capacity
          store: {capacity: 3}
          onsite: {capacity: 1, slot_minutes: 120}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.holidays import LIBRARY_CALENDAR, HolidayCalendar
from bot.knowledge.yamlfile import LINE_KEY, line_of, read_yaml
from bot.settings import LANGUAGES, Language

PRODUCTS_FILE = "products.yaml"
CENTRES_FILE = "service_centers.yaml"

Mode = Literal["store", "onsite", "courier"]
MODES: tuple[Mode, ...] = ("store", "onsite", "courier")
Identifier = Literal["imei", "serial"]
IDENTIFIERS: tuple[Identifier, ...] = ("imei", "serial")
REGIONS = ("CN", "HK", "TW", "MO")
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_ONSITE_FEE = 50

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")  # no '.': ids go into button data
_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (index,) for index, name in enumerate(DAY_KEYS)},
    "mon-fri": (0, 1, 2, 3, 4),
    "sat-sun": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
}
HOLIDAYS_KEY = "holidays"

TYPE_KEYS = {
    "id",
    "name",
    "aliases",
    "warranty",
    "identifier",
    "modes",
    "onsite_free_in_warranty",
    "onsite_fee",
    "loaner",
    "replacement_promise",
    "models",
}
MODEL_KEYS = {"id", "name", "aliases", "warranty", "identifier", "modes", "loaner"}
WARRANTY_KEYS = {"months", "summary"}
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

Span = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Warranty:
    """How long a product is covered, and the policy in a few words for the customer."""

    months: int
    summary: dict[Language, str]


@dataclass(frozen=True)
class ProductModel:
    """One model customers can book a repair for."""

    id: str
    name: str
    type_id: str
    aliases: tuple[str, ...]
    warranty: Warranty
    identifier: Identifier
    modes: tuple[Mode, ...]
    loaner: bool


@dataclass(frozen=True)
class ProductType:
    """A family of products sharing a warranty policy and the ways they can be serviced."""

    id: str
    name: dict[Language, str]
    aliases: tuple[str, ...]
    warranty: Warranty
    identifier: Identifier
    modes: tuple[Mode, ...]
    onsite_free_in_warranty: bool
    onsite_fee: int
    loaner: bool
    replacement_promise: bool
    models: tuple[ProductModel, ...]


@dataclass(frozen=True)
class ModeOffer:
    """A service mode a centre offers: how many customers per slot, how long a slot is."""

    capacity: int
    slot_minutes: int


@dataclass(frozen=True)
class ServiceCentre:
    """A service centre: where it is, when it opens and what it offers."""

    id: str
    city: dict[Language, str]
    city_aliases: tuple[str, ...]
    district: dict[Language, str]
    name: dict[Language, str]
    address: dict[Language, str]
    phone: str
    region: str
    timezone: str
    weekly: tuple[tuple[Span, ...], ...]  # index 0 = Monday
    holidays: tuple[Span, ...] | None  # None: holidays keep the weekday hours
    closed_on: frozenset[dt.date]
    modes: dict[str, ModeOffer]
    # Mainland public holidays and make-up days: hours.yaml's `calendar:` years, then chinese-calendar.
    calendar: HolidayCalendar = LIBRARY_CALENDAR

    @property
    def city_key(self) -> str:
        """A stable id for the city (its English name, lower case)."""
        return city_key(self.city["en"])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, eq=False)  # compared (and hashed) by identity: one catalog per loaded directory
class Catalog:
    """Everything the booking flow knows about products and centres."""

    directory: Path
    types: tuple[ProductType, ...]
    centres: tuple[ServiceCentre, ...]
    timezone: str = DEFAULT_TIMEZONE
    calendar: HolidayCalendar = LIBRARY_CALENDAR  # for the engineers' call-back promises
    _models: dict[str, ProductModel] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._models.update({m.id: m for t in self.types for m in t.models})

    def with_calendar(self, calendar: HolidayCalendar) -> Catalog:
        """The same catalog on the operator's holiday calendar (hours.yaml), centres included."""
        centres = tuple(replace(centre, calendar=calendar) for centre in self.centres)
        return replace(self, centres=centres, calendar=calendar, _models={})

    def product_type(self, type_id: str) -> ProductType | None:
        return next((t for t in self.types if t.id == type_id), None)

    def model(self, model_id: str) -> ProductModel | None:
        return self._models.get(model_id)

    @property
    def models(self) -> tuple[ProductModel, ...]:
        return tuple(self._models.values())

    def centre(self, centre_id: str) -> ServiceCentre | None:
        return next((c for c in self.centres if c.id == centre_id), None)

    def cities(self, mode: str | None = None) -> list[ServiceCentre]:
        """One centre per city (the first), in file order; only cities offering `mode` when given."""
        seen: dict[str, ServiceCentre] = {}
        for centre in self.centres:
            if (mode is None or mode in centre.modes) and centre.city_key not in seen:
                seen[centre.city_key] = centre
        return list(seen.values())

    def centres_in(self, key: str, mode: str | None = None) -> list[ServiceCentre]:
        return [c for c in self.centres if c.city_key == key and (mode is None or mode in c.modes)]

    def modes_offered(self, city: str | None = None) -> set[str]:
        """Modes at least one centre offers (in one city when given)."""
        return {m for c in self.centres if city is None or c.city_key == city for m in c.modes}


def city_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# -- validation helpers ---------------------------------------------------------------------------


class _Problems:
    """Collects errors for one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[KnowledgeError] = []

    def add(self, line: int | None, message: str, entry_id: str | None = None) -> None:
        self.errors.append(KnowledgeError(self.path, line, message, entry_id))


def _language_map(value: Any, what: str) -> tuple[dict[Language, str], list[str]]:
    if not isinstance(value, dict):
        return {}, [f"{what} must be a mapping of zh-Hans, zh-Hant and en"]
    problems = [
        f"{what} has unknown language {k!r} (use zh-Hans, zh-Hant, en)"
        for k in value
        if k != LINE_KEY and k not in LANGUAGES
    ]
    result: dict[Language, str] = {}
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, (str, int)) or not str(text).strip():
            problems.append(f"{what} is missing language {language}")
        else:
            result[language] = str(text).strip()
    return result, problems


def _text_list(value: Any, what: str) -> tuple[tuple[str, ...], list[str]]:
    if value is None:
        return (), []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        return (), [f"{what} must be a list of non-empty texts"]
    return tuple(str(v).strip() for v in value), []


def _unknown_keys(raw: dict[str, Any], allowed: set[str]) -> list[str]:
    unknown = sorted(str(k) for k in raw if k not in allowed and k != LINE_KEY)
    return [f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})" for k in unknown]


def _id(raw: dict[str, Any], what: str, problems: list[str]) -> str | None:
    value = raw.get("id")
    if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > 32:
        problems.append(f"{what} id must be up to 32 letters, digits, '_' or '-' (got {value!r})")
        return None
    return value


def _bool(raw: dict[str, Any], key: str, default: bool, problems: list[str]) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.append(f"{key} must be true or false (got {value!r})")
        return default
    return value


def _int(raw: dict[str, Any], key: str, default: int | None, low: int, high: int, problems: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{key} must be a whole number from {low} to {high} (got {value!r})")
        return default or low
    return value


def _modes(value: Any, what: str, problems: list[str]) -> tuple[Mode, ...]:
    if not isinstance(value, list) or not value or any(v not in MODES for v in value):
        problems.append(f"{what} must be a non-empty list of {', '.join(MODES)} (got {value!r})")
        return ()
    return tuple(dict.fromkeys(value))


def _identifier(value: Any, problems: list[str]) -> Identifier:
    if value not in IDENTIFIERS:
        problems.append(f"identifier must be one of {', '.join(IDENTIFIERS)} (got {value!r})")
        return "serial"
    return value  # type: ignore[no-any-return]


def _warranty(value: Any, problems: list[str]) -> Warranty | None:
    if not isinstance(value, dict):
        problems.append("warranty must be a mapping with months and summary")
        return None
    problems += _unknown_keys(value, WARRANTY_KEYS)
    months = _int(value, "months", None, 1, 240, problems)
    summary, more = _language_map(value.get("summary"), "warranty summary")
    problems += more
    return Warranty(months=months, summary=summary) if not more else None


# -- products.yaml --------------------------------------------------------------------------------


def _parse_products(path: Path, document: Any) -> tuple[list[ProductType], list[KnowledgeError]]:
    out = _Problems(path)
    if not isinstance(document, dict) or not isinstance(document.get("types"), list) or not document["types"]:
        out.add(line_of(document) or 1, "products.yaml must be a mapping with a non-empty list `types`")
        return [], out.errors
    for problem in _unknown_keys(document, {"types"}):
        out.add(line_of(document), problem)
    types: list[ProductType] = []
    seen_types: set[str] = set()
    seen_models: dict[str, int | None] = {}
    for position, raw in enumerate(document["types"], start=1):
        if not isinstance(raw, dict):
            out.add(line_of(document), f"type #{position} must be a mapping with id, name, warranty, modes and models")
            continue
        line = line_of(raw)
        problems: list[str] = []
        type_id = _id(raw, f"type #{position}:", problems)
        if type_id in seen_types:
            problems.append("duplicate type id")
        problems += _unknown_keys(raw, TYPE_KEYS)
        name, more = _language_map(raw.get("name"), "name")
        problems += more
        aliases, more = _text_list(raw.get("aliases"), "aliases")
        problems += more
        warranty = _warranty(raw.get("warranty"), problems)
        identifier = _identifier(raw.get("identifier", "serial"), problems)
        modes = _modes(raw.get("modes"), "modes", problems)
        onsite_free = _bool(raw, "onsite_free_in_warranty", False, problems)
        onsite_fee = _int(raw, "onsite_fee", DEFAULT_ONSITE_FEE, 0, 10000, problems)
        loaner = _bool(raw, "loaner", False, problems)
        promise = _bool(raw, "replacement_promise", True, problems)
        for problem in problems:
            out.add(line, problem, type_id)
        models: list[ProductModel] = []
        raw_models = raw.get("models")
        if not isinstance(raw_models, list) or not raw_models:
            out.add(line, "models must be a non-empty list of models", type_id)
            raw_models = []
        for model_position, raw_model in enumerate(raw_models, start=1):
            if not isinstance(raw_model, dict):
                out.add(line, f"model #{model_position} must be a mapping with id and name", type_id)
                continue
            model_line = line_of(raw_model)
            model_problems: list[str] = []
            model_id = _id(raw_model, f"model #{model_position}:", model_problems)
            if model_id is not None and model_id in seen_models:
                model_problems.append(f"duplicate model id, first defined on line {seen_models[model_id]}")
            elif model_id is not None:
                seen_models[model_id] = model_line
            model_problems += _unknown_keys(raw_model, MODEL_KEYS)
            model_name = raw_model.get("name")
            if not isinstance(model_name, str) or not model_name.strip():
                model_problems.append("name must be the model's name, e.g. Acme X20 Pro")
            model_aliases, more = _text_list(raw_model.get("aliases"), "aliases")
            model_problems += more
            model_warranty = _warranty(raw_model["warranty"], model_problems) if "warranty" in raw_model else warranty
            model_identifier = (
                _identifier(raw_model["identifier"], model_problems) if "identifier" in raw_model else identifier
            )
            model_modes = _modes(raw_model["modes"], "modes", model_problems) if "modes" in raw_model else modes
            model_loaner = _bool(raw_model, "loaner", loaner, model_problems)
            for problem in model_problems:
                out.add(model_line, problem, model_id)
            if not model_problems and model_id and type_id and model_warranty is not None:
                models.append(
                    ProductModel(
                        id=model_id,
                        name=str(model_name).strip(),
                        type_id=type_id,
                        aliases=model_aliases,
                        warranty=model_warranty,
                        identifier=model_identifier,
                        modes=model_modes,
                        loaner=model_loaner,
                    )
                )
        if type_id:
            seen_types.add(type_id)
        if not problems and type_id and warranty is not None and models:
            types.append(
                ProductType(
                    id=type_id,
                    name=name,
                    aliases=aliases,
                    warranty=warranty,
                    identifier=identifier,
                    modes=modes,
                    onsite_free_in_warranty=onsite_free,
                    onsite_fee=onsite_fee,
                    loaner=loaner,
                    replacement_promise=promise,
                    models=tuple(models),
                )
            )
    return types, out.errors


# -- service_centers.yaml -------------------------------------------------------------------------


def parse_spans(value: Any) -> tuple[tuple[Span, ...] | None, str | None]:
    """ "09:00-12:00, 13:00-18:00" -> spans; "closed" -> (); anything else -> an error message."""
    if isinstance(value, str) and value.strip().lower() == "closed":
        return (), None
    if not isinstance(value, str) or not value.strip():
        return None, f'opening hours must look like "09:00-21:00" or "09:00-12:00, 13:00-18:00" or closed (got {value!r})'
    spans: list[Span] = []
    for part in value.split(","):
        match = _TIME_RANGE.match(part)
        if not match:
            return None, f'opening hours must look like "09:00-21:00" (got {part.strip()!r})'
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and 0 <= h2 <= 24 and 0 <= m2 <= 59) or (h2, m2) > (24, 0):
            return None, f"{part.strip()!r} is not a time of day"
        start = dt.time(h1, m1)
        end = dt.time(23, 59) if h2 == 24 else dt.time(h2, m2)
        if end <= start:
            return None, f"{part.strip()!r} closes before it opens"
        if spans and start < spans[-1][1]:
            return None, f"{part.strip()!r} overlaps the range before it"
        spans.append((start, end))
    return tuple(spans), None


def _hours(value: Any, problems: list[str]) -> tuple[tuple[tuple[Span, ...], ...], tuple[Span, ...] | None]:
    if not isinstance(value, dict):
        problems.append('hours must be a mapping such as {daily: "09:00-21:00", holidays: "10:00-18:00"}')
        return (), None
    weekly: list[tuple[Span, ...] | None] = [None] * 7
    holidays: tuple[Span, ...] | None = None
    allowed = {*_DAY_GROUPS, HOLIDAYS_KEY}
    for key, raw in value.items():
        if key == LINE_KEY:
            continue
        if key not in allowed:
            problems.append(f"hours has unknown key {key!r} (use mon..sun, mon-fri, sat-sun, daily, holidays)")
            continue
        spans, problem = parse_spans(raw)
        if problem:
            problems.append(f"hours {key}: {problem}")
            continue
        if key == HOLIDAYS_KEY:
            holidays = spans
            continue
        for day in _DAY_GROUPS[key]:
            if weekly[day] is not None:
                problems.append(f"hours gives {DAY_KEYS[day]} twice")
            weekly[day] = spans
    missing = [DAY_KEYS[i] for i, spans in enumerate(weekly) if spans is None]
    if missing:
        problems.append(f"hours does not say when the centre opens on {', '.join(missing)} (write closed for closed days)")
    return tuple(s or () for s in weekly), holidays


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


def _parse_centres(path: Path, document: Any) -> tuple[list[ServiceCentre], str, list[KnowledgeError]]:
    out = _Problems(path)
    if not isinstance(document, dict) or not isinstance(document.get("centres"), list) or not document["centres"]:
        out.add(line_of(document) or 1, "service_centers.yaml must be a mapping with a non-empty list `centres`")
        return [], DEFAULT_TIMEZONE, out.errors
    for problem in _unknown_keys(document, {"centres", "timezone"}):
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
        centre_id = _id(raw, f"centre #{position}:", problems)
        if centre_id in seen:
            problems.append("duplicate centre id")
        problems += _unknown_keys(raw, CENTRE_KEYS)
        maps: dict[str, dict[Language, str]] = {}
        for key in ("city", "district", "name", "address"):
            maps[key], more = _language_map(raw.get(key), key)
            problems += more
        city_aliases, more = _text_list(raw.get("city_aliases"), "city_aliases")
        problems += more
        phone = raw.get("phone")
        if not isinstance(phone, (str, int)) or not str(phone).strip():
            problems.append("phone must be the centre's phone number")
        region = raw.get("region", "CN")
        if region not in REGIONS:
            problems.append(f"region must be one of {', '.join(REGIONS)} (got {region!r})")
        zone = _timezone(raw["timezone"], problems) if "timezone" in raw else default_zone
        weekly, holidays = _hours(raw.get("hours"), problems)
        closed_on: set[dt.date] = set()
        raw_closed = raw.get("closed_on", [])
        if not isinstance(raw_closed, list) or not all(isinstance(d, dt.date) for d in raw_closed):
            problems.append("closed_on must be a list of dates such as 2026-12-31")
        else:
            closed_on = set(raw_closed)
        slot_minutes = _int(raw, "slot_minutes", 60, 15, 480, problems)
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
                mode_problems = [f"modes {mode}: {p}" for p in _unknown_keys(offer, MODE_KEYS)]
                capacity = _int(offer, "capacity", None, 1, 500, mode_problems)
                minutes = _int(offer, "slot_minutes", slot_minutes, 15, 480, mode_problems)
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


def _cross_check(products: Path, types: Iterable[ProductType], centres: list[ServiceCentre]) -> list[KnowledgeError]:
    """Every product must be serviceable somewhere: a mode it allows must be offered by some centre."""
    offered = {m for c in centres for m in c.modes}
    errors = []
    for product_type in types:
        for model in product_type.models:
            if not set(model.modes) & offered:
                errors.append(
                    KnowledgeError(products, None, f"no service centre offers any of {', '.join(model.modes)}", model.id)
                )
    return errors


def load_catalog(directory: Path | str) -> Catalog | None:
    """Load products.yaml and service_centers.yaml; None when neither exists (booking off).

    Raises KnowledgeErrors listing every problem, like `load_knowledge`.
    """
    directory = Path(directory)
    products_path, centres_path = directory / PRODUCTS_FILE, directory / CENTRES_FILE
    if not products_path.exists() and not centres_path.exists():
        return None
    missing = [p for p in (products_path, centres_path) if not p.exists()]
    if missing:
        other = PRODUCTS_FILE if missing[0] == centres_path else CENTRES_FILE
        raise KnowledgeErrors(
            [
                KnowledgeError(
                    missing[0], None, f"missing: booking needs it next to {other} (or remove both to turn booking off)"
                )
            ]
        )
    errors: list[KnowledgeError] = []
    document, parse_errors = read_yaml(products_path)
    errors += parse_errors
    types, more = _parse_products(products_path, document) if not parse_errors else ([], [])
    errors += more
    document, parse_errors = read_yaml(centres_path)
    errors += parse_errors
    centres, zone, more = _parse_centres(centres_path, document) if not parse_errors else ([], DEFAULT_TIMEZONE, [])
    errors += more
    if not errors:
        errors += _cross_check(products_path, types, centres)
    if errors:
        raise KnowledgeErrors(errors)
    return Catalog(directory=directory, types=tuple(types), centres=tuple(centres), timezone=zone)
