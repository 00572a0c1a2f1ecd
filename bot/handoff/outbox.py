"""Publishing the hand-off outbox to the agents' desk, and the periodic service-level sweep.

`DeskOutbox.run_once` takes the due "agents" rows in order, groups consecutive plain-text customer
messages of one escalation into a single post (Telegram allows ~20 messages a minute into a group:
three lines in one post cost one), and hands each event to the desk. A `DeskRetry` (flood control)
stops the round and the rows are tried again after the wait; another failure is retried with backoff
and, after `max_attempts`, marked failed and logged. Later rows of an escalation whose row failed wait,
so an agent never sees a customer's messages out of order.

Several instances run this worker on one database: each round claims its rows first (a lease, see
`bot.storage.handoff_outbox`), so each row is posted by one instance, and an escalation's rows by one
instance at a time, in order. An instance that dies mid-round leaves rows whose lease runs out after
`DESK_LEASE`; another instance then posts them (the one post that was under way may appear twice).

`HandoffTasks` runs the worker (woken whenever a transaction that queued something for it commits,
`HandoffCore.queue_desk`) and calls
`HandoffService.sweep` every `sweep_every` seconds; both take an injectable clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from bot.backoff import DESK_EVENT
from bot.clock import as_utc
from bot.handoff import desk as events
from bot.handoff import vip
from bot.handoff.desk import BookingLine, DeskEvent, DeskRetry, TranscriptLine
from bot.handoff.service import HandoffService
from bot.storage import handoff as repo
from bot.storage import messages as messages_repo
from bot.storage.handoff import AGENTS, DONE, FAILED, HandoffOutbox
from bot.storage.models import Message

log = logging.getLogger(__name__)

CARD_TRANSCRIPT = 8  # messages of the transcript on a new escalation's card
MERGE_LIMIT = 3000  # characters of customer text merged into one relayed post
IDLE_POLL = 30.0
DESK_LEASE = dt.timedelta(minutes=2)  # how long a claimed row is this instance's; renewed while a round goes on


def _merge_key(row: HandoffOutbox, message: Message | None) -> int | None:
    """Rows relaying a plain-text customer message can share a post with their neighbours."""
    if row.kind != events.MESSAGE or message is None or message.attachment or message.kind != "text":
        return None
    return row.escalation_id


def _line(message: Message) -> TranscriptLine:
    created = as_utc(message.created_at)
    return TranscriptLine(message.id, message.direction, message.kind, message.text, message.attachment, message.external_id, created)


async def _card_lines(session, escalation_id: int) -> tuple[tuple[TranscriptLine, ...], tuple[BookingLine, ...]]:  # type: ignore[no-untyped-def]
    loaded = await repo.load(session, escalation_id)
    if loaded is None:
        return (), ()
    _, conversation = loaded
    upto = await repo.opened_upto(session, escalation_id)
    lines = tuple(_line(m) for m in await messages_repo.latest(session, conversation.id, upto=upto, limit=CARD_TRANSCRIPT))
    bookings = tuple(
        BookingLine(
            ticket=b.ticket, model=b.model_name, status=b.status, service=b.service, slot_start=as_utc(b.slot_start),
            callback_due_at=as_utc(b.callback_due_at), called_at=as_utc(b.called_at),
            vip=bool(b.vip),
        )
        for b in await repo.customer_bookings(session, conversation.channel, conversation.customer_id)
    )
    return lines, bookings


async def card_context(service: HandoffService, escalation_id: int) -> tuple[tuple[TranscriptLine, ...], tuple[BookingLine, ...]]:
    """What a card shows besides the escalation: the transcript up to the hand-off, the bookings."""
    async with service._tx() as session:
        return await _card_lines(session, escalation_id)


class DeskOutbox:
    """Delivers the "agents" outbox to `service.desk`."""

    def __init__(self, service: HandoffService, *, batch: int = 50, max_attempts: int = 8,
                 lease: dt.timedelta = DESK_LEASE) -> None:
        self.service = service
        self.batch = batch
        self.max_attempts = max_attempts
        self.lease = lease

    async def run_once(self, now: dt.datetime | None = None) -> int:
        """Publish what is due; return how many outbox rows were done.

        The rows are claimed first (`repo.claim_due`: leased to this instance for `lease`), so another
        instance's worker takes none of them and nothing behind them of the same escalation; the lease
        is renewed while a long, paced round goes on, and rows the round did not get to are released.
        """
        service = self.service
        if not service.desk.enabled:
            return 0
        now = now or service.now()
        holder = self._holder
        async with service._tx() as session:
            rows = await repo.claim_due(session, AGENTS, now, holder=holder, until=now + self.lease, limit=self.batch)
            ids = [i for r in rows if r.kind == events.MESSAGE for i in r.payload.get("ids", [])]
            messages = await messages_repo.by_ids(session, ids)
            groups: list[list[HandoffOutbox]] = []
            last_key: int | None = None
            size = 0
            for row in rows:
                first = messages.get((row.payload.get("ids") or [0])[0]) if row.kind == events.MESSAGE else None
                key = _merge_key(row, first)
                length = len(first.text or "") if first is not None else 0
                if groups and key is not None and key == last_key and size + length <= MERGE_LIMIT:
                    groups[-1].append(row)
                    size += length
                else:
                    groups.append([row])
                    size = length
                last_key = key
            prepared = []
            for group in groups:
                event = await self._event(session, group, messages)
                prepared.append((group, event))
        done = 0
        blocked: set[int] = set()
        untried = [row.id for row in rows]
        renewed = service.now()
        try:
            for group, event in prepared:
                escalation_id = group[0].escalation_id
                if escalation_id in blocked:
                    continue
                if service.now() - renewed > self.lease / 2:  # the pacer made this round long: keep the rows
                    renewed = service.now()
                    await self._extend(untried, renewed + self.lease)
                for row in group:
                    untried.remove(row.id)
                if event is None:  # the escalation is gone
                    await self._finish(group, DONE, None)
                    continue
                try:
                    await service.desk.publish(event)
                except DeskRetry as exc:
                    log.info("agents' desk asks to retry in %.0fs: %s", exc.after, exc.reason)
                    await self._later(group, exc.after, str(exc), count=False)
                    break
                except Exception as exc:
                    log.warning("publishing %s for escalation %s failed: %s", event.kind, escalation_id, exc, exc_info=True)
                    blocked.add(escalation_id)
                    await self._later(group, None, f"{type(exc).__name__}: {exc}", count=True)
                    continue
                await self._finish(group, DONE, None)
                done += len(group)
        finally:
            if untried:  # cut short (flood control, a failed escalation, cancelled): claimable again now
                with contextlib.suppress(Exception):
                    await self._release(untried)
        return done

    @property
    def _holder(self) -> str:
        return self.service.store.database.instance  # type: ignore[no-any-return]

    async def _extend(self, ids: list[int], until: dt.datetime) -> None:
        async with self.service._tx() as session:
            await repo.extend_claim(session, ids, self._holder, until)

    async def _release(self, ids: list[int]) -> None:
        async with self.service._tx() as session:
            await repo.release_claim(session, ids, self._holder)

    async def _event(self, session, group: list[HandoffOutbox], messages: dict[int, Message]) -> DeskEvent | None:  # type: ignore[no-untyped-def]
        head = group[0]
        loaded = await repo.load(session, head.escalation_id)
        if loaded is None:
            return None
        escalation, conversation = loaded
        view = await vip.mark_one(session, self.service.policies, repo.view(escalation, conversation))
        lines: tuple[TranscriptLine, ...] = ()
        bookings: tuple[BookingLine, ...] = ()
        if head.kind == events.MESSAGE:
            ids = [i for row in group for i in row.payload.get("ids", [])]
            lines = tuple(_line(messages[i]) for i in ids if i in messages)
        elif head.kind == events.OPENED:
            upto = head.payload.get("upto")
            lines = tuple(_line(m) for m in await messages_repo.latest(session, conversation.id, upto=upto, limit=CARD_TRANSCRIPT))
            _, bookings = await _card_lines(session, escalation.id)
        elif head.kind in (events.STATUS, events.SURVEY):
            lines, bookings = await _card_lines(session, escalation.id)
        return DeskEvent(
            outbox_ids=tuple(row.id for row in group),
            kind=head.kind,
            payload=dict(head.payload),
            escalation=view,
            messages=lines,
            bookings=bookings,
        )

    async def _finish(self, group: list[HandoffOutbox], status: str, error: str | None) -> None:
        async with self.service._tx() as session:
            for row in group:
                stored = await repo.outbox_row(session, row.id)
                if stored is not None:
                    stored.status, stored.error, stored.done_at = status, error, self.service.now()
                    stored.attempts += 1
                    stored.claimed_by = stored.lease_until = None

    async def _later(self, group: list[HandoffOutbox], after: float | None, error: str, *, count: bool) -> None:
        now = self.service.now()
        async with self.service._tx() as session:
            for row in group:
                stored = await repo.outbox_row(session, row.id)
                if stored is None:
                    continue
                stored.claimed_by = stored.lease_until = None
                if count:
                    stored.attempts += 1
                stored.error = error[:500]
                if count and stored.attempts >= self.max_attempts:
                    stored.status, stored.done_at = FAILED, now
                    log.error("gave up publishing %s #%s for escalation %s: %s", stored.kind, stored.id, stored.escalation_id, error)
                    continue
                wait = after if after is not None else DESK_EVENT.seconds(stored.attempts)
                stored.not_before = now + dt.timedelta(seconds=wait)

    async def next_wait(self, cap: float = IDLE_POLL) -> float:
        """Seconds until the earliest pending row is due (at most `cap`)."""
        async with self.service._tx() as session:
            due = await repo.next_due(session, AGENTS)
        if due is None:
            return cap
        return max(0.0, min(cap, (due - self.service.now()).total_seconds()))


class HandoffTasks:
    """The background work of the hand-off feature: the desk outbox worker and the periodic sweep."""

    def __init__(self, service: HandoffService, *, sweep_every: float = 60.0) -> None:
        self.service = service
        self.outbox = DeskOutbox(service)
        self.sweep_every = sweep_every
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Start both loops (idempotent)."""
        if self._tasks:
            return
        self._stop = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._publish_loop(), name="handoff-desk-outbox"),
            asyncio.create_task(self._sweep_loop(), name="handoff-sweep"),
        ]

    async def stop(self) -> None:
        self._stop.set()
        self.service.notify()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _publish_loop(self) -> None:
        wake = self.service.wake
        while not self._stop.is_set():
            wake.clear()
            try:
                await self.outbox.run_once()
                wait = await self.outbox.next_wait() if self.service.desk.enabled else IDLE_POLL
            except Exception:
                log.exception("hand-off outbox round failed")
                wait = 5.0
            if wait <= 0:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)

    async def _sweep_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.service.sweep()
            except Exception:
                log.exception("hand-off sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.sweep_every)
