"""The SMS outbox: a queue in a table (`SmsOutbound`), every SMS the bot sends, retried until the provider
takes it.

`claim_due` marks the due ones among each number's oldest unsent message (a number's messages go out in
order, one at a time) "sending" with a lease, and the worker then records the result (`finish_outbound`):
sent, retry later (back-off), failed for good, or suppressed (opted out / blocked). A worker that dies
mid-send leaves a "sending" row whose lease runs out: it is sent again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import case, exists, func, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage.database import dialect_insert, is_postgresql, one_of, session_clock
from bot.storage.models import Conversation
from bot.storage.sms import CONVERSATION_CHANNEL, OUTBOX_FAILED, PENDING, SENDING, UNSENT, SmsContact, SmsOutbound


@dataclass(frozen=True)
class OutboxItem:
    id: int
    to_number: str
    body: str
    template_id: str | None
    template_params: dict[str, str] | None
    kind: str
    conversation_id: int | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    provider_id: str | None
    created_at: dt.datetime
    # Set by `claim_due`: why this message must not go out now ("opted out": the number sent STOP;
    # "blocked": its conversation is blocked), read by the claim's own statement. None: nothing stops it.
    withheld: str | None = None


_OUTBOX_ITEM_COLUMNS = (
    SmsOutbound.id, SmsOutbound.to_number, SmsOutbound.body, SmsOutbound.template_id, SmsOutbound.template_params,
    SmsOutbound.kind, SmsOutbound.conversation_id, SmsOutbound.status, SmsOutbound.attempts,
    SmsOutbound.next_attempt_at, SmsOutbound.last_error, SmsOutbound.provider_id, SmsOutbound.created_at,
)


def _outbox_item(row: Any) -> OutboxItem:
    """An `SmsOutbound` row, or a row of `_OUTBOX_ITEM_COLUMNS` (what `claim_due` returns), as an item."""
    return OutboxItem(
        row.id, row.to_number, row.body, row.template_id, dict(row.template_params) if row.template_params else None,
        row.kind, row.conversation_id, row.status, row.attempts, as_utc(row.next_attempt_at),  # type: ignore[arg-type]
        row.last_error, row.provider_id, as_utc(row.created_at),  # type: ignore[arg-type]
    )


async def enqueue(session: AsyncSession, to_number: str, body: str, kind: str, *, template_id: str | None = None,
                  template_params: dict[str, str] | None = None, conversation_id: int | None = None,
                  now: dt.datetime | None = None, source: str | None = None) -> int:
    """Queue one SMS, due at once; its id.

    `source` keys the message (e.g. "job:12"): queued once however often the caller runs (a job run
    again after a crash); a second enqueue with the same source queues nothing and returns the first's id.
    """
    now = as_utc(now or session_clock(session)())
    values: dict[str, Any] = {
        "to_number": to_number, "body": body, "kind": kind, "template_id": template_id,
        "template_params": template_params, "conversation_id": conversation_id, "status": PENDING, "attempts": 0,
        "next_attempt_at": now, "created_at": now, "source": source,
    }
    if source is None:
        row = SmsOutbound(**values)
        session.add(row)
        await session.flush()
        return row.id
    statement = (
        dialect_insert(session)(SmsOutbound).values(**values)
        .on_conflict_do_nothing(index_elements=["source"])
        .returning(SmsOutbound.id)
    )
    row_id = await session.scalar(statement)
    if row_id is None:  # queued before under this source
        row_id = await queued_source(session, source)
    assert row_id is not None
    return int(row_id)


async def queued_source(session: AsyncSession, source: str) -> int | None:
    """The id of the message queued under `source`, if any."""
    return await session.scalar(select(SmsOutbound.id).where(SmsOutbound.source == source))


def _heads() -> Any:
    """The id of each number's oldest unsent message: only that one may go, so a number's messages
    arrive in order (the next waits while the head is being sent or backing off)."""
    return select(func.min(SmsOutbound.id)).where(one_of(SmsOutbound.status, UNSENT)).group_by(SmsOutbound.to_number)


# Why a claimed message must not go, as `withheld` reads it, for the row being claimed. (SQLite's
# RETURNING is rendered without table names, subqueries included: `to_number` there resolves to the
# claimed row only while the other tables have no column of that name. The claim tests hold it, on both.)
_WITHHELD = case(
    (exists().where(SmsContact.number == SmsOutbound.to_number, SmsContact.opted_out.is_(True)), literal("opted out")),
    (exists().where(Conversation.channel == CONVERSATION_CHANNEL, Conversation.customer_id == SmsOutbound.to_number,
                    Conversation.blocked.is_(True)), literal("blocked")),
    else_=None,
).label("withheld")


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """When the next message can go: the earliest due time among each number's oldest unsent message."""
    due = await session.scalar(select(func.min(SmsOutbound.next_attempt_at)).where(SmsOutbound.id.in_(_heads())))
    return as_utc(due)


