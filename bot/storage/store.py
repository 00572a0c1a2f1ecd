"""The units of work the engine and the channels open: `Store.turn` for a customer's message, and a
few conveniences that each run one repository function in a short transaction of their own.

A customer message is handled inside one `Turn`: one transaction that loads (or creates) the
conversation, records the inbound message, and on success commits the new state together with the
replies. A crash half-way leaves the previous state intact rather than half a turn. The SQL itself is
in the repository modules (`conversations`, `messages`, `handoff`...), which take the turn's session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.safetext import storable_or_none
from bot.storage import conversations, messages
from bot.storage import handoff as handoff_repo
from bot.storage.conversations import TurnProbe
from bot.storage.database import Database
from bot.storage.handoff import EscalationView
from bot.storage.models import Conversation, Escalation, Message

# A row of the human queue, with what an agent needs to pick it up (and its due time, agent...).
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
    """One customer message being handled: the conversation row plus the open transaction.

    `probe` is what the turn learnt with its conversation (see `conversations.open_turn`): whether a
    person has the conversation and whether agent messages wait, so a plain FAQ turn does not ask
    again. None means "ask".
    """

    def __init__(self, session: AsyncSession, conversation: Conversation, probe: TurnProbe | None = None) -> None:
        self.session = session
        self.conversation = conversation
        self.probe = probe

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
        row = self._inbound_row(kind, text, language, external_id, attachment, intent_id, confidence)
        return await messages.insert_unless_known(self.session, row)

    async def record_replies(self, replies: Sequence[OutboundRow]) -> list[int]:
        """Store the bot's replies in one statement and return their ids, in order."""
        return await messages.insert_many(self.session, [self._reply_row(r) for r in replies])

    async def record_exchange(
        self,
        kind: str,
        text: str | None,
        language: str | None,
        external_id: str | None,
        attachment: str | None,
        replies: Sequence[OutboundRow],
        *,
        intent_id: str | None = None,
        confidence: float | None = None,
    ) -> tuple[int | None, list[int]]:
        """`record_inbound` and `record_replies` in one statement, for a turn that needs the inbound
        message's id for nothing else: (inbound id, or None for a redelivery; reply ids, in order).

        On a redelivery the replies are written too: the caller must roll the turn back, as after
        `record_inbound` returned None.
        """
        inbound = self._inbound_row(kind, text, language, external_id, attachment, intent_id, confidence)
        return await messages.insert_turn(self.session, inbound, [self._reply_row(r) for r in replies])

    async def save(self, language: str, low_confidence_streak: int, state: dict[str, Any]) -> None:
        """Keep what the turn changed of the conversation; written now, committed with the turn."""
        await conversations.save_turn(self.session, self.conversation, language, low_confidence_streak, state)

    def _inbound_row(
        self, kind: str, text: str | None, language: str | None, external_id: str | None, attachment: str | None,
        intent_id: str | None, confidence: float | None,
    ) -> dict[str, object]:
        return {
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

    def _reply_row(self, reply: OutboundRow) -> dict[str, object]:
        return {
            "conversation_id": self.conversation.id,
            "direction": "out",
            "kind": reply.kind,
            "text": storable_or_none(reply.text),
            "language": reply.language,
            "intent_id": reply.intent_id,
            "confidence": reply.confidence,
        }

    async def record_outbound(
        self, kind: str, text: str, language: str, intent_id: str | None = None, confidence: float | None = None
    ) -> int:
        """Store one reply and return its id (feedback buttons refer to it)."""
        [message_id] = await self.record_replies([OutboundRow(kind, text, language, intent_id, confidence)])
        return message_id

    async def outbound_message(self, message_id: int) -> Message | None:
        """One of this conversation's own replies, or None (someone else's, or made up)."""
        return await conversations.own_reply(self.session, self.conversation.id, message_id)

    async def has_undelivered(self) -> bool:
        """Whether agent messages wait to be delivered to this customer (see bot/handoff)."""
        return await handoff_repo.has_undelivered(self.session, self.conversation.id)

    async def open_escalation(self, reason: str, priority: int) -> Escalation:
        """Put the conversation in the human queue, or raise the priority of the request already waiting."""
        return await handoff_repo.open_or_raise(self.session, self.conversation.id, reason, priority)


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
            conversation, probe = await conversations.open_turn(session, channel, customer_id, language, display_name)
            yield Turn(session, conversation, probe)

    async def record_unanswered(
        self, channel: str, customer_id: str, *, kind: str, text: str | None, external_id: str | None, language: str
    ) -> None:
        """Keep a message the channel will not pass to the engine (e.g. over the flood limit) in the transcript."""
        async with self.turn(channel, customer_id, language=language) as turn:
            await turn.record_inbound(kind, text, None, external_id)

    async def set_blocked(self, channel: str, customer_id: str, blocked: bool) -> None:
        """Remember that a customer blocked the bot (or unblocked it), so nobody keeps sending to them."""
        async with self.database.sessions() as session, session.begin():
            await conversations.set_blocked(session, channel, customer_id, blocked)

    async def is_blocked(self, channel: str, customer_id: str) -> bool:
        """Whether the customer blocked the bot."""
        async with self.database.sessions() as session:
            return await conversations.is_blocked(session, channel, customer_id)

    async def transcript(self, conversation_id: int, limit: int = 50) -> Sequence[Message]:
        """The latest messages of a conversation, oldest first."""
        async with self.database.sessions() as session:
            return await conversations.transcript(session, conversation_id, limit)

    async def replies_to(self, channel: str, customer_id: str, external_id: str) -> Sequence[Message]:
        """The bot's stored replies to one inbound message, oldest first.

        For a channel whose connection broke after a turn committed: the retry is a redelivery that
        answers nothing, and these are what the customer has not seen yet.
        """
        async with self.database.sessions() as session:
            return await conversations.replies_to(session, channel, customer_id, external_id)

    async def conversation(self, channel: str, customer_id: str) -> Conversation | None:
        """A conversation by its channel key, if the customer ever wrote."""
        async with self.database.sessions() as session:
            return await conversations.by_key(session, channel, customer_id)

    async def queue(self, statuses: Sequence[str] = ("waiting", "assigned")) -> list[QueuedEscalation]:
        """The human queue: most urgent first, then oldest first."""
        async with self.database.sessions() as session:
            return await handoff_repo.views(session, statuses)

    async def count_messages(self) -> int:
        """How many messages are stored (used by tests and the health check)."""
        async with self.database.sessions() as session:
            return await messages.count(session)

    async def ping(self) -> bool:
        """True when the database answers."""
        return await self.database.ping()
