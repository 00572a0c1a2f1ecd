"""Readers for the values of `knowledge/policies.yaml` (see policies.py): each checks one key and
records a problem with its file and line instead of raising, so `kb check` lists every mistake at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import LINE_KEY, key_line, line_of

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_CHANNEL_KEY = re.compile(r"^([a-z][a-z0-9_-]*):(.+)$")
_TELEGRAM_ID = re.compile(r"^-?\d{1,20}$")
MAX_DAYS = 366


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when `word` is close to one of `choices`, else ''."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def phone_number(raw: str, region: str = "CN") -> str | None:
    """A phone number in E.164 ("+8613800138000"), or None when it is no possible phone number.

    The rule of the SMS channel's `normalise_number` (bot/channels/sms/channel.py, a layer above the
    knowledge, so not imported): international forms must be possible numbers, national forms (read in
    `region`) valid ones, so a short code is not taken for a subscriber.
    """
    import phonenumbers

    raw = raw.strip()
    if not raw or len(raw) > 32:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_possible_number(number) if raw.startswith("+") else phonenumbers.is_valid_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None


def customer_key(raw: str, region: str, channels: Collection[str]) -> tuple[str | None, str]:
    """A VIP customer as stored: an E.164 number, or "<channel>:<id>" (telegram ids are numbers; "sms:"
    keys become the plain number, which is how the SMS channel knows its customers). (None, why) if invalid."""
    text = raw.strip()
    match = _CHANNEL_KEY.match(text)
    if match and not text.startswith("+"):
        channel, ident = match.group(1), match.group(2).strip()
        if channel == "sms":
            number = phone_number(ident, region)
            return (number, "") if number else (None, f"{ident!r} is not a phone number")
        if channel not in channels:
            return None, f"unknown channel {channel!r}{did_you_mean(channel, channels)} (use a phone number or {', '.join(f'{c}:<id>' for c in sorted(channels))})"
        if channel == "telegram" and not _TELEGRAM_ID.match(ident):
            return None, f"telegram:{ident} is not a Telegram chat id (a number such as telegram:123456789)"
        return (f"{channel}:{ident}", "") if ident else (None, f"{text!r} has no id after the colon")
    number = phone_number(text, region)
    if number is None:
        return None, f"{text!r} is not a phone number (write +86 138 0013 8000, 13800138000 or telegram:<chat id>)"
    return number, ""


def at(where: str, key: str) -> str:
    """The dotted name of a key for messages: "reminders.send_at" (a top-level key: its own name)."""
    return f"{where}.{key}" if where else key


class Reader:
    """Collects the problems of one file while its values are read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[KnowledgeError] = []

    def problem(self, line: int | None, message: str) -> None:
        self.errors.append(KnowledgeError(self.path, line, message))

    def section(self, document: dict[str, Any], key: str, allowed: Collection[str]) -> dict[str, Any] | None:
        """The mapping under `key` (None when absent or wrong), its unknown keys reported."""
        value = document.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(key_line(document, key), f"{key} must be a mapping with {', '.join(allowed)}")
            return None
        self.known_keys(value, allowed, f"{key} has")
        return value

    def known_keys(self, mapping: dict[str, Any], allowed: Collection[str], where: str) -> None:
        for key in mapping:
            if key != LINE_KEY and key not in allowed:
                self.problem(
                    key_line(mapping, key),
                    f"{where} unknown key {key!r}{did_you_mean(key, allowed)} (use {', '.join(allowed)})",
                )

    def time(self, mapping: dict[str, Any], key: str, default: dt.time, where: str) -> dt.time:
        """An "HH:MM" local time."""
        if key not in mapping:
            return default
        value, line = mapping[key], key_line(mapping, key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            # YAML 1.1 reads an unquoted 21:00 as the number 1260 (base 60).
            self.problem(line, f'{at(where, key)}: write the time in quotes, such as "{value // 60:02d}:{value % 60:02d}"')
            return default
        match = _TIME.match(value.strip()) if isinstance(value, str) else None
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            self.problem(line, f'{at(where, key)}: {value!r} is not a time such as "21:00" (HH:MM, 00:00 to 23:59)')
            return default
        return dt.time(int(match.group(1)), int(match.group(2)))

    def integer(self, mapping: dict[str, Any], key: str, default: int, where: str, *, minimum: int = 1, maximum: int = MAX_DAYS) -> int:
        if key not in mapping:
            return default
        value, line = mapping[key], key_line(mapping, key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(line, f"{at(where, key)} must be a whole number from {minimum} to {maximum} (got {value!r})")
            return default
        if not minimum <= value <= maximum:
            self.problem(line, f"{at(where, key)} must be from {minimum} to {maximum} (got {value})")
            return default
        return value

    def number(self, mapping: dict[str, Any], key: str, default: float, where: str, *, maximum: float) -> float:
        if key not in mapping:
            return default
        value, line = mapping[key], key_line(mapping, key)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= maximum:
            self.problem(line, f"{at(where, key)} must be a number above 0 and at most {maximum:g} (got {value!r})")
            return default
        return float(value)

    def boolean(self, mapping: dict[str, Any], key: str, default: bool, where: str) -> bool:
        if key not in mapping:
            return default
        value = mapping[key]
        if not isinstance(value, bool):
            self.problem(key_line(mapping, key), f"{at(where, key)} must be true or false (got {value!r})")
            return default
        return value

    def strings(self, mapping: dict[str, Any], key: str, where: str) -> list[str] | None:
        """A list of texts (a single text counts as a list of one); None when absent or wrong."""
        if key not in mapping:
            return None
        value = mapping[key]
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            self.problem(key_line(mapping, key), f"{at(where, key)} must be a list such as [a, b] (got {value!r})")
            return None
        return [str(v).strip() for v in value]

    def names(self, mapping: dict[str, Any], key: str, default: frozenset[str], choices: Collection[str], where: str) -> frozenset[str]:
        """A list of names each among `choices`."""
        values = self.strings(mapping, key, where)
        if values is None:
            return default
        for value in values:
            if value not in choices:
                self.problem(
                    key_line(mapping, key),
                    f"{at(where, key)}: unknown {value!r}{did_you_mean(value, choices)} (use {', '.join(sorted(choices))})",
                )
        return frozenset(v for v in values if v in choices)

    def customers_file(self, base: Path, name: Any, line: int | None, region: str, channels: Collection[str]) -> set[str]:
        """The VIP customers listed in a text file next to policies.yaml: one per line, # comments."""
        if not isinstance(name, str) or not name.strip():
            self.problem(line, f"vip.customers_file must be a file name such as vip_customers.txt (got {name!r})")
            return set()
        path = base / name.strip()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problem(line, f"vip.customers_file: {path} does not exist")
            return set()
        except UnicodeDecodeError as exc:
            self.errors.append(KnowledgeError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
            return set()
        except OSError as exc:
            self.problem(line, f"vip.customers_file: cannot read {path}: {exc.strerror}")
            return set()
        found = set()
        for number, raw in enumerate(text.splitlines(), start=1):
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            key, why = customer_key(entry, region, channels)
            if key is None:
                self.errors.append(KnowledgeError(path, number, why))
            else:
                found.add(key)
        return found


def mapping_line(value: Any, fallback: int | None) -> int | None:
    return line_of(value) or fallback
