"""Getting to the customer what a committed hand-off change owes them, and keeping what cannot go.

An agents' operation collects `PendingDeliveries` inside its transaction; `CustomerDispatch.deliver`
sends them once it committed, through the channel's `CustomerDelivery` (bot.handoff.delivery). An agent
message that cannot be delivered is held (unreachable, no channel in this process) or retried with
backoff (a temporary failure), and the agents are told; `flush` delivers what a customer missed
(`take_missed`, inside the customer's turn, for a channel that queues in this database).
Every send is preceded by a claim on its outbox rows (see `bot.storage.handoff_outbox`): with several
instances on one database a customer gets each agent message once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.backoff import AGENT_MESSAGE
from bot.engine.messages import say
from bot.engine.types import Reply, ReplyKind
from bot.handoff import desk as events
from bot.handoff.core import HandoffCore
from bot.handoff.delivery import AgentMessage, Attachment, CustomerUnreachable
from bot.settings import Language
from bot.storage import conversations, messages
from bot.storage import handoff as repo
from bot.storage.handoff import DONE, HELD, PENDING, HandoffOutbox

log = logging.getLogger(__name__)

FIRST_TRY_GRACE = dt.timedelta(seconds=60)  # a periodic retry leaves a fresh agent message to its first delivery
RETRY_BACKOFF = AGENT_MESSAGE.delays  # seconds between retries of a failed customer delivery
DELIVERY_LEASE = dt.timedelta(minutes=2)  # a flush's claim: a few sends to one customer; another instance retries after


@dataclass
class PendingDeliveries:
    """Customer deliveries to make once the transaction committed."""

    channel: str = ""
    customer_id: str = ""
    replies: list[Reply] = field(default_factory=list)
    agent: tuple[int, AgentMessage] | None = None  # (outbox row id, message)


@dataclass(frozen=True)
class Missed:
    """Agent messages a customer has not received, claimed for delivery, oldest first."""

    messages: list[tuple[int, AgentMessage]]  # (outbox row id, message)
    while_away: Reply | None  # said before them when some were held (the customer was away)


class CustomerDispatch:
    """Sends hand-off messages to customers through the channels' deliverers."""

    def __init__(self, core: HandoffCore) -> None:
        self.core = core

    async def deliver(self, deliveries: PendingDeliveries) -> str:
        """Send what a committed change owes the customer; keep an agent message that cannot go."""
        if not deliveries.channel:
            return "delivered"
        deliverer = self.core.deliveries.get(deliveries.channel)
        if deliveries.replies and deliverer is not None:
            try:
                await deliverer.send_replies(deliveries.customer_id, deliveries.replies)
            except Exception as exc:  # noqa: BLE001 - a notice is best effort; the transcript has it
                log.info("notice to %s:%s not delivered: %s", deliveries.channel, deliveries.customer_id, exc)
        if deliveries.agent is None:
            return "delivered"
        outbox_id, message = deliveries.agent
        if not await self._claim(outbox_id):
            # The customer wrote meanwhile and another instance's flush took the row: it delivers it.
            return "delivered"
        if deliverer is None:
            await self._undelivered(outbox_id, HELD, "offline", f"no {deliveries.channel} channel running in this process")
            return "held"
        try:
            await deliverer.send_agent_message(deliveries.customer_id, message)
        except CustomerUnreachable as exc:
            await self._undelivered(outbox_id, HELD, "unreachable", str(exc))
            return "held"
        except Exception as exc:  # noqa: BLE001 - DeliveryFailed and anything unexpected: retried later
            log.warning("agent message to %s:%s failed, will retry: %s", deliveries.channel, deliveries.customer_id, exc)
            await self._undelivered(outbox_id, PENDING, "failed", str(exc) or type(exc).__name__)
            return "pending"
        async with self.core.transaction() as session:
            row = await repo.outbox_row(session, outbox_id)
            if row is not None:
                row.status, row.done_at, row.attempts = DONE, self.core.now(), row.attempts + 1
                row.claimed_by = row.lease_until = None
        return "delivered"

    @property
    def _holder(self) -> str:
        return self.core.store.database.instance  # type: ignore[no-any-return]

    async def _claim(self, outbox_id: int) -> bool:
        """Take the fresh row for this first delivery (compare-and-set), so no other instance's flush
        sends it too; its lease ends with the first-try grace, after which the periodic retry may."""
        now = self.core.now()
        async with self.core.transaction() as session:
            return await repo.claim_row(session, outbox_id, holder=self._holder, now=now, until=now + FIRST_TRY_GRACE)

    async def _undelivered(self, outbox_id: int, status: str, reason: str, error: str) -> None:
        async with self.core.transaction() as session:
            row = await repo.outbox_row(session, outbox_id)
            if row is None:
                return
            first = row.attempts == 0
            row.claimed_by = row.lease_until = None
            row.attempts += 1
            row.status = status
            row.error = error[:500]
            row.not_before = self.core.now() + AGENT_MESSAGE.after(row.attempts)
            if first:
                escalation = await repo.get(session, row.escalation_id)
                if escalation is not None:
                    self.core.queue_desk(
                        session, escalation, events.UNDELIVERED, {"message_id": row.payload.get("message_id"), "reason": reason}
                    )

    def _attachment(self, payload: dict[str, Any], reference: str | None) -> Attachment | None:
        if not reference or payload.get("kind") not in ("photo", "document"):
            return None
        fetcher = self.core.fetcher
        fetch = fetcher(reference) if fetcher is not None else None
        return Attachment(
            kind=payload["kind"], reference=reference, file_name=payload.get("file_name"), mime_type=payload.get("mime_type"), fetch=fetch
        )

    async def flush(self, conversation_id: int, *, held: bool = True) -> int:
        """Deliver the agent messages this customer has not got yet, oldest first; how many went.

        `held`: the customer just wrote (held and pending rows go); else the periodic retry (pending
        rows whose retry is due). The rows are claimed first (`repo.claim_undelivered`), so with several
        instances each message is delivered by one of them, in order; rows another instance is
        delivering, and everything after them, are left to it.
        """
        now = self.core.now()
        async with self.core.transaction() as session:
            rows = await repo.claim_undelivered(session, conversation_id, holder=self._holder, now=now,
                                                until=now + DELIVERY_LEASE, held=held)
            conversation = await conversations.get(session, conversation_id)
            if not rows or conversation is None:
                return 0
            channel, customer_id, language = conversation.channel, conversation.customer_id, conversation.language
            missed = await self._missed(session, rows, language)  # type: ignore[arg-type]
        deliverer = self.core.deliveries.get(channel)
        if deliverer is None:
            await self._release([row_id for row_id, _ in missed.messages])
            return 0
        sent: list[int] = []
        try:
            if missed.while_away is not None:
                await deliverer.send_replies(customer_id, [missed.while_away])
            for outbox_id, message in missed.messages:
                await deliverer.send_agent_message(customer_id, message)
                sent.append(outbox_id)
        except Exception as exc:  # noqa: BLE001 - still unreachable: keep the rest, try again later
            log.info("undelivered agent messages for conversation %s still not delivered: %s", conversation_id, exc)
            async with self.core.transaction() as session:
                for outbox_id, _ in missed.messages:
                    row = await repo.outbox_row(session, outbox_id)
                    if row is not None and outbox_id not in sent:
                        row.claimed_by = row.lease_until = None
                        row.attempts += 1
                        row.error = str(exc)[:500] or type(exc).__name__
                        row.not_before = self.core.now() + AGENT_MESSAGE.after(row.attempts)
        if sent:
            async with self.core.transaction() as session:
                await self._delivered(session, sent)
        return len(sent)

    async def take_missed(self, session: AsyncSession, conversation_id: int, language: Language) -> Missed:
        """What `flush` does, for a channel whose sending is itself a row in this database (SMS queues
        its outbox): the agent messages this customer missed, recorded delivered in the caller's
        transaction, which must queue them before it commits. The customer just wrote, so held and
        pending rows go, oldest first, stopping at the first row another instance is delivering. One
        commit then holds the messages queued, their rows done and the turn's answer queued after
        them: all of it, or none."""
        now = self.core.now()
        rows = await repo.claim_undelivered(session, conversation_id, holder=self._holder, now=now,
                                            until=now + DELIVERY_LEASE, held=True)
        missed = await self._missed(session, rows, language)
        if rows:
            await self._delivered(session, [row.id for row in rows])
        return missed

    async def _missed(self, session: AsyncSession, rows: Sequence[HandoffOutbox], language: Language) -> Missed:
        """Claimed rows as the messages to send, with the line saying they were written while away."""
        messages_: list[tuple[int, AgentMessage]] = []
        for row in rows:
            payload = dict(row.payload)
            message = await messages.get(session, payload.get("message_id"))
            messages_.append((row.id, AgentMessage(
                escalation_id=row.escalation_id,
                language=language,
                text=message.text if message else None,
                attachment=self._attachment(payload, message.attachment if message else None),
                agent_name=payload.get("agent"),
                message_id=payload.get("message_id"),
            )))
        away = any(row.status == HELD for row in rows)
        return Missed(messages_, Reply(say("handoff.while_away", language), ReplyKind.INFO, language) if away else None)

    async def _delivered(self, session: AsyncSession, outbox_ids: Sequence[int]) -> None:
        """Record agent messages delivered (late), and tell their escalations' desks."""
        escalations: set[int] = set()
        for outbox_id in outbox_ids:
            row = await repo.outbox_row(session, outbox_id)
            if row is not None:
                row.status, row.done_at = DONE, self.core.now()
                row.claimed_by = row.lease_until = None
                escalations.add(row.escalation_id)
        for escalation_id in escalations:
            escalation = await repo.get(session, escalation_id)
            if escalation is not None:
                self.core.queue_desk(session, escalation, events.STATUS, {"event": "delivered_late", "count": len(outbox_ids)})

    async def _release(self, ids: list[int]) -> None:
        async with self.core.transaction() as session:
            await repo.release_claim(session, ids, self._holder)
