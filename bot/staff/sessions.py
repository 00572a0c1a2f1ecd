"""Server-side console sessions: a random token in the browser's cookie, its SHA-256 in the database.

A session ends when its person logs out, when it has been idle for CONSOLE_SESSION_HOURS, when an
admin ends it, or when the person's role, password or active flag changes (bot/staff/accounts.py).
The CSRF token of a session is derived from its token, so it needs no column and dies with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from bot.clock import Clock, as_utc
from bot.staff.accounts import StaffUser, user_of
from bot.storage import Database
from bot.storage import staff as repo
from bot.tokens import new_token, token_hash

# Writing "last seen" on every request would make each page view a write; a minute's precision is plenty.
TOUCH_EVERY = dt.timedelta(seconds=60)


def csrf_for(token: str) -> str:
    """The session's synchronizer token: unguessable without the cookie, different from what is stored."""
    return hashlib.sha256(b"console-csrf:" + token.encode("utf-8")).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a token someone sent with the expected one."""
    return bool(given) and hmac.compare_digest(str(given).encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class LiveSession:
    """A valid session: whose it is and its CSRF token."""

    user: StaffUser
    session_id: int
    csrf: str


class StaffSessions:
    """Start, find, end sessions; `idle_hours` is CONSOLE_SESSION_HOURS."""

    def __init__(self, database: Database, clock: Clock, idle_hours: int) -> None:
        self.database = database
        self.clock = clock
        self.idle = dt.timedelta(hours=idle_hours)

    async def start(self, user_id: int, ip: str | None, user_agent: str | None) -> str:
        """A new session (its raw token, for the cookie). Idle sessions of everyone are cleared on the way."""
        token = new_token()
        now = self.clock()
        async with self.database.sessions() as session, session.begin():
            await repo.delete_idle_sessions(session, now - self.idle)
            await repo.add_session(
                session,
                repo.StaffSession(
                    token_hash=token_hash(token), user_id=user_id, ip=(ip or "")[:64] or None,
                    user_agent=(user_agent or "")[:255] or None, created_at=now, last_seen_at=now,
                ),
            )
        return token

    async def find(self, token: str | None) -> LiveSession | None:
        """The session of a cookie's token, when it exists, is not idle and its user is active."""
        if not token or len(token) > 128:
            return None
        now = self.clock()
        async with self.database.sessions() as session:
            found = await repo.session_with_user(session, token_hash(token))
        if found is None:
            return None
        row, user = found
        seen = as_utc(row.last_seen_at)
        if not user.active or seen + self.idle <= now:
            return None
        if now - seen >= TOUCH_EVERY:
            async with self.database.sessions() as session, session.begin():
                await repo.touch_session(session, row.id, now)
        return LiveSession(user_of(user), row.id, csrf_for(token))

    async def alive(self, token: str | None) -> bool:
        """Whether this token's session still holds (exists, not idle, its user active), without touching it.

        For long-lived event streams: they re-check on each wake-up so a revoked session or a
        deactivated user stops receiving at once, and an open stream alone never keeps a session alive.
        """
        if not token or len(token) > 128:
            return False
        async with self.database.sessions() as session:
            found = await repo.session_with_user(session, token_hash(token))
        if found is None:
            return False
        row, user = found
        return bool(user.active) and as_utc(row.last_seen_at) + self.idle > self.clock()

    async def end(self, token: str | None) -> None:
        """End the session of this token (logout); nothing when there is none."""
        if token:
            async with self.database.sessions() as session, session.begin():
                await repo.delete_session(session, token_hash(token))

    async def end_all_of(self, user_id: int) -> int:
        """Log a user out everywhere; how many sessions were ended."""
        async with self.database.sessions() as session, session.begin():
            return await repo.delete_sessions_of(session, user_id)
