"""SMS channel storage: the inbox (every message the gateway posted), the outbox (every SMS to send,
retried until the provider takes it) and per-number flags (opted out, the rest of a long reply).

The inbox row is written before the webhook is acknowledged: a message the gateway delivered is never
lost, even if the process dies before the engine has handled it. The instance that stored it holds a
lease on it while handling it in-process; `claim_inbox` (at start-up and periodically) takes only rows
whose lease ran out, so several instances never handle one message twice.
(provider, external id) is unique, so a gateway retrying the same message is recognised at once.

The outbox is a queue in a table: `claim_due` marks the due ones among each number's oldest unsent
message (a number's messages go out in order, one at a time) "sending" with a lease, and the worker
then records the result: sent, retry later (back-off), failed for good, or suppressed (opted out /
blocked). A worker that dies mid-send leaves a "sending" row whose lease runs out: it is sent again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    JSON, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, func, literal, or_, select, union_all, update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.safetext import storable
from bot.storage.database import dialect_insert, is_postgresql, one_of, session_clock
from bot.storage.models import Base, BotInstance, Conversation, clock_default

# Inbox statuses
RECEIVED, DONE, FAILED, LIMITED, SKIPPED = "received", "done", "failed", "limited", "skipped"
# Outbox statuses
PENDING, SENDING, SENT, SUPPRESSED = "pending", "sending", "sent", "suppressed"
OUTBOX_FAILED = "failed"
UNSENT = (PENDING, SENDING)  # a "sending" head whose lease ran out is due again: its worker died
# The `Conversation.channel` of SMS customers (their customer id is the phone number).
CONVERSATION_CHANNEL = "sms"


class SmsInbound(Base):
    """One message a gateway posted to a webhook, kept before it is acknowledged."""

    __tablename__ = "sms_inbox"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_sms_inbox_external"),
        Index("ix_sms_inbox_number_received", "from_number", "received_at"),
        Index("ix_sms_inbox_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))  # "twilio" | "json"
    external_id: Mapped[str] = mapped_column(String(128))  # MessageSid, or the gateway's id
    from_number: Mapped[str] = mapped_column(String(20))  # E.164
    to_number: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # MMS media: [url, content type] pairs
    status: Mapped[str] = mapped_column(String(12), default=RECEIVED)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the instance handling it (`Database.instance`)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # replayed by others after this


class SmsOutbound(Base):
    """One SMS to send: free text, and a template id with parameters for template-only gateways."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        Index("ix_sms_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_sms_outbox_number", "to_number", "id"),
        Index("uq_sms_outbox_source", "source", unique=True),  # a job's SMS queued once (NULLs never clash)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    template_id: Mapped[str | None] = mapped_column(String(64))
    template_params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))  # reply | more | agent | opt_out | opt_in | help | notice
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))  # the provider's message id (Twilio SM...)
    source: Mapped[str | None] = mapped_column(String(80))  # what queued it, once (e.g. "job:12"): uq_sms_outbox_source
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SmsContact(Base):
    """Per phone number: opted out (STOP), and the rest of a long reply waiting for MORE."""

    __tablename__ = "sms_contacts"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    more_text: Mapped[str | None] = mapped_column(Text)
    more_language: Mapped[str | None] = mapped_column(String(8))
    # While `more_text` waits: how many of the last reply's numbered options were sent (None: all of them).
    more_options_sent: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)



@dataclass(frozen=True)
class InboxItem:
    id: int
    provider: str
    external_id: str
    from_number: str
    to_number: str | None
    body: str
    media: tuple[tuple[str, str], ...]  # (url, content type)
    status: str


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
    # "blocked": its conversation is blocked), read in the claim's transaction. None: nothing stops it.
    withheld: str | None = None


def _inbox_item(row: SmsInbound) -> InboxItem:
    return InboxItem(row.id, row.provider, row.external_id, row.from_number, row.to_number, row.body or "",
                     tuple((str(m[0]), str(m[1])) for m in row.media or ()), row.status)


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


# -- inbox ----------------------------------------------------------------------------------------


async def receive(session: AsyncSession, provider: str, external_id: str, from_number: str, to_number: str | None,
                  body: str, media: Sequence[tuple[str, str]] = (), *, holder: str | None = None,
                  lease_until: dt.datetime | None = None) -> int | None:
    """Keep an inbound message; its id, or None when this (provider, external id) was received before.

    `holder` and `lease_until`: the instance that stored it handles it in-process, so the message is
    leased to it from the start and no other instance's replay takes it while that one is alive.
    """
    statement = (
        dialect_insert(session)(SmsInbound)
        .values(provider=provider, external_id=external_id, from_number=from_number, to_number=to_number,
                body=storable(body), media=[[storable(url), storable(kind)] for url, kind in media], status=RECEIVED,
                received_at=session_clock(session)(), claimed_by=holder, lease_until=lease_until)
        .on_conflict_do_nothing(index_elements=["provider", "external_id"])
        .returning(SmsInbound.id)
    )
    return await session.scalar(statement)


