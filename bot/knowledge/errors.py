"""Errors an operator can act on: file, line, entry id and what is wrong. Never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KnowledgeError:
    """One problem in one knowledge file."""

    file: Path
    line: int | None
    message: str
    entry_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}{entry}: {self.message}"


class KnowledgeErrors(Exception):
    """Raised when a knowledge directory cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, errors: list[KnowledgeError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
