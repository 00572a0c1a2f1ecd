"""The supervisor's workflow: decide on suggestions, check the accepted ones, publish a version, roll back.

A decision does not change the bot: accepting (into the suggested intent), reassigning (to another
intent) or starting a new intent *stages* a suggestion. `check` runs the doctor on the knowledge base
with everything staged (bot.learning.evaluation) and returns a digest of what it checked; `publish`
with that digest stores a new version (the active additions plus the staged ones, with who, when and
the figures shown), makes it active and applies it (bot.learning.live). A digest that no longer matches
(someone staged or published meanwhile) is refused: what goes live is what was checked. The check itself
is stored in the database (bot/storage/kb_checks.py), so `publish` on any instance refuses a digest no
check was made for within `CHECK_VALID`, and stores the figures of the check it relies on.
`rollback` makes any earlier version (or none: 0) active again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.learning import additions as learned
from bot.learning.cleaning import as_example
from bot.learning.evaluation import evaluate
from bot.learning.live import WAKEUP, activate, live
from bot.storage import kb_checks
from bot.storage import suggestions as repo
from bot.storage.suggestions import ACCEPTED, OPEN, REJECTED, STAGED

__all__ = ["EXAMPLES_PER_SUGGESTION", "Checked", "DecisionError", "check", "decide", "make_active", "publish", "rollback", "staged_additions"]

log = logging.getLogger(__name__)

EXAMPLES_PER_SUGGESTION = 5  # the most frequent distinct messages of a suggestion become examples
CHECK_VALID = dt.timedelta(hours=1)  # a publish relies on a check at most this old


class DecisionError(ValueError):
    """A decision that cannot be taken (unknown intent, invalid new intent, stale check); `key` names
    the message-catalog line that says why ("learning.error.*")."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key
        self.detail = detail


@dataclass(frozen=True)
class Checked:
    """What `check` found: the comparison shown to the supervisor and the digest `publish` needs."""

    digest: str
    comparison: dict[str, Any]
    staged: int


async def decide(
    runtime: Any, suggestion_id: int, action: str, *, by: str,
    intent_id: str | None = None, new_intent: Mapping[str, Any] | None = None,
) -> None:
    """accept (into the suggested intent) | reassign (into `intent_id`) | new (`new_intent`: id, title,
    answer) | reject | reopen (undo a staged or rejected decision)."""
    knowledge = runtime.knowledge
    async with runtime.database.sessions() as session, session.begin():
        suggestion = await repo.suggestion(session, suggestion_id)
        if suggestion is None or suggestion.status == ACCEPTED:
            raise DecisionError("learning.error.gone")
        now = runtime.clock()
        if action == "reject":
            ok = await repo.decide(session, suggestion_id, REJECTED, by=by, now=now)
        elif action == "reopen":
            ok = await repo.decide(session, suggestion_id, OPEN, by=by, now=now)
        elif action in ("accept", "reassign"):
            target = suggestion.intent_id if action == "accept" else intent_id
            if not target or knowledge.entry(target) is None:
                raise DecisionError("learning.error.intent", target or "")
            ok = await repo.decide(session, suggestion_id, STAGED, by=by, now=now, target_intent=knowledge.entry(target).id)
        elif action == "new":
            data = {"id": (new_intent or {}).get("id"), "title": dict((new_intent or {}).get("title") or {}),
                    "answer": dict((new_intent or {}).get("answer") or {})}
            problems = learned.new_intent_problems(knowledge, data)
            if problems:
                raise DecisionError("learning.error.new_intent", "; ".join(problems))
            ok = await repo.decide(session, suggestion_id, STAGED, by=by, now=now, new_intent=data)
        else:
            raise DecisionError("learning.error.action", action)
        if not ok:
            raise DecisionError("learning.error.gone")


async def staged_additions(session: Any) -> tuple[list[int], dict[str, Any]]:
    """The staged suggestions' ids and the additions they make."""
    additions = learned.empty()
    ids: list[int] = []
    for suggestion in await repo.suggestions(session, (STAGED,), limit=1000):
        texts = [as_example(text) for text, _ in await repo.examples(session, suggestion.id, EXAMPLES_PER_SUGGESTION)]
        texts = [t for t in texts if t]
        if not texts:
            continue
        ids.append(suggestion.id)
        if suggestion.new_intent:
            additions = learned.merge(additions, {"intents": [{**suggestion.new_intent, "questions": texts}]})
        elif suggestion.target_intent:
            additions = learned.merge(additions, {"examples": {suggestion.target_intent: texts}})
    return sorted(ids), additions


