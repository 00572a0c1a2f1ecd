"""The durable scheduler: runs due jobs (bot/storage/jobs.py) with the handler of their kind.

Every instance runs one `JobRunner`. It claims due jobs with a lease (renewed while a job runs), runs
each with its handler and records the outcome; an instance that dies leaves its jobs to whoever claims
next once the lease ran out. It sleeps until the next job is due, its poll interval, or a wake-up
(`wake`, shared by every instance through Redis when there is one) when a change scheduled a job now.

Never twice: a job is finished by the instance holding it, and a handler that reaches a customer
does so idempotently, keyed by the job (`source="job:<id>"` on the channel's outbox), so a job run
again after a crash between "sent" and "finished" queues nothing new. On the injected clock, tests run
`run_due()` after moving the clock and see exactly what would have fired by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.backoff import Backoff
from bot.clock import Clock, as_utc, system_clock
from bot.storage import Database, jobs
from bot.storage.jobs import ClaimedJob

log = logging.getLogger(__name__)

RETRY = Backoff.doubling(30.0, 3600.0)  # a failing handler: 30 s, 1 min, 2 min ... up to an hour apart
MAX_ATTEMPTS = 12  # about half a day of retries, then the job fails (logged at ERROR)


@dataclass(frozen=True)
class Done:
    """The job did what it is for."""

    result: str | None = None


@dataclass(frozen=True)
class Skip:
    """Nothing to do any more (the device was collected, the customer opted out...)."""

    reason: str


@dataclass(frozen=True)
class Defer:
    """Not now: due again at `until` (quiet hours, the customer's channel is not running here).

    `count`: the wait counts as an attempt (a condition that may never change, so it cannot wait forever)."""

    until: dt.datetime
    reason: str
    count: bool = False


@dataclass(frozen=True)
class Fail:
    """Cannot be done, ever (the customer blocked the bot): recorded, not retried."""

    reason: str


Outcome = Done | Skip | Defer | Fail
Handler = Callable[[ClaimedJob], Awaitable[Outcome]]


class JobRunner:
    """Claims and runs due jobs until stopped."""

    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, Handler],
        *,
        owner: str,
        clock: Clock = system_clock,
        wake: asyncio.Event | None = None,
        poll: float = 5.0,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        batch: int = 20,
    ) -> None:
        self.database = database
        self.handlers = dict(handlers)
        self.owner = owner
        self.clock = clock
        self.wake = wake if wake is not None else asyncio.Event()
        self.poll = poll
        self.lease = lease
        self.batch = batch
        self.ran: dict[str, int] = {}  # outcome name -> count, for /metrics and tests
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def now(self) -> dt.datetime:
        return as_utc(self.clock())

    async def run_due(self) -> int:
        """Run every job due now (several claims if needed); how many ran."""
        total = 0
        while True:
            now = self.now()
            async with self.database.sessions() as session, session.begin():
                claimed = await jobs.claim_due(session, self.owner, now, now + self.lease, limit=self.batch,
                                               kinds=tuple(self.handlers))
            if not claimed:
                return total
            # The whole batch's leases are renewed while any of it waits or runs: another instance must
            # not take the jobs still queued here.
            waiting = [job.id for job in claimed]
            keeper = asyncio.create_task(self._keep_leases(waiting))
            try:
                for job in claimed:
                    await self._run(job)
                    waiting.remove(job.id)
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            total += len(claimed)

    async def _run(self, job: ClaimedJob) -> None:
        handler = self.handlers[job.kind]
        try:
            outcome: Outcome = await handler(job)
        except Exception as exc:
            log.warning("job %s (%s) failed (attempt %d): %s", job.id, job.kind, job.attempts, exc, exc_info=True)
            if job.attempts >= MAX_ATTEMPTS:
                log.error("job %s (%s) given up after %d attempts: %s", job.id, job.kind, job.attempts, exc)
                outcome = Fail(f"gave up after {job.attempts} attempts: {exc}")
            else:
                outcome = _Retry(self.now() + RETRY.after(job.attempts), str(exc) or type(exc).__name__)
        await self._record(job, outcome)

    async def _record(self, job: ClaimedJob, outcome: Outcome | _Retry) -> None:
        now = self.now()
        finished = True
        async with self.database.sessions() as session, session.begin():
            if isinstance(outcome, Defer):
                await jobs.defer(session, job.id, self.owner, outcome.until, outcome.reason, count_attempt=outcome.count)
            elif isinstance(outcome, _Retry):
                await jobs.defer(session, job.id, self.owner, outcome.until, outcome.reason, count_attempt=True)
            elif isinstance(outcome, Done):
                finished = await jobs.finish(session, job.id, self.owner, now, jobs.DONE, outcome.result)
            elif isinstance(outcome, Skip):
                finished = await jobs.finish(session, job.id, self.owner, now, jobs.SKIPPED, outcome.reason)
            else:
                finished = await jobs.finish(session, job.id, self.owner, now, jobs.FAILED, outcome.reason)
        if not finished:  # the lease ran out (this instance stalled): another one may have run it as well
            log.warning("job %s (%s) finished after its lease ran out: another instance may have run it", job.id, job.kind)
        name = type(outcome).__name__.lstrip("_").lower()
        self.ran[name] = self.ran.get(name, 0) + 1

    async def _keep_leases(self, job_ids: list[int]) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                async with self.database.sessions() as session, session.begin():
                    await jobs.extend(session, self.owner, list(job_ids), self.now() + self.lease)

    # -- the loop ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Run jobs in the background (the first pass at once: a restart catches up what fell due)."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._loop(), name="job runner")

    async def stop(self) -> None:
        """Stop after the job under way."""
        self._stop.set()
        self.wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stop.is_set():
            self.wake.clear()
            try:
                await self.run_due()
                async with self.database.sessions() as session:
                    upcoming = await jobs.next_due(session)
            except Exception:
                log.exception("job runner: could not run due jobs; trying again in %ss", self.poll)
                upcoming = None
            sleep = self.poll
            if upcoming is not None:
                # At least a second: a due job held back (its ticket's earlier one runs elsewhere) is no reason to spin.
                sleep = min(self.poll, max(1.0, (upcoming - self.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), sleep)


@dataclass(frozen=True)
class _Retry:
    """A handler raised: due again after a back-off, the attempt counted."""

    until: dt.datetime
    reason: str
