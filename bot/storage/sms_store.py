"""The SMS channel's units of work over `bot.storage.sms`: each method is one short unit of its own.

The SMS channel's calls are one statement each (keep a message, mark one sent...), so this class saves
its callers the session boilerplate; the statements themselves are `bot.storage.sms`'s functions. A
unit of one statement runs in `Database.autocommit_sessions` (`_alone`), on PostgreSQL without a
transaction around it: an SMS cost 24.6 statements on the wire, 11.2 of them BEGIN, COMMIT and ROLLBACK
(README, "A statement alone is one round trip"). A unit that reads and then changes what it read
(`take_more`, `claim_inbox`) or may take two statements (`enqueue`) is a transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage import sms, sms_outbox
from bot.storage.database import Database
from bot.storage.instances import FRESH
from bot.storage.sms import OUTBOX_FAILED, PENDING, SENT, SUPPRESSED, InboxItem, Sender
from bot.storage.sms_outbox import OutboxItem


INBOX_LEASE = dt.timedelta(minutes=5)
"""How long an instance holds a received message it handles in-process: handling takes seconds (a turn,
one number's messages one after another, a wait for one of `TURNS_AT_ONCE` places: renewed when that
wait was long); after this another instance's replay takes it (it died). This instance's own replay
skips the messages it still holds."""


class SmsStore:
    """The SMS channel's units of work: one statement alone, or one transaction around repository calls."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _alone(self) -> AsyncSession:
        """A session for statements that each stand alone (see `Database.autocommit_sessions`)."""
        return self.database.autocommit_sessions()

    async def receive(self, provider: str, external_id: str, from_number: str, to_number: str | None, body: str,
                      media: Sequence[tuple[str, str]] = ()) -> int | None:
        """Keep an inbound message, leased to this instance for `INBOX_LEASE` (it handles it next); its
        id, or None when this (provider, external id) was received before."""
        until = as_utc(self.database.clock()) + INBOX_LEASE
        async with self._alone() as session, session.begin():
            return await sms.receive(session, provider, external_id, from_number, to_number, body, media,
                                     holder=self.database.instance, lease_until=until)

    async def claim_inbox(self, limit: int = 1000) -> list[InboxItem]:
        """Received messages nobody handles (their lease ran out, or their instance is no longer
        registered as running), now leased to this instance."""
        now = as_utc(self.database.clock())
        async with self.database.sessions() as session, session.begin():
            return await sms.claim_inbox(session, holder=self.database.instance, now=now, until=now + INBOX_LEASE,
                                         fresh_since=now - FRESH, limit=limit)

    async def renew_inbox(self, inbox_id: int) -> bool:
        """Lease a received message to this instance for another `INBOX_LEASE`, if it still holds it."""
        until = as_utc(self.database.clock()) + INBOX_LEASE
        async with self._alone() as session, session.begin():
            return await sms.renew_inbox(session, inbox_id, holder=self.database.instance, until=until)

    async def finish_inbound(self, inbox_id: int, status: str, error: str | None = None) -> None:
        async with self._alone() as session, session.begin():
            await sms.finish_inbound(session, inbox_id, status, error)

    async def pending_inbox(self, limit: int = 1000) -> list[InboxItem]:
        """Messages received but not handled yet (the process stopped in between), oldest first."""
        async with self._alone() as session:
            return await sms.pending_inbox(session, limit)

    async def inbox(self, number: str | None = None) -> list[InboxItem]:
        async with self._alone() as session:
            return await sms.inbox(session, number)

    async def sender(self, number: str, since: dt.datetime, *, before_id: int | None = None) -> Sender:
        """How many messages this number sent since `since` (those up to `before_id` when given), and
        whether it opted out (`sms.sender`: one read for both)."""
        async with self._alone() as session:
            return await sms.sender(session, number, since, before_id=before_id)

    async def enqueue(self, to_number: str, body: str, kind: str, *, template_id: str | None = None,
                      template_params: dict[str, str] | None = None, conversation_id: int | None = None,
                      now: dt.datetime | None = None, source: str | None = None) -> int:
        """Queue one SMS; it is due at once. With `source`, once per source (see `sms_outbox.enqueue`)."""
        async with self.database.sessions() as session, session.begin():
            return await sms_outbox.enqueue(session, to_number, body, kind, template_id=template_id,
                                            template_params=template_params, conversation_id=conversation_id, now=now,
                                            source=source)

    async def queued_source(self, source: str) -> int | None:
        """The id of the SMS queued under `source` (None: nothing was)."""
        async with self._alone() as session:
            return await sms_outbox.queued_source(session, source)

    async def claim_due(self, now: dt.datetime, lease: dt.timedelta, limit: int = 50) -> list[OutboxItem]:
        """The oldest unsent message of each number, when it is due, marked "sending" until now + lease
        (`sms_outbox.claim_due`: of several workers claiming together, each message goes to one).

        A number whose oldest unsent message is not due yet (backing off) sends nothing newer meanwhile,
        so a number's messages arrive in order.
        """
        async with self._alone() as session, session.begin():
            return await sms_outbox.claim_due(session, now, as_utc(now) + lease, limit)

    # What came of a claimed message (`claim_due`). Each records only while the claim is still this
    # worker's (`sms_outbox.finish_outbound`); False when another worker has taken the message since.

    async def mark_sent(self, claimed: OutboxItem, provider_id: str | None, now: dt.datetime) -> bool:
        return await self._finish(claimed, status=SENT, provider_id=provider_id, sent_at=as_utc(now), last_error=None)

    async def mark_retry(self, claimed: OutboxItem, error: str, due: dt.datetime) -> bool:
        return await self._finish(claimed, status=PENDING, next_attempt_at=as_utc(due), last_error=error[:2000])

    async def mark_failed(self, claimed: OutboxItem, error: str) -> bool:
        return await self._finish(claimed, status=OUTBOX_FAILED, last_error=error[:2000])

    async def mark_suppressed(self, claimed: OutboxItem, reason: str) -> bool:
        return await self._finish(claimed, status=SUPPRESSED, last_error=reason)

    async def _finish(self, claimed: OutboxItem, **values: Any) -> bool:
        async with self._alone() as session, session.begin():
            return await sms_outbox.finish_outbound(session, claimed, **values)

    async def outbox(self, number: str | None = None, status: str | None = None) -> list[OutboxItem]:
        """Queued and sent messages, oldest first (tests, operators)."""
        async with self._alone() as session:
            return await sms_outbox.outbox(session, number, status)

    async def next_due(self) -> dt.datetime | None:
        """When the next message can go: the earliest due time among each number's oldest unsent message."""
        async with self._alone() as session:
            return await sms_outbox.next_due(session)

    async def set_opted_out(self, number: str, opted_out: bool) -> None:
        """STOP (True) or START (False); opting out also drops a pending MORE."""
        async with self._alone() as session, session.begin():
            await sms.set_opted_out(session, number, opted_out)

    async def withheld(self, number: str) -> str | None:
        """Why nothing may be sent to this number now ("opted out", "blocked"), or None (`sms_outbox.withheld`)."""
        async with self._alone() as session:
            return (await sms_outbox.withheld(session, {number})).get(number)

    async def is_opted_out(self, number: str) -> bool:
        async with self._alone() as session:
            return await sms.is_opted_out(session, number)

    async def save_more(self, number: str, text: str | None, language: str | None, options_sent: int | None = None) -> None:
        """Keep the rest of a long reply for MORE (None clears it), and how many of its options were sent."""
        async with self._alone() as session, session.begin():
            await sms.save_more(session, number, text, language, options_sent)

    async def take_more(self, number: str) -> tuple[str, str, int | None] | None:
        """The rest of the last long reply, its language and how many options were sent, removed from the
        store; None when nothing waits."""
        async with self.database.sessions() as session, session.begin():
            return await sms.take_more(session, number)

    async def options_sent(self, number: str) -> int | None:
        """How many numbered options of a reply waiting for MORE were sent (see `options_sent`)."""
        async with self._alone() as session:
            return await sms.options_sent(session, number)
