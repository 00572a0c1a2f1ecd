"""Telegram channel storage: where each escalation lives in the agents' forum supergroup.

An escalation gets one forum topic in the agents' chat, whose first post is its card. The hand-off
core knows nothing of topics: this table, keyed by escalation, is the Telegram desk's own
(`bot.channels.telegram.agents.topics`). The chat id is kept with the topic, so a desk moved to
another chat opens new topics rather than posting into the old chat's thread numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, ForeignKey, Index, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.database import dialect_insert
from bot.storage.models import Base


class TelegramTopic(Base):
    """The forum topic of one escalation, and its card (the topic's first post)."""

    __tablename__ = "telegram_topics"
    __table_args__ = (Index("ix_telegram_topics_topic", "chat_id", "topic_id"),)

    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the agents' chat holding the topic
    topic_id: Mapped[int | None] = mapped_column(BigInteger)  # message_thread_id of the forum topic
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)  # None until the card is posted


@dataclass(frozen=True)
class TopicPlace:
    """Where an escalation is in an agents' chat, detached from the session."""

    chat_id: int
    topic_id: int | None
    card_message_id: int | None


async def place(session: AsyncSession, escalation_id: int) -> TopicPlace | None:
    """The escalation's topic and card, None before its first topic."""
    row = await session.get(TelegramTopic, escalation_id, populate_existing=True)
    return TopicPlace(row.chat_id, row.topic_id, row.card_message_id) if row is not None else None


async def remember(
    session: AsyncSession, escalation_id: int, chat_id: int, topic_id: int | None, card_message_id: int | None
) -> None:
    """Record (or replace) the escalation's topic and card in one statement."""
    values = {"chat_id": chat_id, "topic_id": topic_id, "card_message_id": card_message_id}
    statement = (
        dialect_insert(session)(TelegramTopic)
        .values(escalation_id=escalation_id, **values)
        .on_conflict_do_update(index_elements=["escalation_id"], set_=values)
    )
    await session.execute(statement)


async def escalation_in(session: AsyncSession, chat_id: int, topic_id: int) -> int | None:
    """The escalation whose topic this is (the newest, if a topic number was ever reused)."""
    return await session.scalar(
        select(TelegramTopic.escalation_id)
        .where(TelegramTopic.chat_id == chat_id, TelegramTopic.topic_id == topic_id)
        .order_by(TelegramTopic.escalation_id.desc())
        .limit(1)
    )


async def topics_in(session: AsyncSession, chat_id: int, escalation_ids: Sequence[int]) -> dict[int, int]:
    """escalation id -> topic id, for those of these escalations with a topic in this chat."""
    if not escalation_ids:
        return {}
    rows = await session.execute(
        select(TelegramTopic.escalation_id, TelegramTopic.topic_id).where(
            TelegramTopic.chat_id == chat_id,
            TelegramTopic.topic_id.is_not(None),
            TelegramTopic.escalation_id.in_(list(escalation_ids)),
        )
    )
    return {int(e): int(t) for e, t in rows.all()}
