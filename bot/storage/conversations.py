"""Conversations: one customer on one channel, found by (channel, customer id), and their transcript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import is_postgresql
from bot.storage.models import Conversation, Message


def _by_key(channel: str, customer_id: str) -> Select[tuple[Conversation]]:
    return select(Conversation).where(Conversation.channel == channel, Conversation.customer_id == customer_id)


async def for_turn(
    session: AsyncSession, channel: str, customer_id: str, language: str, display_name: str | None
) -> Conversation:
    """The customer's conversation, row-locked (PostgreSQL) for the turn, created on first contact.

    The lock serialises a customer's turns and agents' operations on the same conversation; a
    concurrent first message loses the insert race and reads the winner's row.
    """
    query = _by_key(channel, customer_id)
    if is_postgresql(session):
        query = query.with_for_update()
    conversation = await session.scalar(query)
    if conversation is None:
        fresh = Conversation(channel=channel, customer_id=customer_id, language=language, display_name=display_name, state={})
        try:
            async with session.begin_nested():
                session.add(fresh)
            return fresh
        except IntegrityError:  # another process created it a moment ago
            conversation = await session.scalar(query)
            assert conversation is not None
    if display_name and conversation.display_name != display_name:
        conversation.display_name = display_name
    return conversation


async def by_key(session: AsyncSession, channel: str, customer_id: str) -> Conversation | None:
    """A conversation by its channel key, if the customer ever wrote."""
    return await session.scalar(_by_key(channel, customer_id))


async def get(session: AsyncSession, conversation_id: int) -> Conversation | None:
    """A conversation by id."""
    return await session.get(Conversation, conversation_id)


async def set_blocked(session: AsyncSession, channel: str, customer_id: str, blocked: bool) -> None:
    """Remember that a customer blocked the bot (or unblocked it)."""
    await session.execute(
        update(Conversation)
        .where(Conversation.channel == channel, Conversation.customer_id == customer_id)
        .values(blocked=blocked)
    )


async def is_blocked(session: AsyncSession, channel: str, customer_id: str) -> bool:
    """Whether the customer blocked the bot."""
    blocked = await session.scalar(
        select(Conversation.blocked).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
    )
    return bool(blocked)


async def transcript(session: AsyncSession, conversation_id: int, limit: int = 50) -> list[Message]:
    """The latest messages of a conversation by time, oldest first."""
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def own_reply(session: AsyncSession, conversation_id: int, message_id: int) -> Message | None:
    """One of this conversation's own replies, or None (someone else's, or made up)."""
    message = await session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id or message.direction != "out":
        return None
    return message


async def replies_to(session: AsyncSession, channel: str, customer_id: str, external_id: str) -> Sequence[Message]:
    """The bot's stored replies to one inbound message (up to the next inbound one), oldest first."""
    conversation_id = await session.scalar(
        select(Conversation.id).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
    )
    inbound_id = await session.scalar(
        select(Message.id).where(
            Message.conversation_id == conversation_id, Message.direction == "in", Message.external_id == external_id
        )
    )
    if inbound_id is None:
        return []
    next_inbound = await session.scalar(
        select(func.min(Message.id)).where(
            Message.conversation_id == conversation_id, Message.direction == "in", Message.id > inbound_id
        )
    )
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.direction == "out", Message.id > inbound_id
    )
    if next_inbound is not None:
        query = query.where(Message.id < next_inbound)
    return list((await session.scalars(query.order_by(Message.id))).all())


def set_state_outside_turn(conversation: Conversation, state: dict[str, Any]) -> None:
    """The one writer of `conversation.state` outside a customer's turn (`Engine._turn` is the other).

    An agent's operation (closing, giving back, a notice with options) changes what the bot remembers
    while no turn runs. Callers hold the conversation's row lock (`handoff.load(..., lock=True)`, taken
    in the same order as a turn takes it), so a turn never writes back an older copy over this change.
    """
    conversation.state = state
