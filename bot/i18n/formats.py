"""Plural categories, dates, weekday and month names and numbers, all from Babel's CLDR data.

The one place where a language code becomes a Babel locale and where a date is turned into words:
no weekday or month name is written anywhere else in the bot. The patterns below are CLDR patterns
(https://unicode.org/reports/tr35/tr35-dates.html); names come from the locale, so 周三 / 週三 / Wed
are Babel's abbreviated ("EEE") weekdays, exactly what the bot printed before.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel import Locale
from babel.dates import format_date, get_day_names, get_month_names
from babel.numbers import format_decimal

from bot.settings import Language

# Mainland Simplified, Taiwan Traditional (what zh-Hant customers here write), and English. The
# English patterns below are written day-first, as the bot's British English always was.
BABEL_LOCALES: dict[Language, str] = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "en": "en"}

# CLDR date patterns per purpose, chosen to keep what customers read unchanged.
_PATTERNS: dict[str, dict[Language, str]] = {
    "full_date": {"zh-Hans": "y年M月d日", "zh-Hant": "y年M月d日", "en": "d MMM y"},  # 2025年3月1日 / 1 Mar 2025
    "month": {"zh-Hans": "y年M月", "zh-Hant": "y年M月", "en": "MMM y"},  # 2025年5月 / May 2025
    "day": {"zh-Hans": "M月d日 EEE", "zh-Hant": "M月d日 EEE", "en": "EEE d MMM"},  # 11月25日 周三 / Wed 25 Nov
}


@cache
def locale(language: Language) -> Locale:
    """The Babel locale for one of the bot's language codes."""
    return Locale.parse(BABEL_LOCALES[language])


def plural_category(count: float, language: Language) -> str:
    """CLDR plural category of `count` in `language`: "one" or "other" in English, always "other" in Chinese."""
    return str(locale(language).plural_form(count))


def plural_categories(language: Language) -> frozenset[str]:
    """Every plural category `language` distinguishes (what a plural line must provide)."""
    return frozenset(locale(language).plural_form.tags) | {"other"}


def weekday_names(language: Language) -> tuple[str, ...]:
    """Abbreviated weekday names, Monday first (index = `date.weekday()`): 周一 ... / Mon ..."""
    names = get_day_names("abbreviated", locale=locale(language))
    return tuple(names[i] for i in range(7))


def month_names(language: Language, width: str = "abbreviated") -> tuple[str, ...]:
    """Month names, January first: "Jan" ... in English, "1月" ... in Chinese; width "wide" gives "January"."""
    names = get_month_names(width, locale=locale(language))
    return tuple(names[i] for i in range(1, 13))


def weekday_name(day: dt.date, language: Language) -> str:
    """周三 / 週三 / Wed."""
    return weekday_names(language)[day.weekday()]


def full_date(day: dt.date, language: Language) -> str:
    """2025年3月1日 / 1 Mar 2025."""
    return format_date(day, _PATTERNS["full_date"][language], locale=locale(language))


def month_year(day: dt.date, language: Language) -> str:
    """2025年5月 / May 2025."""
    return format_date(day, _PATTERNS["month"][language], locale=locale(language))


def day_with_weekday(day: dt.date, language: Language) -> str:
    """11月25日 周三 / Wed 25 Nov."""
    return format_date(day, _PATTERNS["day"][language], locale=locale(language))


def number(value: float, language: Language) -> str:
    """A number with the locale's grouping and decimal signs: 1,234.5."""
    return format_decimal(value, locale=locale(language))
