"""Telegram updates, stored before Telegram is told they arrived, handled by whichever instance is up.

`DurableIntake`, the dispatcher's outermost middleware, stores each update Telegram gives it and hands
it to the inbox instead of handling it there and then. The webhook therefore answers 200 only once the
update is in `telegram_updates` (and 500 when it cannot be stored: Telegram then sends it again), and
long polling, which feeds a batch's updates one after the other before its next getUpdates confirms
them, confirms only stored updates. The instance that stored an update handles it at once; one killed half-way
leaves it pending, and when its lease runs out the sweep of any instance handles it. The engine's own
de-duplication (the message id is stored with the turn) and the outbox's (replies keyed by the
message they answer) make handling an update twice harmless: one turn, one set of replies.

A chat's updates are handled one at a time, in update_id order, across instances: only a chat's oldest
pending update can be claimed, and whoever finishes one takes the chat's next.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject, Update
from sqlalchemy.engine import Connection

from bot.backoff import Backoff
from bot.channels.telegram.outbox import marks_deferred
from bot.channels.telegram.sweep import Sweep
from bot.clock import Clock, system_clock
from bot.storage import Database
from bot.storage import telegram_outbox as replies
from bot.storage import telegram_queue as queue
from bot.storage.telegram_queue import QueuedUpdate

log = logging.getLogger(__name__)

# Set in the handler data of an update the inbox feeds back to the dispatcher: the intake lets it through.
FROM_INBOX = "from_inbox"
# Polling waits for the database this long between attempts to store an update, never skipping it.
STORE_RETRY = Backoff((0.5, 1, 2, 5, 10, 30))
# Recording an update as handled is tried again after these waits (seconds) before giving up (its
# lease then runs out and it is handled again: its replies are recognised, not sent twice).
FINISH_RETRY = (0.5, 2.0, 5.0)
# An update handled (or left by a dying instance) more often than this is failed and logged, not retried:
# one that crashes whoever handles it must not take every instance down in turn, nor block its chat.
MAX_ATTEMPTS = 5

# The objects of an update that carry the chat it belongs to (a button press: its message's chat).
_CHAT_CARRIERS = ("message", "edited_message", "my_chat_member", "chat_member", "chat_join_request", "message_reaction")


def chat_of(data: Mapping[str, Any]) -> int | None:
    """The chat a raw update belongs to (its order is kept per chat), None when it has none."""
    for key in _CHAT_CARRIERS:
        carrier = data.get(key)
        if isinstance(carrier, dict) and isinstance(carrier.get("chat"), dict):
            chat_id = carrier["chat"].get("id")
            return chat_id if isinstance(chat_id, int) else None
    query = data.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict) and isinstance(query["message"].get("chat"), dict):
        chat_id = query["message"]["chat"].get("id")
        return chat_id if isinstance(chat_id, int) else None
    return None


class UpdateInbox:
    """Store updates (`accept`), handle them through the dispatcher, and sweep what others left behind."""

    def __init__(
        self,
        database: Database,
        dispatcher: Dispatcher,
        *,
        owner: str,
        clock: Clock = system_clock,
        lease: dt.timedelta = dt.timedelta(seconds=30),
        orphan_after: dt.timedelta = dt.timedelta(seconds=10),
        sweep_every: float = 5.0,
        keep_for: dt.timedelta = dt.timedelta(days=1),
        on_duplicate: Callable[[int], None] | None = None,
        concurrency: int = 64,
    ) -> None:
        self.database = database
        self.dispatcher = dispatcher
        self.bot: Bot | None = None  # the bot updates are handled with: the one that received them
        self.owner = owner
        self.clock = clock
        self.lease = lease
        self.orphan_after = orphan_after
        self.keep_for = keep_for
        self.on_duplicate = on_duplicate  # told of each redelivered update id (the channel counts them)
        self.handled = 0
        self._slots = asyncio.Semaphore(concurrency)  # updates handled at once (different chats)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweep = Sweep("telegram inbox sweep", self.sweep_once, self.purge, sweep_every)

    async def store(self, updates: Iterable[Mapping[str, Any]], *, take: bool = False) -> list[QueuedUpdate | int]:
        """Keep raw updates in one transaction; the new ones (a redelivery is not new).

        With `take`, each new update this instance may handle now (its chat has nothing older pending) is
        claimed in the same transaction and returned as a `QueuedUpdate`; the others as their ids.
        Raises when the database cannot take them: the caller must then not acknowledge them.
        """
        rows = sorted(((int(data["update_id"]), chat_of(data), dict(data)) for data in updates), key=lambda row: row[0])
        # With every slot busy an update is only stored: the sweep takes it when there is room, so a
        # lease never runs out while its update waits for a slot.
        owner = self.owner if take and not self._slots.locked() else None
        return await self.database.run(_store_rows, rows, owner, self.clock(), self.lease)

    async def accept(
        self, bot: Bot, updates: Iterable[Mapping[str, Any]], *, parsed: Mapping[int, Update] | None = None
    ) -> list[int]:
        """Store the updates, then handle the new ones in the background (in order within a chat).

        `parsed`: the updates the caller already read into aiogram objects, by id, handled as they are
        instead of being read again from their stored JSON.
        """
        self.bot = bot
        updates = list(updates)
        new = await self.store(updates, take=True)
        ids = [item.update_id if isinstance(item, QueuedUpdate) else item for item in new]
        if len(ids) < len(updates) and self.on_duplicate is not None:
            for update_id in {int(data["update_id"]) for data in updates} - set(ids):
                log.info("telegram: update %s delivered again: dropped", update_id)
                self.on_duplicate(update_id)
        for item in new:
            # An update not taken waits for its chat's earlier one: whoever finishes that takes it.
            if isinstance(item, QueuedUpdate):
                self._spawn(self._handle_taken(item, (parsed or {}).get(item.update_id)))
        return ids

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The update stays pending under its lease: the sweep of some instance takes it again.
            log.error("telegram: handling an update failed", exc_info=task.exception())

    async def handle(self, update_id: int, chat_id: int | None) -> None:
        """Handle one stored update if it is this chat's turn and nobody else has it, then the chat's next ones."""
        now = self.clock()
        claimed = await self.database.run(queue.claim_update, update_id, chat_id, self.owner, now, now + self.lease)
        if claimed is not None:  # else handled elsewhere, or an earlier update of its chat is being handled
            await self._handle_taken(claimed)

    async def _handle_taken(self, claimed: QueuedUpdate | None, update: Update | None = None) -> None:
        async with self._slots:
            while claimed is not None:
                async with self._lease_kept(claimed):
                    outcome = await self._handle_claimed(claimed, update)
                claimed, update = await self._finish(claimed, *outcome), None

    @contextlib.asynccontextmanager
    async def _lease_kept(self, claimed: QueuedUpdate) -> AsyncIterator[None]:
        """Renew the update's lease (and its chat's replies this instance sends) while it is handled, so a
        slow turn or a paced reply is not taken over by another instance's sweep."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                try:
                    await self.database.run(_extend_leases, self.owner, claimed, self.clock() + self.lease)
                except Exception:
                    log.warning("telegram: could not renew the lease of update %s", claimed.update_id, exc_info=True)

        keeper = asyncio.create_task(renew())
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _handle_claimed(self, claimed: QueuedUpdate, update: Update | None = None) -> tuple[str, list[int], str | None]:
        """Feed one claimed update (read from its payload unless given) to the dispatcher: (DONE | PENDING
        | FAILED, the replies sent, error)."""
        assert self.bot is not None, "an update is handled by the bot that received it"
        if claimed.attempts > MAX_ATTEMPTS:
            # Handled and failed this often (or its instance died each time): never again, and said loudly.
            log.error("telegram: update %s (chat %s) failed %d times; given up", claimed.update_id, claimed.chat_id, claimed.attempts - 1)
            return queue.FAILED, [], "given up"
        with marks_deferred() as sent:  # its replies are marked sent with the update, in one commit
            try:
                if update is None:
                    update = Update.model_validate(claimed.payload, context={"bot": self.bot})
                await self.dispatcher.feed_update(self.bot, update, **{FROM_INBOX: True})
            except Exception as exc:  # released and retried rather than lost
                log.exception("telegram: update %s could not be handled; it will be retried", claimed.update_id)
                return queue.PENDING, list(sent), f"{type(exc).__name__}: {exc}"[:500]
        self.handled += 1
        return queue.DONE, list(sent), None

    async def _finish(self, claimed: QueuedUpdate, status: str, sent: list[int], error: str | None) -> QueuedUpdate | None:
        """Record how the update went (with its replies sent) and claim the chat's next update, in one
        transaction, tried again if the database fails: the next update, if any."""
        for wait in (*FINISH_RETRY, None):
            try:
                return await self.database.run(_record_handled, claimed, self.owner, status, sent, error, self.clock(), self.lease)
            except Exception:
                if wait is None:
                    raise
                log.warning("telegram: could not record update %s as handled; retrying in %ss", claimed.update_id, wait, exc_info=True)
                await asyncio.sleep(wait)
        return None  # pragma: no cover - the loop returns or raises

    async def sweep_once(self) -> int:
        """Handle updates nobody is handling (their instance died, or a retry is due); how many were taken."""
        if self.bot is None or self._slots.locked():
            return 0
        now = self.clock()
        orphans = await self.database.run(queue.orphan_updates, now, now - self.orphan_after)
        for update_id, chat_id in orphans:
            self._spawn(self.handle(update_id, chat_id))
        return len(orphans)

    async def purge(self) -> int:
        """Forget updates handled long ago (a redelivery comes within hours)."""
        return await self.database.run(queue.purge_updates, self.clock() - self.keep_for)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the updates being handled (tests, and a clean stop)."""
        while self._tasks:
            done, _ = await asyncio.wait(set(self._tasks), timeout=timeout)
            if not done:
                return

    def start(self, bot: Bot) -> None:
        """Sweep every few seconds until `stop` (the first sweep at once: a restart resumes)."""
        self.bot = bot
        self._sweep.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop sweeping and let updates being handled finish (bounded); the rest stay pending, leased:
        after the lease, this instance's restart or another instance handles them."""
        await self._sweep.stop()
        await self.drain(timeout)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# The inbox's transactions, each run by `Database.run` as plain Core statements in one greenlet: they are
