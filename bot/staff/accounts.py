"""Console users: who they are (`StaffUser`), and creating, listing, changing and authenticating them.

Changing what a person may do (role, active flag, password) ends their sessions at once: the next
request of any browser of theirs is logged out, on every instance, because sessions live in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.staff.passwords import Verified, hash_password, verify_password
from bot.staff.roles import Role
from bot.storage import Database
from bot.storage import staff as repo

if TYPE_CHECKING:
    from bot.handoff.operations import Agent

DEFAULT_CAPACITY = 5
MAX_CAPACITY = 50
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


@dataclass(frozen=True)
class StaffUser:
    """A console user as the web parts see them (no password hash, nothing secret)."""

    id: int
    email: str
    name: str
    role: Role
    capacity: int
    language: str  # "zh-Hans" | "zh-Hant" | "en": the console's language for them
    active: bool = True

    def as_agent(self) -> Agent:
        """This person as the hand-off's `Agent` (id "web:<user id>"), for take / reply / note / close."""
        from bot.handoff.operations import Agent

        return Agent(id=f"web:{self.id}", name=self.name)

    def allows(self, needed: Role) -> bool:
        """Whether this person's role includes `needed` (templates: `staff.allows("supervisor")`)."""
        return self.role.allows(needed)


@dataclass(frozen=True)
class UserListing:
    """A row of the admin's user list: the user, whether they still have to use their invitation, live sessions."""

    user: StaffUser
    invited: bool
    sessions: int


class AccountError(ValueError):
    """A refused account change; `key` is the catalog line ("staff.<...>") that says why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def user_of(row: repo.StaffUserRow) -> StaffUser:
    """The web parts' view of a stored user."""
    return StaffUser(row.id, row.email, row.name, Role(row.role), row.capacity, row.language, row.active)


def normal_email(email: str) -> str:
    """Lower-case and trimmed; AccountError when it is not an address at all."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("staff.bad_email", f"not an email address: {email!r}")
    return email


def check_capacity(capacity: int) -> int:
    """The capacity when it is 1..MAX_CAPACITY; AccountError otherwise."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise AccountError("staff.bad_capacity", f"capacity must be between 1 and {MAX_CAPACITY}")
    return capacity


def check_language(language: str) -> str:
    """The console language when it is one of ours; AccountError otherwise."""
    if language not in LANGUAGES:
        raise AccountError("staff.bad_language", f"language must be one of {', '.join(LANGUAGES)}")
    return language


def check_name(name: str) -> str:
    """The name with its spaces tidied; AccountError when empty or too long."""
    name = " ".join(name.split())
    if not name or len(name) > 128:
        raise AccountError("staff.bad_name", "a name of 1 to 128 characters is needed")
    return name


class StaffAccounts:
    """The users table, through the repository functions of bot/storage/staff.py."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def create(
        self, email: str, name: str, role: Role, *, capacity: int = DEFAULT_CAPACITY, language: str = "zh-Hans",
        password: str | None = None,
    ) -> StaffUser:
        """A new user: active at once with a password, else inactive until their invitation is used."""
        row = repo.StaffUserRow(
            email=normal_email(email), name=check_name(name), role=Role(role).value, capacity=check_capacity(capacity),
            language=check_language(language), active=password is not None,
            password_hash=await hash_password(password) if password is not None else None,
        )
        async with self.database.sessions() as session, session.begin():
            if await repo.user_by_email(session, row.email) is not None:
                raise AccountError("staff.email_taken", f"there is already a user {row.email}")
            return user_of(await repo.add_user(session, row))

    async def get(self, user_id: int) -> StaffUser | None:
        """The user with this id, active or not; None when there is none."""
        async with self.database.sessions() as session:
            row = await repo.user_by_id(session, user_id)
            return user_of(row) if row else None

    async def by_email(self, email: str) -> StaffUser | None:
        """The user with this email (any case), active or not; None when there is none."""
        async with self.database.sessions() as session:
            row = await repo.user_by_email(session, email.strip())
            return user_of(row) if row else None

    async def all(self) -> list[StaffUser]:
        """Every user, active or not, by email."""
        async with self.database.sessions() as session:
            return [user_of(row) for row in await repo.users(session)]

    async def active_agents(self) -> list[StaffUser]:
        """Who can take conversations now: active users of any role (supervisors and admins answer too)."""
        return [user for user in await self.all() if user.active]

    async def listing(self, idle_hours: int) -> list[UserListing]:
        """Every user with whether they still have to join and how many live sessions they have."""
        async with self.database.sessions() as session:
            counts = await repo.session_counts(session, self.clock() - dt.timedelta(hours=idle_hours))
            return [
                UserListing(user_of(row), invited=row.password_hash is None, sessions=counts.get(row.id, 0))
                for row in await repo.users(session)
            ]

    async def authenticate(self, email: str, password: str) -> StaffUser | None:
        """The active user with this email and password, else None; always one hash verification.

        A hash made with older argon2 parameters is replaced now that the password is known.
        """
        try:
            address = normal_email(email)
        except AccountError:
            address = ""
        async with self.database.sessions() as session:
            row = await repo.user_by_email(session, address) if address else None
            stored = row.password_hash if row is not None else None
        verified: Verified = await verify_password(stored, password)
        if row is None or not verified.ok or not row.active:
            return None
        if verified.rehash:
            async with self.database.sessions() as session, session.begin():
                fresh = await repo.user_by_id(session, row.id)
                if fresh is not None and fresh.password_hash == stored:
                    fresh.password_hash = verified.rehash
        return user_of(row)

    async def change(
        self, user_id: int, *, role: Role | None = None, capacity: int | None = None, name: str | None = None,
        language: str | None = None, active: bool | None = None, password: str | None = None,
    ) -> tuple[StaffUser, bool]:
        """Change a user; returns (the user now, whether their sessions were ended).

        A new role, deactivation or a new password ends every session of theirs (reactivating does not
        need to: they had none). AccountError when the user does not exist.
        """
        new_hash = await hash_password(password) if password is not None else None
        async with self.database.sessions() as session, session.begin():
            row = await repo.user_by_id(session, user_id)
            if row is None:
                raise AccountError("staff.no_such_user", f"no user {user_id}")
            revoke = False
            if role is not None and Role(role).value != row.role:
                row.role, revoke = Role(role).value, True
            if active is not None and active != row.active:
                if active and row.password_hash is None:
                    raise AccountError("staff.not_joined", "this person has not chosen a password yet")
                row.active = active
                revoke = revoke or not active
            if new_hash is not None:
                row.password_hash, revoke = new_hash, True
            if capacity is not None:
                row.capacity = check_capacity(capacity)
            if name is not None:
                row.name = check_name(name)
            if language is not None:
                row.language = check_language(language)
            if revoke:
                await repo.delete_sessions_of(session, row.id)
            return user_of(row), revoke