async def finish_inbound(session: AsyncSession, inbox_id: int, status: str, error: str | None = None) -> None:
    """Record how handling an inbound message ended (done, failed, limited, skipped), once: a message
    its turn already recorded handled stays so (a failure after the turn committed is not its failure)."""
    await session.execute(
        update(SmsInbound).where(SmsInbound.id == inbox_id, SmsInbound.status == RECEIVED)
        .values(status=status, error=error[:2000] if error else None, processed_at=session_clock(session)())
    )


async def pending_inbox(session: AsyncSession, limit: int = 1000) -> list[InboxItem]:
    """Messages received but not handled yet (the process stopped in between), oldest first."""
    rows = await session.scalars(select(SmsInbound).where(SmsInbound.status == RECEIVED).order_by(SmsInbound.id).limit(limit))
    return [_inbox_item(r) for r in rows]


async def claim_inbox(session: AsyncSession, *, holder: str, now: dt.datetime, until: dt.datetime,
                      fresh_since: dt.datetime | None = None, limit: int = 1000) -> list[InboxItem]:
    """Received messages nobody is handling (never leased, or their instance's lease ran out: it died
    or stopped before finishing), leased to `holder` until `until`, oldest first.

    `fresh_since`: also take rows whose holder is not a registered instance heartbeating since then
    (`bot_instances`): it stopped or crashed, so a restart need not wait for its leases to run out.

    On PostgreSQL the rows are taken `FOR UPDATE SKIP LOCKED`, so instances replaying together split
    the rows instead of both taking each; a lease checked in the same statement keeps a live instance's
    messages its own. On SQLite (one process) the same statement runs without row locks.
    """
    free = or_(SmsInbound.lease_until.is_(None), SmsInbound.lease_until <= now)
    if fresh_since is not None:
        live = select(BotInstance.id).where(BotInstance.heartbeat_at > fresh_since)
        free = or_(free, SmsInbound.claimed_by.is_(None), SmsInbound.claimed_by.not_in(live.scalar_subquery()))
    query = (
        select(SmsInbound)
        .where(SmsInbound.status == RECEIVED, free)
        .order_by(SmsInbound.id)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.claimed_by, row.lease_until = holder, until
    return [_inbox_item(r) for r in rows]


async def inbox(session: AsyncSession, number: str | None = None) -> list[InboxItem]:
    """Every received message (of one number), oldest first (tests, operators)."""
    query = select(SmsInbound).order_by(SmsInbound.id)
    if number is not None:
        query = query.where(SmsInbound.from_number == number)
    return [_inbox_item(r) for r in await session.scalars(query)]


@dataclass(frozen=True)
class Sender:
    """What handling a number's message needs to know about the number first."""

    recent: int  # messages it sent in the rate window (`sender`'s `since`), this one included
    opted_out: bool  # it sent STOP (and not START since)


async def sender(session: AsyncSession, number: str, since: dt.datetime, *, before_id: int | None = None) -> Sender:
    """How many messages this number sent since `since` (those up to `before_id` when given) and whether
    it opted out: one statement, since every inbound message needs both."""
    count = select(func.count(SmsInbound.id)).where(SmsInbound.from_number == number, SmsInbound.received_at >= as_utc(since))
    if before_id is not None:
        count = count.where(SmsInbound.id <= before_id)
    opted_out = select(SmsContact.opted_out).where(SmsContact.number == number)
    row = (await session.execute(select(count.scalar_subquery(), opted_out.scalar_subquery()))).one()
    return Sender(int(row[0] or 0), bool(row[1]))


# -- outbox ---------------------------------------------------------------------------------------


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
        row_id = await session.scalar(select(SmsOutbound.id).where(SmsOutbound.source == source))
    assert row_id is not None
    return int(row_id)


async def queued_source(session: AsyncSession, source: str) -> int | None:
    """The id of the message queued under `source`, if any."""
    return await session.scalar(select(SmsOutbound.id).where(SmsOutbound.source == source))


def _heads() -> Any:
    """The id of each number's oldest unsent message: only that one may go, so a number's messages
    arrive in order (the next waits while the head is being sent or backing off)."""
    return select(func.min(SmsOutbound.id)).where(one_of(SmsOutbound.status, UNSENT)).group_by(SmsOutbound.to_number)


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """When the next message can go: the earliest due time among each number's oldest unsent message."""
    due = await session.scalar(select(func.min(SmsOutbound.next_attempt_at)).where(SmsOutbound.id.in_(_heads())))
    return as_utc(due)


async def claim_due(session: AsyncSession, now: dt.datetime, until: dt.datetime, limit: int) -> list[OutboxItem]:
    """Mark up to `limit` due messages "sending" until `until` (a lease: after it, another worker sends
    the message again), only each number's oldest unsent one; what this caller got, oldest first.

    The due heads are read with SKIP LOCKED, so a message another instance is claiming at this moment is
    left to it, and one it claimed since this statement began is read as it is now (PostgreSQL re-reads
    a locked row's current version), no longer due: two workers never take the same message, and a
    message the other took costs no statement (a claim that finds nothing still costs its one read).
    SQLite's writers take turns (BEGIN IMMEDIATE). Each item's `withheld` says whether its number opted
    out or is blocked (`_withheld`: one more read for the batch).
    """
    due = (one_of(SmsOutbound.status, UNSENT), SmsOutbound.next_attempt_at <= as_utc(now))
    query = select(SmsOutbound.id).where(SmsOutbound.id.in_(_heads()), *due).order_by(SmsOutbound.id).limit(limit)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=SmsOutbound)
    ids = list(await session.scalars(query))
    if not ids:
        return []
    result = await session.execute(
        update(SmsOutbound)
        .where(SmsOutbound.id.in_(ids), *due)  # held by this transaction; re-checked all the same
        .values(status=SENDING, next_attempt_at=as_utc(until), attempts=SmsOutbound.attempts + 1)
        .returning(*_OUTBOX_ITEM_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted((_outbox_item(row) for row in result.all()), key=lambda item: item.id)
    withheld = await _withheld(session, {item.to_number for item in claimed})
    return [replace(item, withheld=withheld[item.to_number]) if item.to_number in withheld else item for item in claimed]


async def _withheld(session: AsyncSession, numbers: set[str]) -> dict[str, str]:
    """Which of these numbers must get nothing now, and why: opted out (STOP), or their conversation is
    blocked. Read in the claim's transaction, one statement for the whole batch, not two reads a message.
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


# -- contacts -------------------------------------------------------------------------------------


async def save_more(session: AsyncSession, number: str, text: str | None, language: str | None,
                    options_sent: int | None = None) -> None:
    """Keep the rest of a long reply for MORE (None clears it), and how many of its options were sent."""
    await upsert_contact(session, number, more_text=text, more_language=language if text else None,
                         more_options_sent=options_sent if text else None)


async def upsert_contact(session: AsyncSession, number: str, **values: Any) -> None:
    """Create or update a number's flags in one statement."""
    now = session_clock(session)()
    statement = dialect_insert(session)(SmsContact).values(number=number, updated_at=now, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["number"], set_={**values, "updated_at": now}))


async def set_opted_out(session: AsyncSession, number: str, opted_out: bool) -> None:
    """STOP (True) or START (False); opting out also drops a pending MORE."""
    values: dict[str, Any] = {"opted_out": opted_out, "opted_out_at": session_clock(session)() if opted_out else None}
    if opted_out:
        values.update(more_text=None, more_language=None, more_options_sent=None)
    await upsert_contact(session, number, **values)


async def is_opted_out(session: AsyncSession, number: str) -> bool:
    """Whether the number sent STOP (and not START since)."""
    return bool(await session.scalar(select(SmsContact.opted_out).where(SmsContact.number == number)))


async def take_more(session: AsyncSession, number: str) -> tuple[str, str, int | None] | None:
    """The rest of the last long reply, its language and how many options were sent, cleared in the
    caller's transaction; None when nothing waits."""
    contact = await session.get(SmsContact, number)
    if contact is None or not contact.more_text:
        return None
    waiting = contact.more_text, contact.more_language or "en", contact.more_options_sent
    contact.more_text = contact.more_language = contact.more_options_sent = None
    return waiting


async def options_sent(session: AsyncSession, number: str) -> int | None:
    """While the rest of a reply waits for MORE: how many of its numbered options were sent; None when
    every option the customer can answer has reached them."""
    row = (await session.execute(
        select(SmsContact.more_text, SmsContact.more_options_sent).where(SmsContact.number == number)
    )).first()
    return row.more_options_sent if row is not None and row.more_text else None


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
