"""Answers already in the message that started a form: "宽带断了，电话 13800138000" gives the phone.

Only what cannot be misread is taken: a valid phone number, a valid IMEI, a choice whose whole label
appears in the message, each only when the message holds exactly one. The summary shows everything
before submitting, so a prefilled answer can still be changed.
"""

from __future__ import annotations

import re

from bot.engine.answers.identifiers import DeviceId, parse_device_id
from bot.engine.answers.words import key, words
from bot.engine.forms.draft import FormDraft
from bot.engine.forms.fields import parse_local_phone
from bot.knowledge.forms import FormField, FormSpec
from bot.settings import LANGUAGES, Language

_DIGIT_RUN = re.compile(r"\+?\d[\d \-]{5,18}\d")
MIN_LABEL_CHARS = 2


def prefill(spec: FormSpec, draft: FormDraft, text: str, language: Language) -> None:
    """Fill the draft with the answers the first message already gives."""
    if not text:
        return
    runs = [m.group(0) for m in _DIGIT_RUN.finditer(text)]
    phones = {p for run in runs if (p := parse_local_phone(run, language)) is not None}
    imeis = {d.value for run in runs if isinstance(d := parse_device_id(run, "imei"), DeviceId) and d.kind == "imei"}
    for field in spec.fields:
        if field.id in draft.answers:
            continue
        if field.type == "phone" and len(phones) == 1:
            draft.answers[field.id] = phones.pop()
        elif field.type == "imei" and len(imeis) == 1:
            draft.answers[field.id] = imeis.pop()
        elif field.type == "choice":
            chosen = _choice_in(field, text)
            if chosen is not None:
                draft.answers[field.id] = chosen


def _choice_in(field: FormField, text: str) -> int | None:
    """The one option whose label (in any language) the message contains, if exactly one does."""
    found = {
        index
        for index, option in enumerate(field.options)
        for language in LANGUAGES
        if _mentions(text, option[language])
    }
    return found.pop() if len(found) == 1 else None


def _mentions(text: str, label: str) -> bool:
    """Chinese labels anywhere in the message; Latin ones as whole words ("No" is not in "not working")."""
    compact = key(label)
    if len(compact) < MIN_LABEL_CHARS:
        return False
    if compact.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(words(label))}(?![a-z0-9])", words(text)) is not None
    return compact in key(text)
