"""Engine replies as Telegram messages: HTML-escaped text, split to Telegram's length, inline keyboards.

The engine emits plain text (its own lines and the operator's answers), and the bot sends with
parse_mode=HTML, so every reply is escaped: a "<" in an answer or an echoed customer phrase can never
break the message or inject markup. Telegram counts the 4096-character limit on the text after entity
parsing, in UTF-16 code units, so the plain text is split first and each part escaped afterwards.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram.callbacks import Feedback, IntentRefs, pack_action
from bot.engine.types import ActionKind, Reply, ReplyKind

MESSAGE_LIMIT = 4096
BUTTON_LABEL_LIMIT = 64
FEEDBACK_UP = "👍"
FEEDBACK_DOWN = "👎"


@dataclass(frozen=True)
class RenderedMessage:
    """One sendMessage call: HTML text and an optional keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Escape plain text for parse_mode=HTML (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit` UTF-16 units): the last paragraph, line, sentence or word break."""
    # The longest prefix within the limit, in code points.
    units = 0
    end = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            end = index
            break
    else:  # pragma: no cover - callers only pass text over the limit
        return len(text)
    window = text[:end]
    minimum = end // 3  # never produce a tiny first part when a hard cut would be better balanced
    for separator in ("\n\n", "\n"):
        cut = window.rfind(separator)
        if cut > minimum:
            return cut + len(separator)
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window) if minimum < m.end() < end]
    if sentence_ends:
        return sentence_ends[-1]
    for index in range(end - 1, minimum, -1):
        if window[index].isspace():
            return index + 1
    return end


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into parts of at most `limit` UTF-16 units, preferring paragraph, then line, then sentence,
    then word boundaries; a part never starts or ends with the whitespace it was cut at."""
    text = text.strip()
    if not text:
        return []
    parts: list[str] = []
    while utf16_len(text) > limit:
        cut = _cut_point(text, limit)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        if head:
            parts.append(head)
    if text:
        parts.append(text)
    return parts


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BUTTON_LABEL_LIMIT else text[: BUTTON_LABEL_LIMIT - 1] + "…"


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def keyboard(reply: Reply, refs: IntentRefs) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply: its options, and 👍 / 👎 under an FAQ answer.

    The main menu is a 2x2 grid, the three languages one row, every other list one choice per row
    (FAQ titles are long). Built directly rather than with `InlineKeyboardBuilder`, whose deep copies
    cost more than the rest of the rendering.
    """
    buttons = []
    for option in reply.options:
        data = pack_action(option.action, refs)
        if data is not None:
            buttons.append(InlineKeyboardButton(text=_label(option.label), callback_data=data))
    if reply.kind is ReplyKind.MENU:
        width = 2
    elif buttons and all(o.action.kind is ActionKind.LANGUAGE for o in reply.options):
        width = 3
    elif len(buttons) == 5 and all(o.action.kind is ActionKind.SURVEY for o in reply.options):
        width = 5  # the satisfaction scores 1..5 in one row
    else:
        width = 1
    rows = _rows(buttons, width)
    if reply.kind is ReplyKind.ANSWER and reply.message_id is not None:
        rows.append(
            [
                InlineKeyboardButton(text=FEEDBACK_UP, callback_data=Feedback(message_id=reply.message_id, vote="up").pack()),
                InlineKeyboardButton(text=FEEDBACK_DOWN, callback_data=Feedback(message_id=reply.message_id, vote="down").pack()),
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def render(reply: Reply, refs: IntentRefs, limit: int = MESSAGE_LIMIT) -> list[RenderedMessage]:
    """One reply as one or more messages; the keyboard goes under the last part."""
    parts = split_text(reply.text, limit) or ["…"]
    markup = keyboard(reply, refs)
    messages = [RenderedMessage(escape(part)) for part in parts[:-1]]
    messages.append(RenderedMessage(escape(parts[-1]), markup))
    return messages
