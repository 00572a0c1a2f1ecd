"""PostgreSQL advisory locks: which work is serialised across instances, and under which key.

A transaction-scoped advisory lock (`pg_advisory_xact_lock`) is released at commit or rollback, so an
instance that dies mid-claim never leaves one behind. On SQLite there is one process and `BEGIN
IMMEDIATE` already serialises writers: the functions here do nothing there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import is_postgresql

# 64-bit keys; "sb" (supportbot) in the high bytes keeps them apart from anything else on the server.
# 0x7362_0000_0000_0001: the Alembic upgrade at start-up (`bot.storage.database.MIGRATION_LOCK`)
DESK_CLAIMS = 0x7362_0000_0000_0002  # claiming the agents' outbox: one claimer at a time keeps per-escalation order
INSTANCES = 0x7362_0000_0000_0003  # registering an instance: check and insert as one step
CUSTOMER_CLAIMS = 0x7362_0004  # 32-bit class key; the conversation id is the second key
TELEGRAM_CHATS = 0x7362_0005  # 32-bit class key; a Telegram chat id, folded to 32 bits, is the second key


def fold32(value: int) -> int:
    """A 64-bit id (a Telegram chat id) as the signed 32-bit second key of an advisory lock. Two ids that
    fold alike only share a lock: they wait for each other a little, nothing worse."""
    return ((value + 2**31) % 2**32) - 2**31


async def xact_lock(session: AsyncSession, key: int, sub: int | None = None) -> None:
    """Wait for the advisory lock `key` (or the pair `key`, `sub`) until this transaction ends."""
    if is_postgresql(session):
        await session.execute(_lock_statement(key, sub))


def hold_xact_lock(connection: Connection, key: int, sub: int | None = None) -> None:
    """`xact_lock` for synchronous Core work on a `Connection` (`Database.run`, `in_session`)."""
    if is_postgresql(connection):
        connection.execute(_lock_statement(key, sub))


def _lock_statement(key: int, sub: int | None) -> Any:
    return select(func.pg_advisory_xact_lock(key) if sub is None else func.pg_advisory_xact_lock(key, sub))
