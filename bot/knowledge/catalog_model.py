"""What the booking flow knows about products and service centres: the data classes and `Catalog`.

Loading and checking the YAML files that fill them is `bot.knowledge.catalog_loader`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from bot.knowledge.holidays import LIBRARY_CALENDAR, HolidayCalendar
from bot.settings import Language

Mode = Literal["store", "onsite", "courier"]
MODES: tuple[Mode, ...] = ("store", "onsite", "courier")
Identifier = Literal["imei", "serial"]
IDENTIFIERS: tuple[Identifier, ...] = ("imei", "serial")
REGIONS = ("CN", "HK", "TW", "MO")
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_ONSITE_FEE = 50

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
