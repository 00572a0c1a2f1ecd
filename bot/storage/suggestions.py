"""A knowledge base that learns: signals (what the bot failed on), suggestions (signals grouped), and the
knowledge-base versions supervisors publish (bot/learning/ is the logic; this is its SQL).

* `kb_signals`: one customer message the bot could not answer well, once per (source, message): not
  understood, "did you mean", a hand-off for low confidence, a 👎 on the answer, or a hand-off the agent
  answered with an FAQ entry. Only the cleaned text is kept (bot.learning.cleaning).
* `kb_suggestions`: a group of signals asking the same thing, with its count and probable intent;
  open -> staged (accepted / reassigned / new intent, waiting for the check) -> accepted (in a version),
  or rejected.
* `kb_versions`: the learned additions (examples per intent, new intents) as data, cumulative, with
  who and when; `kb_learning_state` says which one is active ("active_version", 0 for none) and how far
  the collection has read the messages ("signal_cursor").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.storage.database import dialect_insert, is_postgresql
from bot.storage.locks import xact_lock
from bot.storage.models import Base, Escalation, Message, clock_default

OPEN, STAGED, ACCEPTED, REJECTED = "open", "staged", "accepted", "rejected"
# Groups new signals may still join (an accepted group that fails again is news: a new suggestion).
JOINABLE = (OPEN, STAGED, REJECTED)
FAILED_KINDS = ("not_understood", "clarify", "handoff")
ACTIVE_VERSION, SIGNAL_CURSOR = "active_version", "signal_cursor"
# PostgreSQL advisory lock (bot/storage/locks.py has the others): one instance groups signals or
# publishes a version at a time.
LEARNING_LOCK = 0x7362_0000_0000_0013


class KbSignal(Base):
    """One customer message that tells the knowledge base something (see the module docstring)."""

    __tablename__ = "kb_signals"
    __table_args__ = (
        UniqueConstraint("source", "message_id", name="uq_kb_signal_source_message"),
        Index("ix_kb_signals_suggestion", "suggestion_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # not_understood | clarify | low_confidence | downvote | agent_faq
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))  # the customer's message
    reply_id: Mapped[int | None] = mapped_column(Integer)  # the bot's reply that failed (a 👎: the rated answer)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)  # cleaned: no phone numbers, IMEIs, tickets, e-mails
    script: Mapped[str] = mapped_column(String(2))  # zh | en: grouped apart
    language: Mapped[str | None] = mapped_column(String(8))
    intent_id: Mapped[str | None] = mapped_column(String(128))  # the matcher's guess, or the agent's choice
    confidence: Mapped[float | None] = mapped_column(Float)
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("kb_suggestions.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


class KbSuggestion(Base):
    """Signals asking the same thing, and what a supervisor decided about them."""

    __tablename__ = "kb_suggestions"
    __table_args__ = (Index("ix_kb_suggestions_status_count", "status", "count"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    script: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)  # its most frequent (cleaned) message
    count: Mapped[int] = mapped_column(Integer, default=0)
    intent_id: Mapped[str | None] = mapped_column(String(128))  # where it probably belongs
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    target_intent: Mapped[str | None] = mapped_column(String(128))  # the supervisor's choice
    new_intent: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {id, title, answer} of a new intent
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version_id: Mapped[int | None] = mapped_column(Integer)  # the version it went live in
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default, onupdate=clock_default)


class KbVersion(Base):
    """The learned additions as published once (cumulative: everything live in this version)."""

    __tablename__ = "kb_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    additions: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"examples": {intent: [q]}, "intents": [entry]}
    based_on: Mapped[int | None] = mapped_column(Integer)  # the version active when it was made (0: none)
    created_by: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # before/after figures the supervisor saw
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock_default)


class KbLearningState(Base):
    """Small named numbers: the active version, the collection's cursor."""

    __tablename__ = "kb_learning_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class FailedTurn:
    """A customer's message and the bot's reply that did not answer it."""

    source: str
    message_id: int
    reply_id: int
    conversation_id: int
    text: str
    language: str | None
    intent_id: str | None
    confidence: float | None


