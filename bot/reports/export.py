"""The per-conversation CSV export: one row per conversation-period, safe to open in a spreadsheet.

Safe: a cell a customer or an agent wrote (a name such as `=HYPERLINK("http://evil","click")`) could
run as a formula in Excel or LibreOffice; every cell starting with = + - @, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text (OWASP "CSV injection"). The file is UTF-8
with a byte-order mark, so Excel shows Chinese names right instead of guessing a legacy code page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass, fields

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRow:
    """One conversation-period as exported; the column names are the field names (stable for scripts)."""

    conversation_id: int
    channel: str
    language: str
    customer: str
    started: str  # first message in the period, operator's time zone, "YYYY-MM-DD HH:MM:SS"
    outcome: str  # answered | handed_off | abandoned
    handoff_reason: str  # the first hand-off opened in the period; empty without one
    agent: str
    first_response_seconds: str  # wall clock, from the hand-off to the first message a person wrote
    first_response_staffed_seconds: str  # the same, office hours only
    sla: str  # met | breached | pending | none; empty without a hand-off
    csat: str  # the hand-off's survey score 1..5; empty without one
    thumbs_up: int
    thumbs_down: int
    messages: int  # messages in and out in the period (the customer's, the bot's and people's)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow))


def neutralise(value: object) -> str:
    """A cell as text that no spreadsheet will evaluate as a formula."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def header() -> str:
    """The first line of the file: the byte-order mark and the column names."""
    return BOM + _line(COLUMNS)


def line(row: ExportRow) -> str:
    """One conversation-period as a CSV line (CRLF-terminated, every cell neutralised)."""
    return _line(astuple(row))


def csv_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text, header first, one line at a time, so a large export streams."""
    yield header()
    for row in rows:
        yield line(row)
