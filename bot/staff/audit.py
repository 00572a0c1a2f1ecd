"""The audit log: who did what to what, when and from where; written by every part of the console."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, as_utc
from bot.storage import Database
from bot.storage import staff as repo

PAGE_SIZE = 50


def _jsonable(detail: dict[str, Any] | None) -> dict[str, Any]:
    # Whatever a caller passes (a datetime, an enum) becomes text rather than failing the write.
    return json.loads(json.dumps(detail or {}, default=str, ensure_ascii=False))


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first."""

    rows: list[repo.AuditEntry]
    page: int
    pages: int
    total: int


class AuditLog:
    """Append and read the audit log."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def record(
        self, action: str, target: str, *, user_id: int | None, actor: str, detail: dict[str, Any] | None = None, ip: str | None = None,
    ) -> None:
        """Append one row; `actor` is the email (or "cli:<os user>") kept even if the user goes."""
        row = repo.AuditEntry(
            created_at=self.clock(), user_id=user_id, actor=actor[:254], action=action[:64], target=str(target)[:255],
            detail=_jsonable(detail), ip=(ip or "")[:64] or None,
        )
        async with self.database.sessions() as session, session.begin():
            repo.add_audit(session, row)

    async def page(self, page: int = 1, size: int = PAGE_SIZE) -> AuditPage:
        """Page `page` (from 1) of the log, newest first."""
        page = max(1, page)
        async with self.database.sessions() as session:
            rows, total = await repo.audit_page(session, (page - 1) * size, size)
        for row in rows:
            row.created_at = as_utc(row.created_at)
        return AuditPage(rows, page, max(1, -(-total // size)), total)

    async def rows(self, *actions: str) -> list[repo.AuditEntry]:
        """Every row, oldest first (optionally only some actions): for tests and exports."""
        async with self.database.sessions() as session:
            return await repo.audit_rows(session, actions)