async def lock_learning(session: AsyncSession) -> None:
    """Serialise grouping and publishing across instances until this transaction ends (no-op on SQLite)."""
    await xact_lock(session, LEARNING_LOCK)


# -- state ----------------------------------------------------------------------------------------------


async def state_value(session: AsyncSession, name: str) -> int:
    """A named number (0 when never set)."""
    return int(await session.scalar(select(KbLearningState.value).where(KbLearningState.name == name)) or 0)


async def set_state(session: AsyncSession, name: str, value: int) -> None:
    """Set a named number (insert or update)."""
    statement = dialect_insert(session)(KbLearningState).values(name=name, value=value)
    await session.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"value": value}))


# -- reading the transcript -------------------------------------------------------------------------------


async def last_message_id(session: AsyncSession) -> int:
    """The newest message's id (where the next collection stops)."""
    return int(await session.scalar(select(func.max(Message.id))) or 0)


async def failed_turns(
    session: AsyncSession, after_id: int, upto_id: int, limit: int = 5000
) -> tuple[list[FailedTurn], int]:
    """Replies in (after_id, upto_id] that did not answer (not understood, "did you mean", a hand-off for
    low confidence), each with the customer's text message just before it in its conversation; and the
    id read up to (`upto_id`, or the last reply read when `limit` cut the list)."""
    reply = aliased(Message)
    asked = aliased(Message)
    before = (
        select(func.max(Message.id))
        .where(Message.conversation_id == reply.conversation_id, Message.direction == "in", Message.id < reply.id)
        .scalar_subquery()
    )
    query = (
        select(reply.id, reply.kind, reply.created_at, asked)
        .join(asked, asked.id == before)
        .where(reply.id > after_id, reply.id <= upto_id, reply.direction == "out", reply.kind.in_(FAILED_KINDS))
        .where(asked.kind == "text", asked.text.is_not(None))
        .order_by(reply.id)
        .limit(limit)
    )
    found: list[FailedTurn] = []
    rows = (await session.execute(query)).all()
    for reply_id, kind, replied_at, message in rows:
        source = kind
        if kind == "handoff":
            if not await _low_confidence_handoff(session, message, replied_at):
                continue  # a person asked for, a complaint, anger: nothing the knowledge base missed
            source = "low_confidence"
        found.append(_failed(source, reply_id, message))
    return found, (rows[-1][0] if len(rows) == limit else upto_id)


async def _low_confidence_handoff(session: AsyncSession, message: Message, replied_at: dt.datetime) -> bool:
    """Whether the hand-off of this turn was for low confidence: its escalation was opened between the
    customer's message and the reply."""
    query = select(Escalation.id).where(
        Escalation.conversation_id == message.conversation_id,
        Escalation.reason == "low_confidence",
        Escalation.created_at >= message.created_at,
        Escalation.created_at <= replied_at,
    )
    return await session.scalar(query.limit(1)) is not None


async def downvoted_turns(session: AsyncSession, limit: int = 2000) -> list[FailedTurn]:
    """Answers rated 👎 not collected yet, each with the customer's text message before it."""
    reply = aliased(Message)
    asked = aliased(Message)
    before = (
        select(func.max(Message.id))
        .where(Message.conversation_id == reply.conversation_id, Message.direction == "in", Message.id < reply.id)
        .scalar_subquery()
    )
    collected = select(KbSignal.reply_id).where(KbSignal.source == "downvote", KbSignal.reply_id.is_not(None))
    query = (
        select(reply.id, asked)
        .join(asked, asked.id == before)
        .where(reply.direction == "out", reply.feedback == -1, reply.id.not_in(collected))
        .where(asked.kind == "text", asked.text.is_not(None))
        .order_by(reply.id)
        .limit(limit)
    )
    return [_failed("downvote", reply_id, message) for reply_id, message in (await session.execute(query)).all()]


