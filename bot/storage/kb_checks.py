"""The checks supervisors ran before publishing a knowledge-base version (bot.learning.versions).

"Evaluated before going live" is enforced here, not in one process's memory: `check` stores the digest
of the staged decisions it evaluated with the figures shown, who and when; `publish` (on any instance)
needs a stored check of the current digest made recently, and stores its figures with the version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class KbCheck(Base):
    """One evaluation of the staged decisions: what was checked (its digest) and the figures shown."""

    __tablename__ = "kb_checks"
    __table_args__ = (Index("ix_kb_checks_digest", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)  # the before/after comparison the supervisor saw
    staged: Mapped[int] = mapped_column(Integer)  # how many staged suggestions it covered
    checked_by: Mapped[str] = mapped_column(String(255))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


async def add_check(
    session: AsyncSession, digest: str, evaluation: dict[str, Any], *, staged: int, by: str, now: dt.datetime
) -> int:
    """Store a check; its id."""
    row = KbCheck(digest=digest, evaluation=evaluation, staged=staged, checked_by=by[:255], checked_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def latest_check(session: AsyncSession, digest: str, since: dt.datetime) -> KbCheck | None:
    """The newest check of `digest` made at or after `since`; None when there is none."""
    statement = (
        select(KbCheck).where(KbCheck.digest == digest, KbCheck.checked_at >= since).order_by(KbCheck.id.desc()).limit(1)
    )
    return (await session.scalars(statement)).first()