# on every update's path, where the async session's own cost was larger than theirs.


def _store_rows(
    connection: Connection, rows: list[tuple[int, int | None, dict[str, Any]]], owner: str | None, now: dt.datetime,
    lease: dt.timedelta,
) -> list[QueuedUpdate | int]:
    """Store the rows; with an `owner`, claim for it each one its chat lets it take now (see `UpdateInbox.store`)."""
    if owner is None:
        return list(queue.store_updates(connection, rows, now))
    stored = [queue.store_and_claim(connection, *row, owner, now, now + lease) for row in rows]
    return [item for item in stored if item is not None]


def _extend_leases(connection: Connection, owner: str, claimed: QueuedUpdate, until: dt.datetime) -> None:
    queue.extend_lease(connection, owner, claimed.update_id, until)
    if claimed.chat_id is not None:
        replies.extend_chat_leases(connection, owner, claimed.chat_id, until)


def _record_handled(
    connection: Connection, claimed: QueuedUpdate, owner: str, status: str, sent: list[int], error: str | None,
    now: dt.datetime, lease: dt.timedelta,
) -> QueuedUpdate | None:
    """Record the replies sent and how the update went, and claim the chat's next update (see `UpdateInbox._finish`)."""
    replies.mark_sent(connection, sent, now)
    if status == queue.PENDING:
        queue.release_update(connection, claimed.update_id, owner, now + lease, error or "")
        return None
    following = queue.finish_update(connection, claimed.update_id, claimed.chat_id, owner, now, status, error)
    if following is None:
        return None
    return queue.claim_update(connection, following, claimed.chat_id, owner, now, now + lease)


class DurableIntake(BaseMiddleware):
    """The dispatcher's outermost middleware: an update from Telegram is stored, and handled by the inbox.

    Returning only once the update is stored is what makes the webhook's 200 and polling's next offset
    safe. An update the inbox feeds back (`FROM_INBOX`) goes on to the other middlewares and the routers.
    """

    def __init__(self, inbox: UpdateInbox, retry: Backoff = STORE_RETRY) -> None:
        self.inbox = inbox
        self.retry = retry

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update) or data.get(FROM_INBOX):
            return await handler(event, data)
        raw = event.model_dump(mode="json", by_alias=True, exclude_none=True)
        failures = 0
        while True:
            try:
                await self.inbox.accept(data["bot"], [raw], parsed={event.update_id: event})
                return None
            except Exception:
                failures += 1
                wait = self.retry.seconds(failures)
                log.warning("telegram: update %s could not be stored; retrying in %ss", event.update_id, wait, exc_info=failures == 1)
                await asyncio.sleep(wait)
