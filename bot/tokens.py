"""Random tokens and the hash we store instead of them.

Bearer tokens (web chat sessions, console sessions, invitations) are random and shown once; the
database keeps only their SHA-256, so a copy of the database opens no session.
"""

from __future__ import annotations

import hashlib
import secrets


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)
