"""Replies written for SMS: plain text, options as numbered lines, cut at 3 parts with "reply MORE".

The options of a reply are never left for MORE when they fit: the text above them is cut instead, so
"1" always means an option the customer can read.

The engine's replies of one turn go out as one SMS (one short message at a time, not three). Markdown
and HTML are removed; typographic quotes and dashes become plain ones when that keeps an English text
in GSM-7. A text longer than `max_segments` parts is cut, preferably at a line or sentence end, and
ends with "(reply MORE for the rest)" in the customer's language; the rest is kept for MORE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from bot.channels.sms.messages import say
from bot.channels.sms.segments import gsm_friendly, segment_count
from bot.engine.types import Reply
from bot.settings import Language

MAX_SEGMENTS = 3

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_TAG = re.compile(r"</?(b|strong|i|em|u|s|code|pre|a)(\s[^>]*)?>", re.I)
_BULLET = re.compile(r"^(\s*)[•●▪◦·*]\s+", re.M)
_BLANKS = re.compile(r"\n{3,}")
_BREAKS = ("\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", "、")


def plain(text: str) -> str:
    """Markdown / HTML formatting removed, bullets as "-", at most one empty line in a row."""
    text = _LINK.sub(r"\1 \2", text)
    text = _BOLD.sub(r"\2", text)
    text = _CODE.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _TAG.sub("", text)
    text = _BULLET.sub(r"\1- ", text)
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def render_reply(reply: Reply) -> str:
    """One reply: its text, then its options as "1. label" lines (the customer answers with the digit)."""
    lines = [plain(reply.text)]
    lines += [f"{number}. {plain(option.label)}" for number, option in enumerate(reply.options, start=1)]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class SmsText:
    """A turn rendered for SMS: the text, and how many of its last lines are the last reply and its options.

    The line counts let `cut_reply` keep a question with its numbered options on the first page, and say
    how many of those options were sent, without reading the rendered text back.
    """

    text: str
    reply_lines: int = 0
    option_lines: int = 0


class Page(NamedTuple):
    """What to send now, the rest for MORE, and how many of the last reply's options are in `head`
    (None: all of them, or there were none): a digit must not pick an option still in `rest`."""

    head: str
    rest: str | None
    options_sent: int | None = None


def render_replies(replies: Iterable[Reply]) -> SmsText:
    """All replies of one turn as one SMS text, with the line counts `cut_reply` needs."""
    replies = list(replies)
    text = gsm_friendly("\n".join(t for t in (render_reply(r) for r in replies) if t))
    if not (replies and replies[-1].options):
        return SmsText(text)
    last, words = render_reply(replies[-1]), plain(replies[-1].text)
    reply_lines = last.count("\n") + 1
    return SmsText(text, reply_lines, reply_lines - (words.count("\n") + 1 if words else 0))


def cut(text: str, language: Language, max_segments: int | None = None) -> tuple[str, str | None]:
    """(what to send now, the rest for MORE or None) for free text. At most `max_segments` parts are sent."""
    page = cut_reply(SmsText(text), language, max_segments)
    return page.head, page.rest


def cut_reply(rendered: SmsText, language: Language, max_segments: int | None = None) -> Page:
    """A rendered turn cut for SMS, at most `max_segments` parts now and the rest for MORE.

    The last reply with numbered options (its question and options, or else the options alone) stays on
    the first page, after the "reply MORE" line: a digit may only ever pick an option the customer has
    been sent. Only when the options alone do not fit are they cut like the rest; `Page.options_sent`
    then says how many arrived, and the SMS channel refuses a digit naming one that did not.
    """
    max_segments = MAX_SEGMENTS if max_segments is None else max_segments  # read now: tests may lower it
    text = gsm_friendly(rendered.text.strip())
    if segment_count(text) <= max_segments:
        return Page(text, None)
    suffix = "\n" + say("more.suffix", language)
    lines = text.split("\n")
    for count in (rendered.reply_lines, rendered.option_lines):  # the whole last reply if it fits, else its options
        if not count or count >= len(lines):
            continue
        body, tail = "\n".join(lines[:-count]).rstrip(), "\n".join(lines[-count:])
        kept = _cut_keeping(body, suffix + "\n" + tail, max_segments)
        if kept is not None:
            return Page(*kept)
    head, rest, end = _cut_plain(text, suffix, max_segments)
    if not rendered.option_lines or rest is None:
        return Page(head, rest)
    first_option_line = len(lines) - rendered.option_lines
    complete_lines = text[:end].count("\n") + (1 if end < len(text) and text[end] == "\n" else 0)
    return Page(head, rest, max(0, complete_lines - first_option_line))


def _cut_keeping(body: str, tail: str, max_segments: int) -> tuple[str, str | None] | None:
    """The body cut so that it and `tail` (MORE line and options) fit; None when the tail alone does not."""
    if not body or segment_count(gsm_friendly(tail.strip())) > max_segments:
        return None
    head, rest, _ = _split(body, tail, max_segments)
    return (head + tail, rest) if head else None


def _cut_plain(text: str, suffix: str, max_segments: int) -> tuple[str, str | None, int]:
    """(head with the MORE suffix, rest, where `text` was cut)."""
    head, rest, end = _split(text, suffix, max_segments)
    return head + suffix, rest, end


def _split(text: str, after: str, max_segments: int) -> tuple[str, str | None, int]:
    """The longest start of `text` that fits in `max_segments` parts followed by `after`, cut at a good
    break (or hard when nothing fits before one): (head, rest or None, where `text` was cut)."""
    low, high = 0, len(text)  # binary search: the part count grows with the length
    while low < high:
        middle = (low + high + 1) // 2
        if segment_count(text[:middle].rstrip() + after) <= max_segments:
            low = middle
        else:
            high = middle - 1
    end = _break_before(text, low)
    if not text[:end].rstrip():  # nothing fits before a break: cut hard
        end = low
    return text[:end].rstrip(), text[end:].strip() or None, end


def _break_before(text: str, limit: int) -> int:
    """The best place to cut at or before `limit`: a line end, a sentence end, a space; not too early."""
    if limit >= len(text):
        return len(text)
    window = text[:limit]
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at >= limit // 2:
            return at + len(mark.rstrip()) if mark.strip() else at + 1
    if limit < len(text) and text[limit - 1 : limit + 1].isalnum() and text[limit - 1].isascii():
        space = window.rfind(" ")  # do not split an English word if it can be helped
        if space > 0:
            return space + 1
    return limit
