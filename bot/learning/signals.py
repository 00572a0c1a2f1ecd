"""Signals: the customer messages that tell the knowledge base what it lacks, collected into suggestions.

Four sources, read from the transcript the bot keeps anyway (bot.storage.models.Message):

* "not_understood", "clarify": the bot's reply to a text message was "sorry, I did not understand" or
  "did you mean ...";
* "low_confidence": the reply was a hand-off because the bot kept not understanding;
* "downvote": an answer the customer rated 👎 (its question probably belongs to another intent);
* "agent_faq": the console says an agent answered a hand-off with an FAQ entry (`agent_used_faq`):
  the customer's messages of that hand-off probably belong to it.

`collect` reads the replies stored since its cursor (with a small overlap: ids are not committed in
order on PostgreSQL) and the 👎 not collected yet; a signal is unique per (source, message), so running
it again, or on two instances at once, adds nothing twice. Text is cleaned (bot.learning.cleaning)
before it is stored; then `group` puts new signals in suggestions (bot.learning.clustering).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any

from bot.learning.cleaning import clean
from bot.learning.clustering import assign, comparable, script_of
from bot.storage import suggestions as repo
from bot.storage.suggestions import FailedTurn

__all__ = ["AGENT_WEIGHT", "LOOKBACK", "agent_used_faq", "collect", "group"]

log = logging.getLogger(__name__)

LOOKBACK = 500  # message ids read again below the cursor: a turn committed late is not missed
AGENT_WEIGHT = 3  # an agent's choice of FAQ entry counts as much as three guesses of the matcher
MIN_CHARS = 2  # a message shorter than this once cleaned and normalised ("?", "1") says nothing


def _row(turn: FailedTurn, *, intent_id: str | None, confidence: float | None) -> dict[str, Any] | None:
    text = clean(turn.text)
    if len(comparable(text).replace(" ", "")) < MIN_CHARS:
        return None
    return {
        "source": turn.source, "message_id": turn.message_id, "reply_id": turn.reply_id,
        "conversation_id": turn.conversation_id, "text": text[:1000], "script": script_of(comparable(text)),
        "language": turn.language, "intent_id": intent_id, "confidence": confidence,
    }


def _other_intent(runtime: Any, turn: FailedTurn) -> tuple[str | None, float | None]:
    """For a 👎 answer: the matcher's best candidate other than the intent it answered with."""
    result = runtime.matcher.match(clean(turn.text))
    for candidate in result.candidates:
        if candidate.intent_id != turn.intent_id:
            return candidate.intent_id, candidate.confidence
    return None, None


async def collect(runtime: Any) -> int:
    """Read the transcript since the last collection into signals, then group them. How many were new."""
    async with runtime.database.sessions() as session, session.begin():
        cursor = await repo.state_value(session, repo.SIGNAL_CURSOR)
        upto = await repo.last_message_id(session)
        failed, upto = await repo.failed_turns(session, max(0, cursor - LOOKBACK), upto)
        rows = [_row(t, intent_id=t.intent_id, confidence=t.confidence) for t in failed]
        for turn in await repo.downvoted_turns(session):
            intent_id, confidence = _other_intent(runtime, turn)
            rows.append(_row(turn, intent_id=intent_id, confidence=confidence))
        added = await repo.add_signals(session, [r for r in rows if r is not None])
        if upto > cursor:
            await repo.set_state(session, repo.SIGNAL_CURSOR, upto)
    if added:
        log.info("learning: %d new signals", added)
    await group(runtime)
    return added


async def agent_used_faq(runtime: Any, escalation_id: int, intent_id: str, message_id: int | None) -> None:
    """An agent answered the hand-off `escalation_id` with the FAQ entry `intent_id` (by the message
    `message_id`, when it is stored): the customer's messages of that hand-off (until then) become
    signals for that intent. Called by the agents' console; never raises for a stale id."""
    if runtime.knowledge.entry(intent_id) is None:
        return
    async with runtime.database.sessions() as session, session.begin():
        messages = await repo.handoff_messages(session, escalation_id, message_id)
        rows = []
        for message in messages:
            turn = FailedTurn("agent_faq", message.id, message_id or 0, message.conversation_id, message.text or "",
                              message.language, intent_id, None)
            row = _row(turn, intent_id=intent_id, confidence=None)
            if row is not None:
                row["reply_id"] = message_id
                rows.append(row)
        await repo.add_signals(session, rows)
    await group(runtime)


async def group(runtime: Any) -> int:
    """Put the signals not in a suggestion yet into one (an existing one they resemble, or a new one),
    and refresh the counts and probable intents of the suggestions that changed. How many were grouped."""
    async with runtime.database.sessions() as session, session.begin():
        await repo.lock_learning(session)
        pending = await repo.ungrouped_signals(session)
        if not pending:
            return 0
        by_script: dict[str, list[repo.KbSignal]] = defaultdict(list)
        for signal in pending:
            by_script[signal.script].append(signal)
        touched: set[int] = set()
        for script, signals in by_script.items():
            groups = await repo.joinable_groups(session, script)
            created: dict[int, int] = {}
            members: dict[int, list[int]] = defaultdict(list)
            for signal, where in zip(signals, assign([s.text for s in signals], groups, script), strict=True):
                target = where.group
                if target is None:
                    assert where.new is not None
                    if where.new not in created:
                        created[where.new] = await repo.new_suggestion(session, script, signal.text)
                    target = created[where.new]
                members[target].append(signal.id)
            for suggestion_id, signal_ids in members.items():
                await repo.attach(session, signal_ids, suggestion_id)
                touched.add(suggestion_id)
        await _summarise(session, sorted(touched))
        return len(pending)


async def _summarise(session: Any, suggestion_ids: list[int]) -> None:
    """Count, most frequent text and probable intent (the matcher's guesses and agents' choices, voted)."""
    signals = await repo.signals_of(session, suggestion_ids)
    by_suggestion: dict[int, list[repo.KbSignal]] = defaultdict(list)
    for signal in signals:
        by_suggestion[signal.suggestion_id].append(signal)  # type: ignore[index]
    for suggestion_id in suggestion_ids:
        items = by_suggestion.get(suggestion_id, [])
        if not items:
            continue
        votes: Counter[str] = Counter()
        for signal in items:
            if signal.intent_id:
                votes[signal.intent_id] += AGENT_WEIGHT if signal.source == "agent_faq" else 1
        text = Counter(s.text for s in items).most_common(1)[0][0]
        intent = votes.most_common(1)[0][0] if votes else None
        await repo.set_summary(session, suggestion_id, count=len(items), text=text, intent_id=intent)