async def claim_due(session: AsyncSession, now: dt.datetime, until: dt.datetime, limit: int) -> list[OutboxItem]:
    """Mark up to `limit` due messages "sending" until `until` (a lease: after it, another worker sends
    the message again), only each number's oldest unsent one; what this caller got, oldest first.

    One UPDATE whose WITH reads the due heads with SKIP LOCKED, so a message another instance is
    claiming at this moment is left to it, and one it claimed since this statement began is read as it
    is now (PostgreSQL re-reads a locked row's current version and the UPDATE checks it is still due):
    two workers never take the same message, and a message the other took costs no statement. Each
    item's `withheld`, whether its number opted out or is blocked, comes back with it (`_WITHHELD`).
    Being one statement, it needs no transaction around it (`Database.autocommit_sessions`): the
    messages are taken, with their reasons, or nothing is. SQLite's writers take turns (BEGIN IMMEDIATE).
    """
    due = (one_of(SmsOutbound.status, UNSENT), SmsOutbound.next_attempt_at <= as_utc(now))
    heads = select(SmsOutbound.id).where(SmsOutbound.id.in_(_heads()), *due).order_by(SmsOutbound.id).limit(limit)
    if is_postgresql(session):
        heads = heads.with_for_update(skip_locked=True, of=SmsOutbound)
    # Read once: a subquery the plan scans again would skip the rows this UPDATE already changed (locked
    # by itself) and take the next ones, past `limit`.
    picked = heads.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    result = await session.execute(
        update(SmsOutbound)
        .where(SmsOutbound.id.in_(select(picked.c.id)), *due)
        .values(status=SENDING, next_attempt_at=as_utc(until), attempts=SmsOutbound.attempts + 1)
        .returning(*_OUTBOX_ITEM_COLUMNS, _WITHHELD)
        .execution_options(synchronize_session=False)
    )
    return sorted((replace(_outbox_item(row), withheld=row.withheld) for row in result.all()), key=lambda item: item.id)


async def withheld(session: AsyncSession, numbers: set[str]) -> dict[str, str]:
    """Which of these numbers must get nothing now, and why: opted out (STOP), or their conversation is
    blocked. Read in the caller's transaction (an SMS turn's, before it takes agent messages to queue);
    `claim_due` reads the same for each message it takes (`_WITHHELD`), in its own statement.
    (A number both opted out and blocked reads "opted out".)"""
    if not numbers:
        return {}
    opted_out = select(SmsContact.number, literal("opted out").label("reason")).where(
        SmsContact.number.in_(numbers), SmsContact.opted_out.is_(True)
    )
    blocked = select(Conversation.customer_id, literal("blocked").label("reason")).where(
        Conversation.channel == CONVERSATION_CHANNEL, Conversation.customer_id.in_(numbers), Conversation.blocked.is_(True)
    )
    reasons: dict[str, str] = {}
    for number, reason in (await session.execute(union_all(blocked, opted_out))).all():
        if reason == "opted out" or number not in reasons:
            reasons[number] = reason
    return reasons


async def finish_outbound(session: AsyncSession, claimed: OutboxItem, **values: Any) -> bool:
    """Record what came of sending one claimed message (sent, retry at, failed, suppressed); False when
    the claim is no longer this caller's and nothing was recorded.

    A claim is its message "sending" at its attempt number (`claim_due` counts one per claim). A worker
    whose lease ran out mid-send (a stalled provider call, a paused process) finds another worker's later
    claim, or its result, in the row: overwriting it would undo a delivery already recorded (a retry
    after "sent" sends the message again) or release a message another worker is sending.
    """
    result = await session.execute(
        update(SmsOutbound)
        .where(SmsOutbound.id == claimed.id, SmsOutbound.status == SENDING, SmsOutbound.attempts == claimed.attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def outbox(session: AsyncSession, number: str | None = None, status: str | None = None) -> list[OutboxItem]:
    """Queued and sent messages, oldest first (tests, operators)."""
    query = select(SmsOutbound).order_by(SmsOutbound.id)
    if number is not None:
        query = query.where(SmsOutbound.to_number == number)
    if status is not None:
        query = query.where(SmsOutbound.status == status)
    return [_outbox_item(r) for r in await session.scalars(query)]


# -- figures for /metrics -------------------------------------------------------------------------


async def outbox_stats(session: AsyncSession) -> tuple[int, float | None, int]:
    """(unsent messages, age in seconds of the oldest one or None, messages failed for good) of the SMS
    outbox: what /metrics reports as the "sms" outbox. "Sending" counts as unsent until the provider took it."""
    unsent, oldest = (
        await session.execute(
            select(func.count(), func.min(SmsOutbound.created_at)).where(SmsOutbound.status.in_((PENDING, SENDING)))
        )
    ).one()
    failed = await session.scalar(select(func.count()).select_from(SmsOutbound).where(SmsOutbound.status == OUTBOX_FAILED))
    start = as_utc(oldest)
    age = None if start is None else max(0.0, (as_utc(session_clock(session)()) - start).total_seconds())  # type: ignore[operator]
    return int(unsent), age, int(failed or 0)
