"""What every console handler shares: the runtime, this instance's live feed, assignment, the staff
accounts, and the small helpers that load an escalation from the URL and send the agent back with a
message saying what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.handoff.assignment import Assignment
from bot.staff.accounts import StaffAccounts
from bot.storage.handoff import EscalationView
from bot.web.console.live import ConsoleFeed
from bot.web.ids import path_id

# Flash codes a redirect may carry, and the values their lines take: anything else in the URL is ignored,
# so a crafted link cannot put words of its own on the page.
FLASH_VALUES: dict[str, tuple[str, ...]] = {
    "taken": (), "taken_over": (), "already_yours": (), "released": (), "not_assigned": (), "closed": (),
    "given_back": (), "noted": (), "delivered": (), "held": (), "pending": (), "duplicate": (), "inactive": (),
    "not_found": (), "not_waiting": (), "at_capacity": ("limit",), "target_full": (), "queue_empty": (),
    "transferred": ("agent",), "no_target": (), "empty_text": (),
}
GOOD = {"taken", "taken_over", "already_yours", "released", "closed", "given_back", "noted", "delivered", "transferred"}


@dataclass
class Console:
    """The console's collaborators, built once per application by `register`."""

    runtime: Any
    feed: ConsoleFeed
    assignment: Assignment
    accounts: StaffAccounts

    @classmethod
    def build(cls, runtime: Any) -> Console:
        return cls(runtime, ConsoleFeed(runtime), Assignment(runtime.handoff), StaffAccounts(runtime.database, runtime.clock))

    async def escalation(self, request: web.Request) -> EscalationView:
        """The escalation named in the URL, or 404 (an id that does not exist is not found, whoever asks)."""
        escalation_id = path_id(request, "escalation_id")
        found = await self.runtime.handoff.escalation(escalation_id)
        if found is None:
            raise web.HTTPNotFound()
        return found


def back(escalation_id: int | None, code: str, **values: object) -> web.HTTPSeeOther:
    """A redirect to the conversation (or to the queue) carrying what to tell the agent."""
    query = urlencode({"flash": code, **{k: str(v) for k, v in values.items() if v is not None}})
    target = f"/console/conversations/{escalation_id}" if escalation_id is not None else "/console/"
    return web.HTTPSeeOther(f"{target}?{query}")


def flash_of(request: web.Request, t: Any) -> tuple[str, bool] | None:
    """(the message, whether it is good news) from the redirect's query, for known codes only."""
    code = request.query.get("flash", "")
    if code not in FLASH_VALUES:
        return None
    values = {name: request.query.get(name, "")[:128] for name in FLASH_VALUES[code]}
    message = t(f"agentconsole.flash.{code}", **values)
    segments = request.query.get("segments", "")
    if segments.isdigit():
        message = f"{message} {t('agentconsole.flash.sms_parts', segments=int(segments))}"
    return message, code in GOOD
