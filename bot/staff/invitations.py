"""Single-use, expiring invitations: the link a new person opens to choose their password.

Only the token's hash is stored; the link is shown once (printed by `supportbot agents add`, or on the
admin page). A link is refused once used, once expired (INVITATION_HOURS), and once a newer invitation
for the same person replaced it.
"""

from __future__ import annotations

import datetime as dt

from bot.clock import Clock, as_utc
from bot.staff.accounts import AccountError, StaffUser, user_of
from bot.staff.passwords import hash_password
from bot.storage import Database
from bot.storage import staff as repo
from bot.tokens import new_token, token_hash

INVITATION_HOURS = 72


class InvitationInvalid(AccountError):
    """The link is unknown, used, replaced or expired."""

    def __init__(self) -> None:
        super().__init__("staff.invite_invalid", "this invitation link is not valid (used, replaced or expired)")


def invitation_url(base: str, token: str) -> str:
    """The link a person opens: <base>/console/invite/<token>."""
    return f"{base.rstrip('/')}/console/invite/{token}"


class StaffInvitations:
    """Issue and use invitations."""

    def __init__(self, database: Database, clock: Clock, hours: int = INVITATION_HOURS) -> None:
        self.database = database
        self.clock = clock
        self.valid_for = dt.timedelta(hours=hours)

    async def issue(self, user_id: int, created_by: str) -> str:
        """A new invitation for a user who has not joined yet (its raw token); earlier links stop working."""
        token = new_token()
        now = self.clock()
        async with self.database.sessions() as session, session.begin():
            user = await repo.user_by_id(session, user_id)
            if user is None:
                raise AccountError("staff.no_such_user", f"no user {user_id}")
            if user.password_hash is not None:
                raise AccountError("staff.already_joined", f"{user.email} has already chosen a password")
            await repo.expire_invitations_of(session, user_id, now)
            await repo.add_invitation(
                session,
                repo.StaffInvitation(
                    token_hash=token_hash(token), user_id=user_id, created_by=created_by[:254], expires_at=now + self.valid_for,
                    created_at=now,
                ),
            )
        return token

    async def peek(self, token: str) -> StaffUser | None:
        """Whose invitation this is, while it can still be used; None otherwise."""
        if not token or len(token) > 128:
            return None
        async with self.database.sessions() as session:
            found = await repo.invitation_with_user(session, token_hash(token))
        if found is None or not self._usable(found[0]):
            return None
        return user_of(found[1])

    async def accept(self, token: str, password: str) -> StaffUser:
        """Set the password, activate the user, use up the link; InvitationInvalid (or WeakPassword) otherwise."""
        new_hash = await hash_password(password)
        now = self.clock()
        async with self.database.sessions() as session, session.begin():
            found = await repo.invitation_with_user(session, token_hash(token), lock=True) if token and len(token) <= 128 else None
            if found is None or not self._usable(found[0]):
                raise InvitationInvalid()
            invitation, user = found
            if not await repo.use_invitation(session, invitation.id, now):
                raise InvitationInvalid()  # another request used it a moment ago
            user.password_hash = new_hash
            user.active = True
            await repo.delete_sessions_of(session, user.id)
            return user_of(user)

    def _usable(self, invitation: repo.StaffInvitation) -> bool:
        return invitation.used_at is None and as_utc(invitation.expires_at) > self.clock()
