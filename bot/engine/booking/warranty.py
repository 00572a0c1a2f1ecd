"""Warranty status from the purchase date and the product's policy in the knowledge base."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.catalog import ProductModel

RETURN_DAYS = 7  # 三包: refund, exchange or repair
EXCHANGE_DAYS = 15  # 三包: exchange or repair

WarrantyState = Literal["in", "out", "unknown"]


@dataclass(frozen=True)
class WarrantyStatus:
    state: WarrantyState
    until: dt.date | None = None
    days_owned: int | None = None  # only when the purchase date is exact


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_status(model: ProductModel, first: dt.date | None, last: dt.date | None, today: dt.date) -> WarrantyStatus:
    """In or out of warranty on `today`. A purchase date given as a range ("去年五月") counts from its
    last day, in the customer's favour: the engineer confirms with the invoice anyway."""
    if first is None or last is None:
        return WarrantyStatus("unknown")
    until = add_months(last, model.warranty.months) - dt.timedelta(days=1)
    days_owned = (today - first).days if first == last else None
    return WarrantyStatus("in" if today <= until else "out", until, days_owned)
