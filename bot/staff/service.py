"""Everything about staff accounts a process needs, built once from the runtime's database and clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.staff.accounts import StaffAccounts
from bot.staff.audit import AuditLog
from bot.staff.invitations import StaffInvitations
from bot.staff.sessions import StaffSessions
from bot.staff.throttle import LoginThrottle, seconds_clock


@dataclass
class StaffService:
    """Accounts, sessions, invitations, the audit log and the login throttle of one process."""

    accounts: StaffAccounts
    sessions: StaffSessions
    invitations: StaffInvitations
    audit: AuditLog
    throttle: LoginThrottle


def build_staff(runtime: Any) -> StaffService:
    """From a runtime (settings, database, clock, shared): the limiter is Redis's when REDIS_URL is set."""
    settings, database, clock = runtime.settings, runtime.database, runtime.clock
    shared = getattr(runtime, "shared", None)
    limiter = shared.rate_limiter(seconds_clock(clock)) if shared is not None else None
    if limiter is None:
        from bot.coordination.limits import MemoryRateLimiter

        limiter = MemoryRateLimiter(seconds_clock(clock))
    return StaffService(
        accounts=StaffAccounts(database, clock),
        sessions=StaffSessions(database, clock, settings.console_session_hours),
        invitations=StaffInvitations(database, clock),
        audit=AuditLog(database, clock),
        throttle=LoginThrottle(limiter, settings.console_login_attempts_per_15min),
    )