def _failed(source: str, reply_id: int, message: Message) -> FailedTurn:
    return FailedTurn(source, message.id, reply_id, message.conversation_id, message.text or "", message.language,
                      message.intent_id, message.confidence)


async def handoff_messages(session: AsyncSession, escalation_id: int, before_id: int | None, limit: int = 5) -> list[Message]:
    """The customer's text messages of a hand-off: the one that started it and those sent while it was
    open (before the message `before_id`, when given), oldest first."""
    escalation = await session.get(Escalation, escalation_id)
    if escalation is None:
        return []
    conversation = escalation.conversation_id
    # The hand-off's reply is stored right after the escalation, in the same turn: the customer's message
    # just before it started the hand-off (times alone cannot say, when the clock stands still in tests).
    reply_id = await session.scalar(
        select(func.min(Message.id)).where(
            Message.conversation_id == conversation, Message.direction == "out", Message.kind == "handoff",
            Message.created_at >= escalation.created_at,
        )
    )
    started = select(func.max(Message.id)).where(Message.conversation_id == conversation, Message.direction == "in")
    if reply_id is not None:
        started = started.where(Message.id < reply_id)
    else:  # opened outside a customer's turn: the last message before it
        started = started.where(Message.created_at <= escalation.created_at)
    starting = started.scalar_subquery()
    query = select(Message).where(
        Message.conversation_id == escalation.conversation_id, Message.direction == "in", Message.kind == "text",
        Message.text.is_not(None), Message.id >= func.coalesce(starting, 0),
    )
    if before_id is not None:
        query = query.where(Message.id < before_id)
    if escalation.resolved_at is not None:
        query = query.where(Message.created_at <= escalation.resolved_at)
    return list((await session.scalars(query.order_by(Message.id).limit(limit))).all())


# -- signals and suggestions ---------------------------------------------------------------------------