def _digest(active_id: int, ids: list[int], additions: Mapping[str, Any]) -> str:
    payload = json.dumps({"active": active_id, "ids": ids, "additions": additions}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


async def check(runtime: Any, *, by: str = "supportbot") -> Checked:
    """Run the doctor with and without the staged additions (see bot.learning.evaluation); the check is
    stored (digest, figures, `by`, when) for `publish`, on whichever instance it runs."""
    state = live(runtime)
    async with runtime.database.sessions() as session:
        active_id, active = await repo.active_additions(session)
        ids, staged = await staged_additions(session)
    proposed = learned.merge(active, staged)
    try:
        learned.apply(learned.apply(state.base, active), staged, strict=True)
        comparison, before = await evaluate(
            state.base, active, proposed, threshold=getattr(runtime.settings, "match_threshold", None),
            cached_before=state.reports.get(active_id),
        )
    except learned.LearningError as exc:
        raise DecisionError("learning.error.apply", str(exc)) from exc
    state.reports = {active_id: before}
    digest = _digest(active_id, ids, staged)
    async with runtime.database.sessions() as session, session.begin():
        await kb_checks.add_check(session, digest, dict(comparison), staged=len(ids), by=by, now=runtime.clock())
    return Checked(digest, comparison, len(ids))


async def publish(runtime: Any, digest: str, *, by: str) -> int:
    """Store the checked additions (`digest` from `check`) as a new active version and apply it; its id.
    Refused without a stored check of this digest within CHECK_VALID; the figures of that check (what
    the supervisor was shown) are stored with the version."""
    async with runtime.database.sessions() as session, session.begin():
        await repo.lock_learning(session)
        active_id, active = await repo.active_additions(session)
        ids, staged = await staged_additions(session)
        if not ids:
            raise DecisionError("learning.error.nothing")
        if _digest(active_id, ids, staged) != digest:
            raise DecisionError("learning.error.stale")
        checked = await kb_checks.latest_check(session, digest, runtime.clock() - CHECK_VALID)
        if checked is None:
            raise DecisionError("learning.error.unchecked")
        evaluation = {**dict(checked.evaluation), "checked_by": checked.checked_by, "checked_at": checked.checked_at.isoformat()}
        additions = learned.merge(active, staged)
        # What was staged must fit (what the files dropped under the active version is only left out).
        learned.apply(learned.apply(live(runtime).base, active), staged, strict=True)
        version_id = await repo.add_version(
            session, additions, based_on=active_id, by=by, note=f"{len(ids)} suggestions", evaluation=evaluation,
        )
        await repo.set_state(session, repo.ACTIVE_VERSION, version_id)
        await repo.mark_live(session, ids, version_id)
    log.info("knowledge base: %s published version %s", by, version_id)
    await activate(runtime, version_id, additions)
    runtime.shared.wakeup(WAKEUP).set()
    return version_id


async def make_active(database: Any, version_id: int) -> dict[str, Any]:
    """Store `version_id` (0: none) as the active version; its additions. Every instance's poller
    applies it within seconds (`supportbot kb rollback` needs no running bot)."""
    async with database.sessions() as session, session.begin():
        await repo.lock_learning(session)
        additions: dict[str, Any] = {}
        if version_id:
            version = await repo.version(session, version_id)
            if version is None:
                raise DecisionError("learning.error.version")
            additions = dict(version.additions)
        await repo.set_state(session, repo.ACTIVE_VERSION, version_id)
    return additions


async def rollback(runtime: Any, version_id: int, *, by: str) -> None:
    """Make `version_id` (0: the knowledge base of the files alone) the active version again, here at
    once and on the other instances through their pollers (woken through Redis when there is one)."""
    additions = await make_active(runtime.database, version_id)
    log.info("knowledge base: %s rolled back to version %s", by, version_id)
    await activate(runtime, version_id, additions)
    runtime.shared.wakeup(WAKEUP).set()
