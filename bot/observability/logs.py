"""Log lines an operator can ship to a collector: JSON (LOG_FORMAT=json) or text, never personal data.

Customers type phone numbers, IMEIs and serial numbers, and channels log chat ids and phone numbers:
every long run of digits is masked down to its last four (`mask_personal`) in the message, the
exception and the stack of every record, in both formats. A line logged during a customer's turn
carries that conversation's id (`turn_context`, entered by `Runtime.handle`), so one conversation's
lines can be found among several instances' without logging who the customer is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO

from bot.errors import install_secret_filter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# Seven digits or more, optionally joined by single spaces or hyphens ("+86 138-0013-8000"): phone
# numbers, IMEIs, serials, chat ids. Not the tail of a decimal ("0.87654321" is a confidence).
_DIGIT_RUN = re.compile(r"(?<![\d.])\+?\d(?:[ \-]?\d){6,}")
# A date, possibly followed by its hour ("2026-12-01 10:00"), is not personal and is what logs are read by.
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2})?")


def _keep_last_four(match: re.Match[str]) -> str:
    run = match.group(0)
    if _DATE.fullmatch(run):
        return run
    digits = [c for c in run if c.isdigit()]
    return MASK + "".join(digits[-4:])


def mask_personal(text: str) -> str:
    """`text` with phone numbers, IMEIs and other long digit runs cut to `***` and their last four digits.

    The last four are kept because that is how people match a line to a case ("the number ending 8000")."""
    return _DIGIT_RUN.sub(_keep_last_four, text)


@dataclass
class TurnTag:
    """What the log lines of one customer's turn are tagged with."""

    channel: str
    # Unknown until the engine has loaded the conversation of a customer this process has not seen yet.
    conversation_id: int | None = None


_TURN: ContextVar[TurnTag | None] = ContextVar("supportbot_turn", default=None)


@contextmanager
def turn_context(channel: str, conversation_id: int | None = None) -> Iterator[TurnTag]:
    """Tag every line logged inside (in this task and the tasks it starts) with the turn's conversation.

    The tag is mutable so the caller can fill in the conversation id once the engine knows it."""
    tag = TurnTag(channel, conversation_id)
    token = _TURN.set(tag)
    try:
        yield tag
    finally:
        _TURN.reset(token)


class ConversationIds:
    """The conversation id of customers this process has served, so a turn's lines are tagged from its
    first line (before the engine has loaded the conversation). A customer's conversation id never
    changes; the oldest entries are dropped past `limit`, which only costs the id on a few early lines."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._ids: dict[tuple[str, str], int] = {}

    def get(self, key: tuple[str, str]) -> int | None:
        return self._ids.get(key)

    def remember(self, key: tuple[str, str], conversation_id: int) -> int:
        if key not in self._ids and len(self._ids) >= self.limit:
            del self._ids[next(iter(self._ids))]  # dicts keep insertion order: the oldest goes
        self._ids[key] = conversation_id
        return conversation_id


def current_turn() -> TurnTag | None:
    """The turn being handled in this context, if any."""
    return _TURN.get()


class PersonalDataFilter(logging.Filter):
    """Masks long digit runs in a record's message, exception and stack, whatever the formatter.

    Installed after `bot.errors.SecretFilter`: a bot token starts with digits, and masking those first
    would leave the rest of the token for the secret filter to miss."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - bad %-arguments: logging reports those itself, never the caller
            message = f"{record.msg} (arguments: {record.args!r})"
        record.msg, record.args = mask_personal(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        if getattr(record, "conversation_id", None) is None:
            # Stamped now, while the record is still in the task that logged it.
            tag = _TURN.get()
            record.conversation_id = tag.conversation_id if tag is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, conversation, exception, stack.

    ASCII-only JSON: a lone surrogate a customer sent can then never break the log stream's encoding."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal(record.getMessage()),
        }
        conversation = getattr(record, "conversation_id", None)
        if conversation is None and (tag := _TURN.get()) is not None:
            conversation = tag.conversation_id
        if conversation is not None:
            entry["conversation"] = conversation
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = mask_personal(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask_personal(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for a LOG_FORMAT value ("json" or "text")."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str, secrets: Iterable[str | None] = (), *, stream: IO[str] | None = None) -> None:
    """Logging for the `supportbot` command: one stderr handler in the chosen format, secrets and
    personal data masked.

    Like `logging.basicConfig`, a root logger that already has handlers (a program embedding the bot, a
    test runner) keeps them and its level; the masking filters are added to them all the same."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(formatter(log_format))
        root.addHandler(handler)
        root.setLevel(level)
    install_secret_filter(secrets)
    personal = PersonalDataFilter()
    for handler in root.handlers:
        # Always the last filter, behind every secret filter (see PersonalDataFilter), even when called again.
        for old in [f for f in handler.filters if isinstance(f, PersonalDataFilter)]:
            handler.removeFilter(old)
        handler.addFilter(personal)
