"""Every line the booking flow says, in zh-Hans, zh-Hant and en: one table and its lookup `say`.

The lines live in one module per topic (messages_flow, messages_questions, ...); this module
combines them into `MESSAGES` so callers and tests see a single table.

Policy numbers match the demo knowledge base (knowledge/faq): engineers call back within 2 hours on
working days; bookings can be changed or cancelled free up to 2 hours before; loaners are free, with ID
and no deposit; an in-warranty repair not done in 14 days gets a new device; courier pickup is free both
ways within 24 hours; out of warranty the check is free and labour is 80 yuan plus parts, quoted first.
A test checks every key has the three languages with the same placeholders.
"""

from __future__ import annotations

from bot.engine.booking.messages_flow import FLOW_MESSAGES
from bot.engine.booking.messages_manage import MANAGE_MESSAGES
from bot.engine.booking.messages_options import OPTION_MESSAGES
from bot.engine.booking.messages_questions import QUESTION_MESSAGES
from bot.engine.booking.messages_refusals import REFUSAL_MESSAGES
from bot.engine.booking.messages_schedule import SCHEDULE_MESSAGES
from bot.engine.booking.messages_service import SERVICE_MESSAGES
from bot.engine.booking.messages_summary import SUMMARY_MESSAGES
from bot.settings import Language

_PARTS: tuple[dict[str, dict[Language, str]], ...] = (
    FLOW_MESSAGES,
    QUESTION_MESSAGES,
    OPTION_MESSAGES,
    SERVICE_MESSAGES,
    REFUSAL_MESSAGES,
    SCHEDULE_MESSAGES,
    SUMMARY_MESSAGES,
    MANAGE_MESSAGES,
)


def _combine(parts: tuple[dict[str, dict[Language, str]], ...]) -> dict[str, dict[Language, str]]:
    """One table from the topic tables; a key defined in two of them is a mistake."""
    table: dict[str, dict[Language, str]] = {}
    for part in parts:
        repeated = table.keys() & part.keys()
        if repeated:
            raise ValueError(f"booking message keys defined twice: {', '.join(sorted(repeated))}")
        table.update(part)
    return table


MESSAGES: dict[str, dict[Language, str]] = _combine(_PARTS)


def say(key: str, language: Language, **values: object) -> str:
    """The booking flow's line `key` in `language`, with placeholders filled in."""
    text = MESSAGES[key][language]
    return text.format(**values) if values else text
