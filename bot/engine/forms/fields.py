"""Reading one answer to one form field, by the field's type; a refusal says why, for the re-ask.

Every stored value is plain JSON (the draft lives in the conversation state, the submission in a JSON
column): text as typed, a choice as the option's number (its label is shown in the customer's language
of the moment), a date as ISO, a time as the ISO start and end of the wished-for window, a phone
number in E.164. The parsers are the booking form's, so a phone number or a date reads the same in every form.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from rapidfuzz import fuzz, process

from bot.engine.answers.dates import DateSpan, parse_purchase_date, parse_when
from bot.engine.answers.identifiers import DeviceId, parse_device_id
from bot.engine.answers.phones import display_phone, parse_phone, phone_problem
from bot.engine.answers.words import is_no, is_yes, key
from bot.engine.forms.field import Refusal
from bot.i18n import text as line
from bot.knowledge.forms import FormField
from bot.settings import LANGUAGES, Language

MAX_TEXT_CHARS = 500
MIN_ADDRESS_CHARS = 6
CHOICE_SCORE = 85.0  # a typed label at least this close to one option (and clearly closer than the next) picks it
# Words that put a day ahead ("下周三", "明天", "next Friday"); "下午" or "前后" do not.
_FUTURE_WORD = re.compile(
    r"下[周週个個星礼禮]|下下|明[天日年早晚]|[后後]天|\b(?:next|tomorrow|coming)\b", re.IGNORECASE
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 1,000 or 12,345.6: thousands, not decimals

__all__ = ["Refusal", "display", "example", "parse_local_phone", "phone_regions", "read_answer"]


def read_answer(spec: FormField, text: str, now: dt.datetime, language: Language) -> Any | Refusal:
    """The value to store for `text` typed as the answer to `spec`, or why it cannot be taken."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return Refusal("form.refused.empty")
    if spec.type == "phone":
        return _phone(text, language)
    reader = _READERS[spec.type]
    return reader(spec, text, now)


def phone_regions(language: Language) -> tuple[str, ...]:
    """Where a number written without +country code is most likely from, by the customer's language."""
    return ("TW", "HK", "CN") if language == "zh-Hant" else ("CN", "HK", "TW")


def parse_local_phone(text: str, language: Language) -> str | None:
    """A phone number in E.164, read in the first region where it is a valid number ("+852 ..." anywhere)."""
    return next((number for region in phone_regions(language) if (number := parse_phone(text, region))), None)


def display(spec: FormField, value: Any, language: Language) -> str:
    """A stored value as the customer (and the agent) reads it."""
    if value is None:
        return line("form.skipped", language)
    if spec.type == "choice" and isinstance(value, int) and 0 <= value < len(spec.options):
        return spec.options[value][language]
    if spec.type == "yes_no":
        return line("form.option.yes" if value else "form.option.no", language)
    if spec.type == "phone":
        return display_phone(str(value))
    if spec.type == "time" and isinstance(value, dict):
        start = dt.datetime.fromisoformat(value["start"])
        end = dt.datetime.fromisoformat(value["end"]) + dt.timedelta(seconds=1)  # stored inclusive: 17:59:59
        day = start.date().isoformat()
        return f"{day} {start:%H:%M}–{end:%H:%M}" if value.get("has_time") else day
    return str(value)


def example(spec: FormField, language: Language) -> str:
    """What a good answer looks like: the operator's own example, else the type's."""
    if spec.example:
        return spec.example[language]
    if spec.type == "date" and spec.when == "past":
        return line("form.example.date_past", language)
    return line(f"form.example.{spec.type}", language)


def _text(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    if len(text) > MAX_TEXT_CHARS:
        return Refusal("form.refused.too_long", {"limit": MAX_TEXT_CHARS})
    return text


def _address(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    if len(text) > MAX_TEXT_CHARS:
        return Refusal("form.refused.too_long", {"limit": MAX_TEXT_CHARS})
    if len(re.sub(r"\s+", "", text)) < MIN_ADDRESS_CHARS:
        return Refusal("form.refused.address")
    return text


def _choice(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    """A label typed in any of the three languages picks its option (numbers come as button actions)."""
    labels = {key(option[lang]): index for index, option in enumerate(spec.options) for lang in LANGUAGES}
    typed = key(text)
    if typed in labels:
        return labels[typed]
    # Plain edit-distance ratio on the whole label: "very slw" is "Very slow", but "n" or "another" is not
    # "No" / "Other" (a partial-match scorer would take them).
    found = process.extract(typed, list(labels), scorer=fuzz.ratio, limit=None)
    best = [labels[name] for name, score, _ in found if score >= CHOICE_SCORE]
    if best and all(index == best[0] for index in best):
        return best[0]
    return Refusal("form.refused.choice")


def _yes_no(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    if is_yes(text):
        return True
    if is_no(text):
        return False
    return Refusal("form.refused.yes_no")


def _date(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    today = now.date()
    if spec.when == "past":  # "周三" is the last Wednesday, "yesterday" yesterday
        span = parse_purchase_date(text, today)
        # "next Friday" or "明天" is a day to come, not one a year ago (the purchase-date reading of a
        # date without a year).
        if span == "future" or _FUTURE_WORD.search(text):
            return Refusal("form.refused.date_future")
        if not isinstance(span, DateSpan) or not span.exact:
            return Refusal("form.refused.date")
        return span.first.isoformat()
    when = parse_when(text, now.replace(tzinfo=None))
    if when is None or when.start.date() != when.end.date():
        return Refusal("form.refused.date")
    if when.start.date() < today:
        return Refusal("form.refused.date_past")
    return when.start.date().isoformat()


def _time(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    when = parse_when(text, now.replace(tzinfo=None))
    if when is None:
        return Refusal("form.refused.time")
    if when.has_time and when.end < now.replace(tzinfo=None):  # "今天上午9点" said at 15:00
        return Refusal("form.refused.date_past")
    if when.end.date() < now.date():
        return Refusal("form.refused.date_past")
    return {"start": when.start.isoformat(), "end": when.end.isoformat(), "has_time": when.has_time}


def _phone(text: str, language: Language) -> Any | Refusal:
    number = parse_local_phone(text, language)
    if number is None:
        return Refusal(f"form.refused.phone_{phone_problem(text) or 'invalid'}")
    return number


def _number(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    compact = text.replace(" ", "")
    if _GROUPED.match(compact):
        return compact.replace(",", "")
    if not _NUMBER.match(compact):
        return Refusal("form.refused.number")
    return compact.replace(",", ".")


def _serial(spec: FormField, text: str, now: dt.datetime) -> Any | Refusal:
    found = parse_device_id(text, "imei" if spec.type == "imei" else "serial")
    if not isinstance(found, DeviceId):
        return Refusal(f"form.refused.{found}")
    if spec.type == "imei" and found.kind != "imei":
        return Refusal("form.refused.bad_imei")
    return found.value


_READERS = {
    "text": _text,
    "address": _address,
    "choice": _choice,
    "yes_no": _yes_no,
    "date": _date,
    "time": _time,
    "number": _number,
    "serial": _serial,
    "imei": _serial,
}
