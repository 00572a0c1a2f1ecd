"""Loads a knowledge directory's products.yaml and service_centers.yaml into a `Catalog`.

Booking is off when neither file exists; any problem in either (or across them) raises
KnowledgeErrors listing all of them, like the FAQ files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.knowledge.catalog_centres import parse_centres
from bot.knowledge.catalog_model import (
    DEFAULT_TIMEZONE,
    Catalog,
    ProductType,
    ServiceCentre,
)
from bot.knowledge.catalog_products import parse_products
from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.yamlfile import read_yaml

PRODUCTS_FILE = "products.yaml"
CENTRES_FILE = "service_centers.yaml"


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
    types, more = parse_products(products_path, document) if not parse_errors else ([], [])
    errors += more
    document, parse_errors = read_yaml(centres_path)
    errors += parse_errors
    centres, zone, more = parse_centres(centres_path, document) if not parse_errors else ([], DEFAULT_TIMEZONE, [])
    errors += more
    if not errors:
        errors += _cross_check(products_path, types, centres)
    if errors:
        raise KnowledgeErrors(errors)
    return Catalog(directory=directory, types=tuple(types), centres=tuple(centres), timezone=zone)
