"""One-message booking: what a first message already says, taken as the answers to later questions.

By SMS a customer often sends everything at once:

    报修 X20 Pro 屏幕碎了 北京朝阳 明天上午
    REPAIR Acme Book 14 no power Shanghai Saturday

`read_request` splits such a message (one that starts with 报修 / 報修 / REPAIR and is no question) into the parts the flow asks for and returns them as *hints*,
texts keyed by question: {"fault": "屏幕碎了", "city": "北京朝阳", "day": "明天上午"} (the model and
type the flow already takes itself). On channel "sms" the sender's number is the hint for "phone".

The hints are kept in the booking state (`bk["hints"]`). Whenever the flow is about to ask a question
that has a hint, `apply_hints` first gives the hint to that question's field (fields.py) to read, exactly as if
the customer had typed it then: the same validation, the same dependent answers (the centre of "北京朝阳"
is only taken among centres offering the service chosen meanwhile, the day only if it has free slots).
A hint that is not a valid answer is dropped and the question is asked as usual. So what can be read is
taken, and only what is missing is asked, one question at a time.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Protocol

from bot.engine.answers.dates import parse_when
from bot.engine.answers.words import key, looks_like_question
from bot.engine.booking.matching import (
    centre_in_text,
    match_city,
    model_in_text,
    type_in_text,
)
from bot.engine.booking.messages import say
from bot.engine.forms.field import TAKEN, Refusal
from bot.engine.types import ReplyKind
from bot.knowledge.catalog import Catalog

if TYPE_CHECKING:
    from bot.engine.context import TurnContext
    from bot.storage.store import Turn

HINTED_STEPS = ("fault", "city", "day", "phone")
BOOK_WORDS = ("我要报修", "我要報修", "报修", "報修", "repair")

_CJK = r"\u3400-\u9fff"
_SPLIT = re.compile(r"[\s,，;；、。!！?？:：]+")
_SCRIPT_EDGE = re.compile(rf"(?<=[{_CJK}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{_CJK}])")
_CN_TIME = re.compile(
    r"(?:今天|今日|明天|明日|后天|後天|大后天|大後天|(?:下下?|这|這|本)?(?:周|週|星期|礼拜|禮拜)[一二三四五六日天1-7]"
    r"|\d{1,2}月\d{1,2}[日号號]?)"
    r"(?:(?:上午|下午|中午|晚上|早上)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[点點时時](?:半|\d{1,2}分?)?"
    r"|上午|下午|中午|晚上|早上)?"
)
_EN_TIME_WORD = re.compile(
    r"\b(today|tonight|tomorrow|next|this|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|morning|afternoon|evening|noon|\d{1,2}(:\d{2})?\s*(am|pm))\b",
    re.IGNORECASE,
)
_FILLER = re.compile(r"^(我的|我|的|my|the|a|an|is|it|and|please|pls|in|at|on|了)$", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


def strip_book_word(text: str) -> str:
    """The message without the booking word it starts with ("报修 X20..." -> "X20...")."""
    plain = unicodedata.normalize("NFKC", text).strip()
    for word in BOOK_WORDS:
        if plain.lower().startswith(word):
            rest = plain[len(word):]
            if word.isascii() and rest and rest[0].isalnum():
                continue  # "booking", "repairs"
            return rest.lstrip(" :：,，-")
    return plain


def _chunks(text: str, catalog: Catalog) -> list[str]:
    """Words and phrases: split at spaces and punctuation, around the time, city and district expressions
    glued inside a Chinese phrase ("屏幕碎了北京朝阳明天上午"), and at Chinese/Latin edges ("X20屏幕")."""
    pieces: list[str] = []
    for part in _SPLIT.split(text):
        for piece in _split_cjk(part, catalog) if re.search(f"[{_CJK}]", part) else [part]:
            if _CN_TIME.fullmatch(piece):
                pieces.append(piece)
            else:
                pieces.extend(p for p in _SCRIPT_EDGE.split(piece) if p)
    return [p for p in pieces if p.strip()]


def _place_names(catalog: Catalog) -> list[str]:
    names: set[str] = set()
    for centre in catalog.centres:
        names.update(n for n in centre.city.values() if re.search(f"[{_CJK}]", n))
        names.update(n for n in centre.city_aliases if re.search(f"[{_CJK}]", n))
        for district in centre.district.values():
            if re.search(f"[{_CJK}]", district):
                names.add(district)
                names.add(re.sub(r"(新区|新區|区|區)$", "", district))
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def _split_cjk(piece: str, catalog: Catalog) -> list[str]:
    names = _place_names(catalog)
    pattern = re.compile("|".join([_CN_TIME.pattern, *map(re.escape, names)])) if names else _CN_TIME
    out, at = [], 0
    for found in pattern.finditer(piece):
        if found.end() == found.start():
            continue
        out.append(piece[at:found.start()])
        out.append(found.group())
        at = found.end()
    out.append(piece[at:])
    return [o for o in out if o]


_EN_CONNECTORS = {"at", "on", "in", "the", "around", "about", "by"}


def _is_time(words: list[str], base: dt.datetime) -> bool:
    """A run of words that is a time and nothing else ("Saturday morning", "明天上午", not "14")."""
    text = " ".join(words)
    if not _LETTER.search(text):
        return False  # "14" is a model number, not the 14th
    if re.search(f"[{_CJK}]", text):
        if len(words) != 1 or not _CN_TIME.fullmatch(text):
            return False
    elif words[0].lower() in _EN_CONNECTORS or words[-1].lower() in _EN_CONNECTORS or not all(
        w.lower() in _EN_CONNECTORS or _EN_TIME_WORD.fullmatch(w) for w in words
    ):
        return False
    return parse_when(text, base) is not None


_PART_OF_DAY = re.compile(
    r"(?:上午|下午|中午|晚上|早上|傍晚)(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})[点點时時](?:半|\d{1,2}分?)?)?"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})[点點时時](?:半|\d{1,2}分?)?"
)


def time_only(text: str, base: dt.datetime) -> bool:
    """True when the whole answer is a day and/or time ("下週三", "tomorrow 3pm", "上午"), nothing else."""
    plain = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.!！")
    if not plain or len(plain) > 40:
        return False
    if re.search(f"[{_CJK}]", plain):
        compact = re.sub(r"\s+", "", plain)
        simplified = compact.replace("週", "周").replace("禮拜", "礼拜").replace("後", "后").replace("點", "点")
        if not (_CN_TIME.fullmatch(simplified) or _PART_OF_DAY.fullmatch(simplified)):
            return False
        return parse_when(compact, base) is not None
    words = plain.split()
    return _is_time(words, base) if words else False


def has_day(text: str) -> bool:
    """True when a time expression names a day, not only a part of the day or an hour ("上午", "3pm")."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    if re.search(f"[{_CJK}]", plain):
        return not _PART_OF_DAY.fullmatch(re.sub(r"\s+", "", plain).replace("點", "点"))
    return bool(re.search(
        r"\b(today|tonight|tomorrow|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday"
        r"|friday|saturday|sunday)\b", plain, re.IGNORECASE))


