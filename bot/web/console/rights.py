"""Who may do what to an escalation in the console, decided on the server for every request.

Any staff member may read the queue and any escalation's page (a colleague's conversation is context);
an agent acts only on what is theirs or nobody's (taking or replying to an unassigned one takes it);
supervisors and admins act on any escalation and may transfer any. The hand-off's agent id of a console
user is "web:<user id>" (`StaffUser.as_agent`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.staff.roles import Role
from bot.storage.handoff import ASSIGNED, EscalationView

if TYPE_CHECKING:
    from bot.staff.accounts import StaffUser


def is_supervisor(user: StaffUser) -> bool:
    return user.role.allows(Role.SUPERVISOR)


def is_mine(user: StaffUser, escalation: EscalationView) -> bool:
    return escalation.status == ASSIGNED and escalation.agent_id == user.as_agent().id


def may_act(user: StaffUser, escalation: EscalationView) -> bool:
    """Reply, note, release, close, back to the bot: on one's own or an unassigned escalation; a
    supervisor on any."""
    if is_supervisor(user):
        return True
    return escalation.status != ASSIGNED or is_mine(user, escalation)


def may_take(user: StaffUser, escalation: EscalationView) -> bool:
    """Taking an unassigned escalation: anyone; taking one over from a colleague: supervisors."""
    return escalation.status != ASSIGNED or is_mine(user, escalation) or is_supervisor(user)


def may_transfer(user: StaffUser, escalation: EscalationView) -> bool:
    """An agent passes on what is theirs; a supervisor passes on anything."""
    return is_supervisor(user) or is_mine(user, escalation)
