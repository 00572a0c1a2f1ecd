"""The registry of running instances (`bot_instances`, model in `bot.storage.models`).

Each `supportbot serve` registers at start, heartbeats while it runs and removes its row when it stops
cleanly (`bot.instances`). A row whose heartbeat is older than the freshness window belongs to an
instance that died: it is ignored and swept away at the next registration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage.locks import INSTANCES, xact_lock
from bot.storage.models import BotInstance

FRESH = dt.timedelta(seconds=30)
"""An instance whose heartbeat (every 10 s) is older than this is taken for dead."""


async def lock_registry(session: AsyncSession) -> None:
    """Serialise registrations until the transaction ends, so two instances starting together cannot
    both find the database free (SQLite: `BEGIN IMMEDIATE` already does)."""
    await xact_lock(session, INSTANCES)


async def live_others(session: AsyncSession, instance_id: str, fresh_since: dt.datetime) -> list[tuple[str, str, int]]:
    """(id, host, pid) of the other instances whose heartbeat is newer than `fresh_since`, oldest first."""
    rows = await session.execute(
        select(BotInstance.id, BotInstance.host, BotInstance.pid)
        .where(BotInstance.id != instance_id, BotInstance.heartbeat_at > as_utc(fresh_since))
        .order_by(BotInstance.started_at, BotInstance.id)
    )
    return [(row_id, host, int(pid)) for row_id, host, pid in rows.all()]


async def forget(session: AsyncSession, instance_ids: list[str]) -> None:
    """Remove instances known to be dead (their process is gone) without waiting for their heartbeat to age."""
    if instance_ids:
        await session.execute(delete(BotInstance).where(BotInstance.id.in_(instance_ids)))


async def forget_dead(session: AsyncSession, fresh_since: dt.datetime) -> int:
    """Remove the rows of instances that stopped heartbeating (they died without removing them)."""
    result = await session.execute(delete(BotInstance).where(BotInstance.heartbeat_at <= as_utc(fresh_since)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def register(session: AsyncSession, instance_id: str, host: str, pid: int, now: dt.datetime) -> None:
    """Add this instance's row (or renew it: registering twice is harmless)."""
    await session.merge(BotInstance(id=instance_id, host=host[:255], pid=pid, started_at=as_utc(now), heartbeat_at=as_utc(now)))
    await session.flush()


async def heartbeat(session: AsyncSession, instance_id: str, now: dt.datetime) -> bool:
    """Refresh this instance's heartbeat; False when its row is gone (swept as dead after a long stall)."""
    result = await session.execute(update(BotInstance).where(BotInstance.id == instance_id).values(heartbeat_at=as_utc(now)))
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def unregister(session: AsyncSession, instance_id: str) -> None:
    """Remove this instance's row (a clean stop)."""
    await session.execute(delete(BotInstance).where(BotInstance.id == instance_id))


async def instances(session: AsyncSession) -> list[BotInstance]:
    """Every registered instance, oldest first (operators, tests)."""
    return list((await session.scalars(select(BotInstance).order_by(BotInstance.started_at, BotInstance.id))).all())
