"""The running bot answers with the active knowledge-base version: hot swap, start-up and other instances.

The operator's YAML files are the knowledge base the process loaded (`LiveKnowledge.base`); the active
version's additions (bot.learning.additions) are put on it and a matcher is trained for the result (in
a thread, through the model cache: a second instance with the same version loads it), then `swap`
replaces the knowledge base and the matcher everywhere the running bot holds them: the runtime, the
engine and its FAQ step, each flow and its FAQ step, the hand-off service. One turn sees the old or the
new pair (the swap itself never awaits), and nothing restarts.

Every instance runs a `VersionPoller`: it reads the active version id from the database every few
seconds (woken at once through Redis when it is configured, `runtime.shared.wakeup("kb-version")`) and
applies it when it changed, so a version published or rolled back on one instance is live on all of them
within seconds. `apply_active` at start-up (bot.runtime.build_runtime) makes a restarted instance start
with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.faq import KnowledgeBase
from bot.learning import additions as learned
from bot.learning import signals
from bot.nlu.cache import cache_dir_for, load_or_train
from bot.nlu.matcher import IntentMatcher
from bot.storage import suggestions as repo

__all__ = ["POLL_SECONDS", "WAKEUP", "LiveKnowledge", "VersionPoller", "activate", "apply_active", "live", "swap"]

log = logging.getLogger(__name__)

POLL_SECONDS = 3.0
COLLECT_EVERY = 100  # polls (about 5 minutes): suggestions are collected in the background, never by a page view
WAKEUP = "kb-version"
_ATTRIBUTE = "_learned_knowledge"


@dataclass
class LiveKnowledge:
    """What this process applied: the operator's own knowledge base and the active version on top of it."""

    base: KnowledgeBase
    version: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The held-out votes on the active version (bot.learning.evaluation), kept: only the side with the
    # staged additions is computed again on the next check.
    reports: dict[int, Any] = field(default_factory=dict)


def live(runtime: Any) -> LiveKnowledge:
    """The runtime's learned-knowledge state (its base is the knowledge base it started with)."""
    state = getattr(runtime, _ATTRIBUTE, None)
    if state is None:
        state = LiveKnowledge(base=runtime.knowledge)
        setattr(runtime, _ATTRIBUTE, state)
    return state


def train(runtime: Any, knowledge: KnowledgeBase) -> IntentMatcher:
    """The matcher for `knowledge`, with the runtime's threshold and model cache (blocking: use a thread)."""
    settings = runtime.settings
    return load_or_train(knowledge, threshold=getattr(settings, "match_threshold", None), cache_dir=cache_dir_for(settings))


async def activate(runtime: Any, version_id: int, additions: Mapping[str, Any] | None) -> bool:
    """Make `version_id` (its `additions`) what the running bot answers with. False when it already is."""
    async with live(runtime).lock:
        return await _apply(runtime, version_id, additions)


async def _apply(runtime: Any, version_id: int, additions: Mapping[str, Any] | None) -> bool:
    """`activate`, the state's lock held."""
    state = live(runtime)
    if state.version == version_id:
        return False
    knowledge = learned.apply(state.base, additions)
    matcher = await asyncio.to_thread(train, runtime, knowledge)
    swap(runtime, knowledge, matcher)
    state.version = version_id
    log.info("knowledge base: version %s is live (%d intents)", version_id or "of the files", len(knowledge.entries))
    return True


async def apply_active(runtime: Any) -> bool:
    """Apply the version the database says is active (start-up, and the poller). True when it changed.

    The database is read with the lock held, so a version applied meanwhile by this process (a publish,
    a rollback) is never replaced by what was read before it."""
    state = live(runtime)
    async with state.lock:
        async with runtime.database.sessions() as session:
            version_id, additions = await repo.active_additions(session)
        if state.version == version_id:
            return False
        # Parts of the version the files no longer fit (an intent renamed) are left out, and logged.
        return await _apply(runtime, version_id, additions)


def swap(runtime: Any, knowledge: KnowledgeBase, matcher: IntentMatcher) -> int:
    """Replace the runtime's knowledge base and matcher wherever the running bot holds them.

    Walks the bot's own objects from the runtime (attributes, lists, dicts) and replaces each reference
    to the old knowledge base or matcher: every holder is found, today's (engine, FAQ steps, flows, the
    hand-off) and any added later, without this module knowing them. Returns how many were replaced.
    """
    old = {id(runtime.knowledge): knowledge, id(runtime.matcher): matcher}
    skip = {id(runtime.knowledge), id(runtime.matcher), id(knowledge), id(matcher)}
    # The learned-knowledge state keeps the files' knowledge base on purpose: never swapped.
    seen: set[int] = {id(getattr(runtime, _ATTRIBUTE, None))}
    stack: list[Any] = [runtime]
    replaced = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            slots: Any = obj
        elif isinstance(obj, list):
            slots = dict(enumerate(obj))
        elif isinstance(obj, tuple | set | frozenset):
            stack.extend(v for v in obj if _walkable(v) and id(v) not in skip)
            continue
        else:
            slots = getattr(obj, "__dict__", None)
            if slots is None:
                continue
        for key, value in list(slots.items()):
            if id(value) in old:
                if isinstance(obj, list):
                    obj[key] = old[id(value)]
                else:
                    slots[key] = old[id(value)]  # a frozen dataclass's __dict__ too: the reference is ours to move
                replaced += 1
            elif _walkable(value) and id(value) not in skip:
                stack.append(value)
    return replaced


def _walkable(value: Any) -> bool:
    """The bot's own objects and the containers they keep things in; never library internals."""
    if isinstance(value, dict | list | tuple | set | frozenset):
        return True
    return type(value).__module__.startswith("bot.")


class VersionPoller:
    """Applies the active knowledge-base version when another instance (or this one) changed it."""

    def __init__(self, runtime: Any, interval: float = POLL_SECONDS, collect_every: int = COLLECT_EVERY) -> None:
        self.runtime = runtime
        self.interval = interval
        self.collect_every = collect_every
        self.wakeup = runtime.shared.wakeup(WAKEUP)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="kb-version-poller")

    async def _collect(self) -> None:
        """Signals into suggestions; every instance may run it (a signal is unique per source and message)."""
        try:
            await signals.collect(self.runtime)
        except Exception:
            log.exception("collecting suggestions failed; trying again later")

    async def stop(self) -> None:
        if self._task is not None:
            # The flag as well as the cancellation: on Python 3.11 a cancel that lands as `wait_for` times
            # out comes back as a TimeoutError, which the sleep suppresses.
            self._stopping = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        polls = 0
        while not self._stopping:
            try:
                await apply_active(self.runtime)
            except Exception:
                log.exception("knowledge base version check failed; trying again")
            polls += 1
            if polls % self.collect_every == 0:  # not at start-up: the first collection comes one period in
                await self._collect()
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), self.interval)
