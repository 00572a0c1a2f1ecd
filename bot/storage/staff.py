"""Staff accounts of the web console: users, their sessions, invitations and the audit log.

Secrets are never stored: a session and an invitation are kept as the SHA-256 of their random token
(the token itself is only in the person's cookie or link), and passwords as argon2 hashes
(bot/staff/passwords.py). Revoking a session is deleting its row, so a revoked cookie finds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, clock_default


class StaffUserRow(Base):
    """A person who may use the console: an agent, a supervisor or an admin."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case: one account per address
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))  # bot.staff.roles.Role
    capacity: Mapped[int] = mapped_column(Integer, default=5)  # conversations at once
    language: Mapped[str] = mapped_column(String(8))  # the console's language for this person
    active: Mapped[bool] = mapped_column(Boolean, default=False)  # False: invited, not yet joined, or disabled
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until the invitation is used
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)


class StaffSession(Base):
    """A logged-in browser: the hash of its cookie's token; idle for too long, it no longer counts."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


class StaffInvitation(Base):
    """A single-use link to choose a password: the hash of its token, until when, and whether it was used."""

    __tablename__ = "staff_invitations"
    __table_args__ = (Index("ix_staff_invitations_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(254))  # an admin's email, or "cli:<os user>"
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


class AuditEntry(Base):
    """Who did what to what, from where: logins, logouts, invitations, role changes, agents' actions."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the email as typed or known: kept if the user goes
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


# -- users -------------------------------------------------------------------------------------------


async def user_by_email(session: AsyncSession, email: str) -> StaffUserRow | None:
    """The user with this email (stored lower-case)."""
    return (await session.execute(select(StaffUserRow).where(StaffUserRow.email == email.lower()))).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: int) -> StaffUserRow | None:
    """The user with this id, or None."""
    return await session.get(StaffUserRow, user_id)


async def users(session: AsyncSession) -> list[StaffUserRow]:
    """Every user, by email."""
    return list((await session.execute(select(StaffUserRow).order_by(StaffUserRow.email))).scalars())


async def add_user(session: AsyncSession, row: StaffUserRow) -> StaffUserRow:
    """Insert a user (its id is set on return)."""
    session.add(row)
    await session.flush()
    return row


# -- sessions ----------------------------------------------------------------------------------------


async def add_session(session: AsyncSession, row: StaffSession) -> StaffSession:
    """Insert a session."""
    session.add(row)
    await session.flush()
    return row


async def session_with_user(session: AsyncSession, token_hash: str) -> tuple[StaffSession, StaffUserRow] | None:
    """The session with this token hash and its user, or None."""
    found = (
        await session.execute(
            select(StaffSession, StaffUserRow).join(StaffUserRow, StaffUserRow.id == StaffSession.user_id).where(StaffSession.token_hash == token_hash)
        )
    ).first()
    return (found[0], found[1]) if found else None


async def touch_session(session: AsyncSession, session_id: int, now: dt.datetime) -> None:
    """Record that the session was used now (idle expiry counts from here)."""
    await session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now))


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    """End one session."""
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


async def delete_sessions_of(session: AsyncSession, user_id: int) -> int:
    """End every session of a user; how many there were."""
    result = await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_idle_sessions(session: AsyncSession, seen_before: dt.datetime) -> None:
    """Forget sessions unused since `seen_before` (they no longer count anyway)."""
    await session.execute(delete(StaffSession).where(StaffSession.last_seen_at < seen_before))


async def session_counts(session: AsyncSession, seen_since: dt.datetime) -> dict[int, int]:
    """Live sessions per user id (the admin page shows who is logged in where)."""
    rows = await session.execute(
        select(StaffSession.user_id, func.count()).where(StaffSession.last_seen_at >= seen_since).group_by(StaffSession.user_id)
    )
    return {int(user_id): int(count) for user_id, count in rows}


# -- invitations -------------------------------------------------------------------------------------


async def add_invitation(session: AsyncSession, row: StaffInvitation) -> StaffInvitation:
    """Insert an invitation."""
    session.add(row)
    await session.flush()
    return row


async def invitation_with_user(
    session: AsyncSession, token_hash: str, *, lock: bool = False
) -> tuple[StaffInvitation, StaffUserRow] | None:
    """The invitation with this token hash and its user; `lock` holds the row (PostgreSQL)."""
    query = select(StaffInvitation, StaffUserRow).join(StaffUserRow, StaffUserRow.id == StaffInvitation.user_id)
    query = query.where(StaffInvitation.token_hash == token_hash)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=StaffInvitation)  # two tabs using one link: one wins
    found = (await session.execute(query)).first()
    return (found[0], found[1]) if found else None


async def use_invitation(session: AsyncSession, invitation_id: int, now: dt.datetime) -> bool:
    """Mark it used unless it already was: False when another request used it first."""
    result = await session.execute(
        update(StaffInvitation).where(StaffInvitation.id == invitation_id, StaffInvitation.used_at.is_(None)).values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def expire_invitations_of(session: AsyncSession, user_id: int, now: dt.datetime) -> None:
    """A new invitation replaces the ones before it: the older links stop working."""
    await session.execute(
        update(StaffInvitation).where(StaffInvitation.user_id == user_id, StaffInvitation.used_at.is_(None)).values(used_at=now)
    )


# -- audit -------------------------------------------------------------------------------------------


def add_audit(session: AsyncSession, row: AuditEntry) -> None:
    """Append an audit row to the unit of work."""
    session.add(row)


async def audit_page(session: AsyncSession, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    """Newest first, and how many there are in all."""
    total = int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())
    rows = await session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(rows.scalars()), total


async def audit_rows(session: AsyncSession, actions: Sequence[str] = ()) -> list[AuditEntry]:
    """Every row (oldest first), optionally of some actions only: tests and exports."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if actions:
        query = query.where(AuditEntry.action.in_(list(actions)))
    return list((await session.execute(query)).scalars())