async def add_signals(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Store signals; one already stored (same source and message) is skipped. How many were new."""
    added = 0
    for row in rows:
        statement = (
            dialect_insert(session)(KbSignal).values(**row)
            .on_conflict_do_nothing(index_elements=["source", "message_id"])
            .returning(KbSignal.id)
        )
        added += (await session.scalar(statement)) is not None
    return added


async def ungrouped_signals(session: AsyncSession, limit: int = 2000) -> list[KbSignal]:
    """Signals not in a suggestion yet, oldest first."""
    query = select(KbSignal).where(KbSignal.suggestion_id.is_(None)).order_by(KbSignal.id).limit(limit)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def joinable_groups(session: AsyncSession, script: str, per_group: int = 8) -> list[tuple[int, list[str]]]:
    """(suggestion id, some distinct texts) of the suggestions of `script` new signals may join."""
    ids = (await session.scalars(
        select(KbSuggestion.id).where(KbSuggestion.script == script, KbSuggestion.status.in_(JOINABLE))
    )).all()
    groups: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return []
    rows = await session.execute(
        select(KbSignal.suggestion_id, KbSignal.text).where(KbSignal.suggestion_id.in_(ids)).distinct()
    )
    for suggestion_id, text in rows.all():
        if len(groups[suggestion_id]) < per_group:
            groups[suggestion_id].append(text)
    return list(groups.items())


async def new_suggestion(session: AsyncSession, script: str, text: str) -> int:
    """An open suggestion (its count and intent are set by `refresh`)."""
    suggestion = KbSuggestion(script=script, text=text, count=0, status=OPEN)
    session.add(suggestion)
    await session.flush()
    return suggestion.id


async def attach(session: AsyncSession, signal_ids: Sequence[int], suggestion_id: int) -> None:
    """Put signals in a suggestion."""
    await session.execute(update(KbSignal).where(KbSignal.id.in_(list(signal_ids))).values(suggestion_id=suggestion_id))


async def signals_of(session: AsyncSession, suggestion_ids: Sequence[int]) -> list[KbSignal]:
    """Every signal of these suggestions."""
    if not suggestion_ids:
        return []
    query = select(KbSignal).where(KbSignal.suggestion_id.in_(list(suggestion_ids))).order_by(KbSignal.id)
    return list((await session.scalars(query)).all())


async def set_summary(session: AsyncSession, suggestion_id: int, *, count: int, text: str, intent_id: str | None) -> None:
    """A suggestion's count, representative text and probable intent."""
    await session.execute(
        update(KbSuggestion).where(KbSuggestion.id == suggestion_id).values(count=count, text=text, intent_id=intent_id)
    )


async def suggestion(session: AsyncSession, suggestion_id: int) -> KbSuggestion | None:
    """One suggestion by id."""
    return await session.get(KbSuggestion, suggestion_id)


async def suggestions(session: AsyncSession, statuses: Sequence[str], limit: int = 100) -> list[KbSuggestion]:
    """Suggestions in these statuses, most asked first."""
    query = (
        select(KbSuggestion).where(KbSuggestion.status.in_(list(statuses)))
        .order_by(KbSuggestion.count.desc(), KbSuggestion.id).limit(limit)
    )
    return list((await session.scalars(query)).all())


async def examples(session: AsyncSession, suggestion_id: int, limit: int = 10) -> list[tuple[str, int]]:
    """A suggestion's distinct texts with how often each was sent, most frequent first."""
    query = (
        select(KbSignal.text, func.count()).where(KbSignal.suggestion_id == suggestion_id)
        .group_by(KbSignal.text).order_by(func.count().desc(), KbSignal.text).limit(limit)
    )
    return [(text, int(n)) for text, n in (await session.execute(query)).all()]


async def decide(
    session: AsyncSession, suggestion_id: int, status: str, *, by: str, now: dt.datetime,
    target_intent: str | None = None, new_intent: dict[str, Any] | None = None,
) -> bool:
    """Record a supervisor's decision on an open or staged suggestion (False when it is neither)."""
    result = await session.execute(
        update(KbSuggestion)
        .where(KbSuggestion.id == suggestion_id, KbSuggestion.status.in_((OPEN, STAGED, REJECTED)))
        .values(status=status, target_intent=target_intent, new_intent=new_intent, decided_by=by, decided_at=now)
    )
    return bool(result.rowcount)


async def mark_live(session: AsyncSession, suggestion_ids: Sequence[int], version_id: int) -> None:
    """Staged suggestions went live in `version_id`."""
    await session.execute(
        update(KbSuggestion)
        .where(KbSuggestion.id.in_(list(suggestion_ids)), KbSuggestion.status == STAGED)
        .values(status=ACCEPTED, version_id=version_id)
    )


# -- versions -----------------------------------------------------------------------------------------


async def add_version(
    session: AsyncSession, additions: dict[str, Any], *, based_on: int, by: str, note: str | None,
    evaluation: dict[str, Any] | None,
) -> int:
    """Store a version (not active yet: `set_state(ACTIVE_VERSION, id)` does that)."""
    version = KbVersion(additions=additions, based_on=based_on, created_by=by, note=note, evaluation=evaluation)
    session.add(version)
    await session.flush()
    return version.id


async def version(session: AsyncSession, version_id: int) -> KbVersion | None:
    """One version by id."""
    return await session.get(KbVersion, version_id)


async def versions(session: AsyncSession, limit: int = 50) -> list[KbVersion]:
    """The newest versions first."""
    return list((await session.scalars(select(KbVersion).order_by(KbVersion.id.desc()).limit(limit))).all())


async def active_additions(session: AsyncSession) -> tuple[int, dict[str, Any]]:
    """(active version id, its additions); (0, {}) when no version is active."""
    active = await state_value(session, ACTIVE_VERSION)
    if not active:
        return 0, {}
    row = await session.scalar(select(KbVersion).where(and_(KbVersion.id == active)))
    return (active, dict(row.additions)) if row is not None else (0, {})
