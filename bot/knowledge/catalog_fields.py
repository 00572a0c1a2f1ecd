"""Checks for the fields products.yaml and service_centers.yaml share: ids, language maps, flags, numbers.

Each check appends readable problems to a list instead of raising, so a file reports all its mistakes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.knowledge.catalog_model import IDENTIFIERS, MODES, Identifier, Mode, Warranty
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import LINE_KEY
from bot.settings import LANGUAGES, Language

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")  # no '.': ids go into button data
WARRANTY_KEYS = {"months", "summary"}


class FileProblems:
    """Collects errors for one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[KnowledgeError] = []

    def add(self, line: int | None, message: str, entry_id: str | None = None) -> None:
        self.errors.append(KnowledgeError(self.path, line, message, entry_id))


def read_language_map(value: Any, what: str) -> tuple[dict[Language, str], list[str]]:
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


def read_text_list(value: Any, what: str) -> tuple[tuple[str, ...], list[str]]:
    if value is None:
        return (), []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        return (), [f"{what} must be a list of non-empty texts"]
    return tuple(str(v).strip() for v in value), []


def unknown_keys(raw: dict[str, Any], allowed: set[str]) -> list[str]:
    unknown = sorted(str(k) for k in raw if k not in allowed and k != LINE_KEY)
    return [f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})" for k in unknown]


def read_id(raw: dict[str, Any], what: str, problems: list[str]) -> str | None:
    value = raw.get("id")
    if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > 32:
        problems.append(f"{what} id must be up to 32 letters, digits, '_' or '-' (got {value!r})")
        return None
    return value


def read_flag(raw: dict[str, Any], key: str, default: bool, problems: list[str]) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.append(f"{key} must be true or false (got {value!r})")
        return default
    return value


def read_whole_number(raw: dict[str, Any], key: str, default: int | None, low: int, high: int, problems: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{key} must be a whole number from {low} to {high} (got {value!r})")
        return default or low
    return value


def read_modes(value: Any, what: str, problems: list[str]) -> tuple[Mode, ...]:
    if not isinstance(value, list) or not value or any(v not in MODES for v in value):
        problems.append(f"{what} must be a non-empty list of {', '.join(MODES)} (got {value!r})")
        return ()
    return tuple(dict.fromkeys(value))


def read_identifier(value: Any, problems: list[str]) -> Identifier:
    if value not in IDENTIFIERS:
        problems.append(f"identifier must be one of {', '.join(IDENTIFIERS)} (got {value!r})")
        return "serial"
    return value  # type: ignore[no-any-return]


def read_warranty(value: Any, problems: list[str]) -> Warranty | None:
    if not isinstance(value, dict):
        problems.append("warranty must be a mapping with months and summary")
        return None
    problems += unknown_keys(value, WARRANTY_KEYS)
    months = read_whole_number(value, "months", None, 1, 240, problems)
    summary, more = read_language_map(value.get("summary"), "warranty summary")
    problems += more
    return Warranty(months=months, summary=summary) if not more else None