def _find_time(chunks: list[str], taken: list[bool], base: dt.datetime) -> tuple[int, int] | None:
    for size in (3, 2, 1):
        for i in range(len(chunks) - size + 1):
            if not any(taken[i:i + size]) and _is_time(chunks[i:i + size], base):
                return i, size
    return None


def read_request(catalog: Catalog, text: str, *, base: dt.datetime, phone: str | None = None) -> dict[str, str]:
    """Hints for the booking questions from one free message (see the module docstring)."""
    hints: dict[str, str] = {"phone": phone} if phone else {}
    body = strip_book_word(text or "")
    if body == unicodedata.normalize("NFKC", text or "").strip() or looks_like_question(body):
        # No booking word first (an ordinary sentence that started the flow), or a question ("报修电话是多少"):
        # not a request form.
        return hints
    chunks = _chunks(body, catalog)
    taken = [False] * len(chunks)
    # The product: every word that is part of the model's (or type's) name.
    model = model_in_text(catalog, body)
    product_type = catalog.product_type(model.type_id) if model else type_in_text(catalog, body)
    names = [key(model.name), *(key(a) for a in getattr(model, "aliases", ()))] if model else []
    if product_type is not None and model is None:
        names += [key(n) for n in (*product_type.name.values(), *product_type.aliases)]
    for i, chunk in enumerate(chunks):
        compact = key(chunk)
        if compact and any(compact in name for name in names) and (len(compact) >= 2 or chunk.isdigit()):
            taken[i] = True
    # Time: runs of up to three words ("tomorrow 3pm", "Saturday morning", "明天上午"), longest first.
    when = _find_time(chunks, taken, base)
    if when is not None:
        start, size = when
        hints["day"] = " ".join(chunks[start:start + size])
        taken[start:start + size] = [True] * size
    # Place: the words that name the city, then a district of it ("北京朝阳", "Shanghai Xuhui").
    city = None
    for i, chunk in enumerate(chunks):
        if taken[i] or not _LETTER.search(chunk):
            continue
        found = match_city(catalog, chunk).sure
        if found is not None and len(key(chunk)) >= 2:
            city = found
            taken[i] = True
            place = [chunk]
            break
    if city is not None:
        centres = catalog.centres_in(city)
        for i, chunk in enumerate(chunks):
            if not taken[i] and _LETTER.search(chunk) and centre_in_text(centres, chunk) is not None:
                taken[i] = True
                place.append(chunk)
                break
        hints["city"] = " ".join(place)
    # What is left, in the customer's words, is the fault.
    rest = [c for c, t in zip(chunks, taken, strict=True) if not t and not _FILLER.match(c)]
    fault = " ".join(rest).strip()
    if len(_LETTER.findall(fault)) >= 2:
        hints["fault"] = fault
    return hints


class HintedFlow(Protocol):
    """What `apply_hints` uses of the booking flow (`BookingFlow` satisfies it): the current question and
    its field's reading of an answer. A protocol so this module does not import the flow that imports it."""

    def current(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> str: ...

    async def read_hint(self, ctx: TurnContext, turn: Turn, bk: dict[str, Any], text: str) -> object: ...


async def apply_hints(flow: HintedFlow, ctx: TurnContext, turn: Turn, bk: dict[str, Any]) -> None:
    """Answer the current question from its hint, then the next, until a question has none (or refuses it)."""
    hints = bk.get("hints")
    while hints:
        step = flow.current(ctx, turn, bk)
        hint = hints.pop(step, None)
        if hint is None:
            break
        drafts = len(ctx.drafts)
        outcome = await flow.read_hint(ctx, turn, bk, hint)
        if outcome is not TAKEN:  # not a valid answer (or the field asked something itself): ask as usual
            del ctx.drafts[drafts:]
            if step in (bk.pop("kept", None) or []) and isinstance(outcome, Refusal):
                # A day the customer gave at an earlier question: say why it is not taken ("12月2日 is full").
                ctx.reply(say(outcome.key, ctx.language, **outcome.values), ReplyKind.INFO)
            break
    if not hints:
        bk.pop("hints", None)
