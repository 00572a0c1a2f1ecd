"""SMS channel storage: the tables (inbox, outbox, per-number flags), the inbox (every message the gateway
posted) and the per-number flags (opted out, the rest of a long reply). The outbox's queue is
`bot.storage.sms_outbox`.

The inbox row is written before the webhook is acknowledged: a message the gateway delivered is never
lost, even if the process dies before the engine has handled it. The instance that stored it holds a
lease on it while handling it in-process; `claim_inbox` (at start-up and periodically) takes only rows
whose lease ran out, so several instances never handle one message twice.
(provider, external id) is unique, so a gateway retrying the same message is recognised at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.safetext import storable
from bot.storage.database import dialect_insert, is_postgresql, session_clock
from bot.storage.models import Base, BotInstance, clock_default

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


def _inbox_item(row: SmsInbound) -> InboxItem:
    return InboxItem(row.id, row.provider, row.external_id, row.from_number, row.to_number, row.body or "",
                     tuple((str(m[0]), str(m[1])) for m in row.media or ()), row.status)


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


async def renew_inbox(session: AsyncSession, inbox_id: int, *, holder: str, until: dt.datetime) -> bool:
    """Extend `holder`'s lease on a received message it is about to handle; False when the message is no
    longer its own to handle (handled, or taken by another instance's replay once the lease ran out)."""
    result = await session.execute(
        update(SmsInbound)
        .where(SmsInbound.id == inbox_id, SmsInbound.status == RECEIVED, SmsInbound.claimed_by == holder)
        .values(lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


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
