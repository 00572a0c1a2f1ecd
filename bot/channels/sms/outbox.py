"""The outbox worker: sends queued SMS through the provider, retrying with exponential back-off.

Every SMS the bot sends is first a row in `sms_outbox` (see bot/storage/sms_outbox.py), so a provider outage
or a restart loses nothing: the worker retries each message at 5 s, 10 s, 20 s ... up to 15 minutes
apart until the provider takes it, and gives up (status "failed", logged) only on a permanent error or
after `max_age` (48 hours: an answer that late helps nobody). When a message is taken for sending, an
opted-out or blocked number gets nothing but the opt-out confirmation (the rest is marked "suppressed").
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.backoff import SMS_SEND, Backoff
from bot.channels.sms.providers import OutgoingSms, SendError, SmsProvider, Template, can_carry
from bot.clock import system_clock
from bot.storage import sms_outbox
from bot.storage.database import on_commit
from bot.storage.sms_outbox import OutboxItem
from bot.storage.sms_store import SmsStore

log = logging.getLogger(__name__)

ALWAYS_SENT = frozenset({"opt_out"})  # kinds sent even to an opted-out or blocked number


class Outbox:
    """Queue SMS (`enqueue`) and send them in the background (`start` / `stop`, or `run_once` in tests)."""

    def __init__(
        self,
        store: SmsStore,
        provider: SmsProvider,
        *,
        base_delay: float = 5.0,
        max_delay: float = 900.0,
        max_age: dt.timedelta = dt.timedelta(hours=48),
        lease: dt.timedelta = dt.timedelta(seconds=60),
        poll: float = 30.0,
        batch: int = 20,
        clock: Callable[[], dt.datetime] = system_clock,
    ) -> None:
        self.store = store
        self.provider = provider
        self.backoff = SMS_SEND if (base_delay, max_delay) == (5.0, 900.0) else Backoff.doubling(base_delay, max_delay)
        self.max_age = max_age
        self.lease = lease
        self.poll = poll
        self.batch = batch
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()  # the worker's sends in flight
        self._stopping = False

    # -- queueing ---------------------------------------------------------------------------------

    async def enqueue(self, to: str, body: str, kind: str, *, template: Template | None = None,
                      conversation_id: int | None = None, source: str | None = None) -> int:
        """Persist one SMS for sending and wake the worker; returns the outbox id.

        `source` (e.g. "job:12") queues it once however often this is called with it."""
        outbox_id = await self.store.enqueue(
            to, body, kind, template_id=template.id if template else None,
            template_params=dict(template.params) if template else None, conversation_id=conversation_id,
            now=self.clock(), source=source,
        )
        self.wake()
        return outbox_id

    async def enqueue_in(self, session: AsyncSession, to: str, body: str, kind: str, *, template: Template | None = None,
                         conversation_id: int | None = None, source: str | None = None) -> int:
        """`enqueue` in the caller's transaction (a turn's own: see `_KeepReply` in channel.py); the worker
        is woken once that transaction committed."""
        outbox_id = await sms_outbox.enqueue(
            session, to, body, kind, template_id=template.id if template else None,
            template_params=dict(template.params) if template else None, conversation_id=conversation_id,
            now=self.clock(), source=source,
        )
        on_commit(session, self.wake)
        return outbox_id

    def wake(self) -> None:
        self._wake.set()

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the n-th failed attempt (`bot.backoff.SMS_SEND` unless told otherwise)."""
        return self.backoff.seconds(attempts)

    # -- sending ----------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Send what is due now (the oldest waiting message of each number); how many were tried."""
        items = await self.store.claim_due(self.clock(), self.lease, self.batch)
        if items:
            await asyncio.gather(*(self._send(item) for item in items))
        return len(items)

    async def _send(self, item: OutboxItem) -> None:
        try:
            if item.withheld and item.kind not in ALWAYS_SENT:
                await self.store.mark_suppressed(item, item.withheld)
                return
            template = Template(item.template_id, item.template_params or {}) if item.template_id else None
            message = OutgoingSms(item.to_number, item.body, template)
            if not can_carry(self.provider, message):
                log.warning("sms: outbox %s (%s) needs a free-text gateway; %s only sends templates",
                            item.id, item.kind, self.provider.name)
                await self.store.mark_failed(item, f"{self.provider.name} cannot send free text")
                return
            try:
                # Well inside the lease: a call still hanging when it ran out would be claimed and sent
                # again, by another instance or by this worker itself.
                async with asyncio.timeout(self.lease.total_seconds() / 2):
                    provider_id = await self.provider.send(message)
            except TimeoutError:
                raise SendError(f"{self.provider.name} did not answer in {self.lease.total_seconds() / 2:g}s") from None
        except SendError as exc:
            await self._failed(item, exc)
            return
        except Exception as exc:  # noqa: BLE001 - an adapter bug or a database hiccup: retry, never drop
            log.exception("sms: sending outbox %s failed unexpectedly", item.id)
            await self._failed(item, SendError(f"{exc.__class__.__name__}: {exc}"))
            return
        if not await self.store.mark_sent(item, provider_id, self.clock()):
            # The lease ran out while the provider took the message, and another worker has taken it since
            # (and may send it again): kept as that worker records it, not overwritten from here.
            log.warning("sms: outbox %s was sent as %s after its lease of %ss ran out; another worker holds it now",
                        item.id, provider_id, self.lease.total_seconds())
            return
        log.info("sms: sent outbox %s (%s) to %s as %s", item.id, item.kind, item.to_number, provider_id)

    async def _failed(self, item: OutboxItem, error: SendError) -> None:
        now = self.clock()
        if error.opted_out:
            log.info("sms: %s has unsubscribed at the provider; marking opted out", item.to_number)
            await self.store.set_opted_out(item.to_number, True)
            await self.store.mark_suppressed(item, str(error))
        elif error.permanent:
            log.warning("sms: outbox %s to %s failed for good: %s", item.id, item.to_number, error)
            await self.store.mark_failed(item, str(error))
        elif now - item.created_at > self.max_age:
            log.error("sms: outbox %s to %s given up after %s attempts: %s", item.id, item.to_number, item.attempts, error)
            await self.store.mark_failed(item, f"gave up: {error}")
        else:
            wait = self.delay(item.attempts)
            log.warning("sms: outbox %s to %s not sent (attempt %s), retrying in %.0fs: %s",
                        item.id, item.to_number, item.attempts, wait, error)
            await self.store.mark_retry(item, str(error), now + dt.timedelta(seconds=wait))

    # -- the background worker --------------------------------------------------------------------

    async def run(self) -> None:
        """Send until stopped, with up to `batch` messages in flight: more are claimed as those finish, so
        a slow send holds back its own number, not the messages claimed with it. When nothing more is
        due, sleep until woken (a message queued, a send finished) or the next retry is due (at most
        `poll` apart). Sends in flight when it stops are finished first (`stop` bounds the wait)."""
        try:
            while not self._stopping:
                self._wake.clear()
                wait = self.poll
                try:
                    room = self.batch - len(self._sending)
                    # Claim in chunks, not one message per freed place: a claim is a transaction of its own.
                    if room >= max(1, self.batch // 2) or (room > 0 and not self._sending):
                        items = await self.store.claim_due(self.clock(), self.lease, room)
                        for item in items:
                            task = asyncio.create_task(self._send(item), name=f"sms-send-{item.id}")
                            self._sending.add(task)
                            task.add_done_callback(self._sent)
                        if len(items) < room:  # all that is due went: sleep until the next retry is
                            due = await self.store.next_due()
                            if due is not None:
                                wait = max(0.0, min(self.poll, (due - self.clock()).total_seconds()))
                except Exception:  # noqa: BLE001 - the database is away: try again later
                    log.exception("sms: outbox worker error")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.01))
        except asyncio.CancelledError:
            for task in self._sending:  # `stop` ran out of patience: their leases send them again
                task.cancel()
            raise
        finally:
            if self._sending:
                await asyncio.gather(*self._sending, return_exceptions=True)

    def _sent(self, task: asyncio.Task[None]) -> None:
        """A send finished: its place is free (wake the worker); an error past `_send`'s own handling (the
        database failing to record it) is logged, and the message's lease sends it again later."""
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sms: an outbox send failed", exc_info=task.exception())
        self.wake()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="sms-outbox")

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await asyncio.wait_for(self._task, timeout=10)
                except asyncio.TimeoutError:
                    self._task.cancel()
            self._task = None
        await self.provider.close()
