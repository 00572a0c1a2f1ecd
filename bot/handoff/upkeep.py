"""Looking over the whole queue: the list of escalations, today's figures, and the periodic sweep
(overdue escalations announced again, agent messages that failed retried).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.clock import as_utc
from bot.handoff import desk as events
from bot.handoff import vip
from bot.handoff.core import HandoffCore
from bot.handoff.dispatch import CustomerDispatch
from bot.storage import handoff as repo
from bot.storage.handoff import ACTIVE, EscalationView
from bot.storage.handoff_stats import DayStats, day_stats


async def queue(core: HandoffCore, statuses: Sequence[str] = ACTIVE) -> list[EscalationView]:
    """Escalations by priority, then age; VIP customers marked."""
    async with core.transaction() as session:
        return await vip.mark(session, core.policies, await repo.views(session, statuses))


async def stats(core: HandoffCore, now: dt.datetime | None = None) -> DayStats:
    """Today's figures (the day in the office-hours time zone)."""
    now = now or core.now()
    local = now.astimezone(core.zone)
    start = as_utc(dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=core.zone))
    async with core.transaction() as session:
        return await day_stats(session, start, start + dt.timedelta(days=1))


async def sweep(core: HandoffCore, dispatch: CustomerDispatch, now: dt.datetime | None = None) -> int:
    """Announce overdue escalations again (at most every HANDOFF_REANNOUNCE_MINUTES) and retry agent
    messages that failed for a temporary reason. Returns how many escalations were announced.

    Every instance sweeps every minute; each overdue escalation is announced once per period across
    them because it is claimed per row (`repo.claim_overdue`: `FOR UPDATE SKIP LOCKED`, and the new
    `last_announced_at` committed with the announcement, so a later sweep finds it not due). Chosen
    over one sweeper at a time (an advisory lock) because it needs no leader: nothing waits for a
    sweeper that died, and instances share the work. Retries are claimed per conversation by
    `dispatch.flush`, so a customer gets each agent message once whichever instance retries it.
    """
    now = now or core.now()
    every = dt.timedelta(minutes=core.minutes("handoff_reannounce_minutes", 10))
    announced = 0
    async with core.transaction() as session:
        for escalation in await repo.claim_overdue(session, now, now - every):
            escalation.last_announced_at = now
            core.queue_desk(session, escalation, events.OVERDUE, {"due": (as_utc(escalation.due_at) or now).isoformat()})
            announced += 1
        conversations = await repo.customer_retries_due(session, now)
    for conversation_id in conversations:
        await dispatch.flush(conversation_id, held=False)
    return announced
