"""Products and service centres for the repair booking: `knowledge/products.yaml`, `knowledge/service_centers.yaml`.

Both files are optional: a knowledge directory without them is valid and booking is then off. With
one and not the other, or with a mistake in either, loading fails with every problem listed as
file:line [id]: message, in the same style as the FAQ files (see `bot.knowledge.faq`).

This module is the public face of the catalog; the work is split by job:
`catalog_model` (data classes and `Catalog`), `catalog_loader` (`load_catalog`), `catalog_products`
and `catalog_centres` (one file each), `catalog_fields` (shared field checks) and `catalog_hours`
(opening hours, also used by hours.yaml).

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

from bot.knowledge.catalog_centres import CENTRE_KEYS, MODE_KEYS
from bot.knowledge.catalog_fields import ID_PATTERN, WARRANTY_KEYS
from bot.knowledge.catalog_hours import DAY_KEYS, HOLIDAYS_KEY, parse_spans
from bot.knowledge.catalog_loader import CENTRES_FILE, PRODUCTS_FILE, load_catalog
from bot.knowledge.catalog_model import (
    DEFAULT_ONSITE_FEE,
    DEFAULT_TIMEZONE,
    IDENTIFIERS,
    MODES,
    REGIONS,
    Catalog,
    Identifier,
    Mode,
    ModeOffer,
    ProductModel,
    ProductType,
    ServiceCentre,
    Span,
    Warranty,
    city_key,
)
from bot.knowledge.catalog_products import MODEL_KEYS, TYPE_KEYS

__all__ = [
    "CENTRES_FILE",
    "CENTRE_KEYS",
    "DAY_KEYS",
    "DEFAULT_ONSITE_FEE",
    "DEFAULT_TIMEZONE",
    "HOLIDAYS_KEY",
    "IDENTIFIERS",
    "ID_PATTERN",
    "MODEL_KEYS",
    "MODES",
    "MODE_KEYS",
    "PRODUCTS_FILE",
    "REGIONS",
    "TYPE_KEYS",
    "WARRANTY_KEYS",
    "Catalog",
    "Identifier",
    "Mode",
    "ModeOffer",
    "ProductModel",
    "ProductType",
    "ServiceCentre",
    "Span",
    "Warranty",
    "city_key",
    "load_catalog",
    "parse_spans",
]
