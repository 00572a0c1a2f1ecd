"""The repository the engine and the channels use; no SQL outside this module and the migrations.

A customer message is handled inside one `Turn`: one transaction that loads (or creates) the
conversation, records the inbound message, and on success commits the new state together with the
replies. A crash half-way leaves the previous state intact rather than half a turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import handoff as handoff_repo
from bot.storage.database import Database
from bot.storage.handoff import EscalationView
from bot.safetext import storable_or_none
from bot.storage.models import Conversation, Escalation, Message


# A row of the human queue, with what an agent needs to pick it up (and its due time, agent, topic...).
QueuedEscalation = EscalationView


@dataclass(frozen=True)
class OutboundRow:
    """One reply to store."""

    kind: str
    text: str
    language: str
    intent_id: str | None = None
    confidence: float | None = None


class Turn:
    """One customer message being handled: the conversation row plus the open transaction."""

    def __init__(self, session: AsyncSession, conversation: Conversation) -> None:
        self.session = session
        self.conversation = conversation

    async def record_inbound(
        self,
        kind: str,
        text: str | None,
        language: str | None = None,
        external_id: str | None = None,
        attachment: str | None = None,
        *,
        intent_id: str | None = None,
        confidence: float | None = None,
    ) -> int | None:
        """Store the customer's message; None when this external id was already recorded (a redelivery).

        One INSERT ... ON CONFLICT DO NOTHING: no savepoint, and the turn stays usable after a duplicate.
        """
        row = {
            "conversation_id": self.conversation.id,
            "direction": "in",
            "kind": kind,
            "text": storable_or_none(text),
            "language": language,
            "intent_id": intent_id,
            "confidence": confidence,
            "external_id": external_id,
            "attachment": attachment,
        }
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(Message)
            .values(row)
            .on_conflict_do_nothing(index_elements=["conversation_id", "direction", "external_id"])
            .returning(Message.id)
        )
        return await self.session.scalar(statement)

    async def record_replies(self, replies: Sequence[OutboundRow]) -> list[int]:
        """Store the bot's replies in one statement and return their ids, in order."""
        if not replies:
            return []
        rows = [
            {
                "conversation_id": self.conversation.id,
                "direction": "out",
                "kind": r.kind,
                "text": storable_or_none(r.text),
                "language": r.language,
                "intent_id": r.intent_id,
                "confidence": r.confidence,
            }
            for r in replies
        ]
        ids = await self.session.scalars(
            sa_insert(Message).returning(Message.id, sort_by_parameter_order=True), rows
        )
        return list(ids)

    async def record_outbound(
        self, kind: str, text: str, language: str, intent_id: str | None = None, confidence: float | None = None
    ) -> int:
        """Store one reply and return its id (feedback buttons refer to it)."""
        [message_id] = await self.record_replies([OutboundRow(kind, text, language, intent_id, confidence)])
        return message_id

    async def outbound_message(self, message_id: int) -> Message | None:
        """One of this conversation's own replies, or None (someone else's, or made up)."""
        message = await self.session.get(Message, message_id)
        if message is None or message.conversation_id != self.conversation.id or message.direction != "out":
            return None
        return message

    async def has_undelivered(self) -> bool:
        """Whether agent messages wait to be delivered to this customer (see bot/handoff)."""
        return await handoff_repo.has_undelivered(self.session, self.conversation.id)

    async def open_escalation(self, reason: str, priority: int) -> Escalation:
        """Put the conversation in the human queue, or raise the priority of the request already waiting."""
        existing = await self.session.scalar(
            select(Escalation).where(
                Escalation.conversation_id == self.conversation.id,
                Escalation.status.in_(("waiting", "assigned")),
            )
        )
        if existing is not None:
            existing.priority = max(existing.priority, priority)
            return existing
        escalation = Escalation(conversation_id=self.conversation.id, reason=reason, priority=priority)
        self.session.add(escalation)
        await self.session.flush()
        return escalation


class Store:
    """Everything the rest of the bot asks of the database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def turn(
        self, channel: str, customer_id: str, *, language: str, display_name: str | None = None
    ) -> AsyncIterator[Turn]:
        """Open a transaction around one customer message, creating the conversation on first contact."""
        async with self.database.sessions() as session, session.begin():
            conversation = await self._conversation(session, channel, customer_id, language, display_name)
            yield Turn(session, conversation)

    async def _conversation(
        self, session: AsyncSession, channel: str, customer_id: str, language: str, display_name: str | None
    ) -> Conversation:
        query = select(Conversation).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        conversation = await session.scalar(query)
        if conversation is None:
            fresh = Conversation(
                channel=channel, customer_id=customer_id, language=language, display_name=display_name, state={}
            )
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

    async def record_unanswered(
        self, channel: str, customer_id: str, *, kind: str, text: str | None, external_id: str | None, language: str
    ) -> None:
        """Keep a message the channel will not pass to the engine (e.g. over the flood limit) in the transcript."""
        async with self.turn(channel, customer_id, language=language) as turn:
            await turn.record_inbound(kind, text, None, external_id)

    async def set_blocked(self, channel: str, customer_id: str, blocked: bool) -> None:
        """Remember that a customer blocked the bot (or unblocked it), so nobody keeps sending to them."""
        async with self.database.sessions() as session, session.begin():
            await session.execute(
                update(Conversation)
                .where(Conversation.channel == channel, Conversation.customer_id == customer_id)
                .values(blocked=blocked)
            )

    async def is_blocked(self, channel: str, customer_id: str) -> bool:
        """Whether the customer blocked the bot."""
        async with self.database.sessions() as session:
            blocked = await session.scalar(
                select(Conversation.blocked).where(
                    Conversation.channel == channel, Conversation.customer_id == customer_id
                )
            )
            return bool(blocked)

    async def transcript(self, conversation_id: int, limit: int = 50) -> Sequence[Message]:
        """The latest messages of a conversation, oldest first."""
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(limit)
            )
            return list(reversed(rows.all()))

    async def replies_to(self, channel: str, customer_id: str, external_id: str) -> list[Message]:
        """The bot's stored replies to one inbound message, oldest first.

        For a channel whose connection broke after a turn committed: the retry is a redelivery that
        answers nothing, and these are what the customer has not seen yet.
        """
        async with self.database.sessions() as session:
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

    async def conversation(self, channel: str, customer_id: str) -> Conversation | None:
        """A conversation by its channel key, if the customer ever wrote."""
        async with self.database.sessions() as session:
            return await session.scalar(
                select(Conversation).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
            )

    async def queue(self, statuses: Sequence[str] = ("waiting", "assigned")) -> list[QueuedEscalation]:
        """The human queue: most urgent first, then oldest first."""
        async with self.database.sessions() as session:
            return await handoff_repo.views(session, statuses)

    async def count_messages(self) -> int:
        """How many messages are stored (used by tests and the health check)."""
        async with self.database.sessions() as session:
            return int(await session.scalar(select(func.count(Message.id))) or 0)

    async def ping(self) -> bool:
        """True when the database answers."""
        return await self.database.ping()
