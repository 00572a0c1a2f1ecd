"""The console's roles, from least to most: an agent works conversations, a supervisor also sees the
numbers and the knowledge-base suggestions, an admin also manages people and reads the audit log."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a console user may do; each role includes the ones below it."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in agent < supervisor < admin."""
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        """Whether someone with this role may do what `needed` may (admin ⊇ supervisor ⊇ agent)."""
        return self.rank >= Role(needed).rank


_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


def parse_role(value: str) -> Role:
    """A role from what a person typed ("Admin", " agent "); ValueError naming the choices otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {value!r}: use one of {', '.join(r.value for r in Role)}") from None
