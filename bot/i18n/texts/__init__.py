"""Every line the bot says, as data, one module per topic; `bot.i18n.catalog` combines them.

Each topic module defines `NAMESPACE` (prefixed to its keys with a dot; "" for the engine's own
lines) and `TEXTS` (key -> language -> line or `plural(...)`). Adding a topic is one line: its module
name in `TOPIC_NAMES`. A key defined by two topics stops the import.

Booking policy numbers match the demo knowledge base (knowledge/faq): engineers call back within 2
hours on working days; bookings can be changed or cancelled free up to 2 hours before; loaners are
free, with ID and no deposit; an in-warranty repair not done in 14 days gets a new device; courier
pickup is free both ways within 24 hours; out of warranty the check is free and labour is 80 yuan plus
parts, quoted first.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# The topic modules of this package, in the order their keys are listed. A new topic: one name here.
TOPIC_NAMES: tuple[str, ...] = (
    "engine",
    "booking_flow",
    "booking_questions",
    "booking_options",
    "booking_service",
    "booking_refusals",
    "booking_schedule",
    "booking_summary",
    "booking_manage",
    "handoff",
    "telegram",
    "sms",
    "console",
    "cli",
    "forms",
    "repairs_promises",
    "repairs_notices",
    "repairs_customer",
    "repairs_staff",
    "webchat",
    "staff",
    "console_web",
    "dashboard",
    "learning",
)

TOPICS: tuple[ModuleType, ...] = tuple(import_module(f"{__name__}.{name}") for name in TOPIC_NAMES)
