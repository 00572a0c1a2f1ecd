"""Password hashes (argon2id through argon2-cffi), verified off the event loop.

An unknown email is verified against a dummy hash, so a failed login takes as long whether the account
exists or not. A hash made with older parameters is replaced at the next successful login (`rehash`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" must not cost a worker seconds

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a real password: verified when the email is unknown")


class WeakPassword(ValueError):
    """A password the console refuses; `key` names the catalog line that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_strength(password: str) -> None:
    """Raise WeakPassword when too short or too long (length is what matters most; no composition rules)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword("staff.password_too_short")
    if len(password) > MAX_LENGTH:
        raise WeakPassword("staff.password_too_long")


async def hash_password(password: str) -> str:
    """The argon2 hash of an acceptable password (WeakPassword otherwise), computed off the event loop."""
    check_strength(password)
    return await asyncio.to_thread(_HASHER.hash, password)


@dataclass(frozen=True)
class Verified:
    """The outcome of a check: whether it matched, and the new hash to store when parameters changed."""

    ok: bool
    rehash: str | None = None


def _verify(stored: str | None, password: str) -> Verified:
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verified(False)
    if stored is None:  # the dummy hash matched: impossible in practice, never a login
        return Verified(False)
    return Verified(True, _HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else None)


async def verify_password(stored: str | None, password: str) -> Verified:
    """Check `password` against `stored` (None: no such account, still costs one verification)."""
    return await asyncio.to_thread(_verify, stored, password)
