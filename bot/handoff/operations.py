"""What agents do with escalations: take, release, close, give back to the bot, note, and write to
the customer. Each operation changes the escalation in one transaction (queuing the desk's events
there) and then delivers what the customer is owed (`bot.handoff.dispatch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.context import TurnContext
from bot.engine.messages import say
from bot.engine.types import Option, Reply, ReplyKind
from bot.handoff import desk as events
from bot.handoff.acks import ANGER_STATE
from bot.handoff.core import HandoffCore
from bot.handoff.delivery import AgentMessage, Attachment
from bot.handoff.dispatch import FIRST_TRY_GRACE, CustomerDispatch, PendingDeliveries
from bot.handoff.survey import score_options, survey_state
from bot.safetext import storable, storable_or_none
from bot.settings import Language
from bot.storage import handoff as repo
from bot.storage.handoff import ACTIVE, ASSIGNED, CUSTOMER, RESOLVED, WAITING, EscalationNote, EscalationView
from bot.storage.models import Conversation, Escalation, Message


def set_state_outside_turn(conversation: Conversation, state: dict[str, Any]) -> None:
    """The one writer of `conversation.state` outside a customer's turn (`Engine._turn` is the other).

    An agent's operation (closing, giving back, a notice with options) changes what the bot remembers
    while no turn runs. Callers hold the conversation's row lock (`repo.load(..., lock=True)`, taken in
    the same order as a turn takes it), so a turn never writes back an older copy over this change.
    """
    conversation.state = state


@dataclass(frozen=True)
class Agent:
    """A person acting on escalations: an id stable within the desk (a Telegram user id) and a first name."""

    id: str
    name: str

    def __post_init__(self) -> None:
        # A name from the agents' chat is outside text too (a lone surrogate must not lose their message).
        object.__setattr__(self, "name", storable(self.name))


@dataclass(frozen=True)
class OpResult:
    """What came of an agent operation; `code` says what to tell the agent."""

    code: str  # taken | taken_over | already_yours | released | not_assigned | closed | given_back | noted |
    # delivered | held | pending | duplicate | inactive | not_found
    escalation: EscalationView | None = None

    @property
    def ok(self) -> bool:
        return self.code not in ("inactive", "not_found", "not_assigned", "duplicate")


class AgentOperations:
    """The agents' operations on escalations."""

    def __init__(self, core: HandoffCore, dispatch: CustomerDispatch) -> None:
        self.core = core
        self.dispatch = dispatch

    async def escalation(self, escalation_id: int) -> EscalationView | None:
        async with self.core.transaction() as session:
            loaded = await repo.load(session, escalation_id)
            return repo.view(*loaded) if loaded else None

    async def escalation_for_topic(self, chat_id: int, topic_id: int) -> EscalationView | None:
        async with self.core.transaction() as session:
            escalation_id = await repo.by_topic(session, chat_id, topic_id)
            if escalation_id is None:
                return None
            loaded = await repo.load(session, escalation_id)
            return repo.view(*loaded) if loaded else None

    async def set_topic(self, escalation_id: int, chat_id: int, topic_id: int | None, card_message_id: int | None) -> None:
        """Remember where the escalation lives in the agents' chat."""
        async with self.core.transaction() as session:
            escalation = await session.get(Escalation, escalation_id)
            if escalation is not None:
                escalation.desk_chat_id = chat_id
                escalation.topic_id = topic_id
                escalation.card_message_id = card_message_id

    def _record_notice(
        self, session: AsyncSession, conversation: Conversation, key: str, options: tuple[Option, ...] = (), **values: object
    ) -> Reply:
        """A bot line for the customer outside a turn, stored in the transcript (its options remembered
        so a bare number picks one on the console and by SMS)."""
        language: Language = conversation.language  # type: ignore[assignment]
        text = say(key, language, **values)
        message = Message(
            conversation_id=conversation.id, direction="out", kind=ReplyKind.INFO.value, text=text, language=language, created_at=self.core.now()
        )
        session.add(message)
        if options:
            state = dict(conversation.state or {})
            state["options"] = [
                {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id} for o in options
            ]
            set_state_outside_turn(conversation, state)
        return Reply(text=text, kind=ReplyKind.INFO, language=language, options=options)

    async def take(self, escalation_id: int, agent: Agent) -> OpResult:
        """An agent takes the conversation (or takes it over from a colleague)."""
        deliveries = PendingDeliveries()
        async with self.core.transaction() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            if escalation.status == ASSIGNED and escalation.agent_id == agent.id:
                return OpResult("already_yours", repo.view(escalation, conversation))
            code = self._assign(session, escalation, conversation, agent, deliveries)
            result = OpResult(code, repo.view(escalation, conversation))
        await self.dispatch.deliver(deliveries)
        self.core.notify()
        return result

    def _assign(
        self, session: AsyncSession, escalation: Escalation, conversation: Conversation, agent: Agent, deliveries: PendingDeliveries
    ) -> str:
        now = self.core.now()
        previous = escalation.agent_name if escalation.status == ASSIGNED else None
        escalation.status = ASSIGNED
        escalation.agent_id, escalation.agent_name = agent.id, agent.name
        escalation.assigned_at = escalation.assigned_at or now
        escalation.due_at = self.core.reply_due(now)
        escalation.last_announced_at = None
        escalation.updated_at = now
        code = "taken_over" if previous else "taken"
        self.core.queue_desk(session, escalation, events.STATUS, {"event": code, "agent": agent.name, "previous": previous})
        deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
        deliveries.replies.append(self._record_notice(session, conversation, "handoff.taken", agent=agent.name))
        return code

    async def release(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent gives the conversation back to the queue for a colleague."""
        deliveries = PendingDeliveries()
        async with self.core.transaction() as session:
            loaded = await repo.load(session, escalation_id, lock=True)
            if loaded is None:
                return OpResult("not_found")
            escalation, conversation = loaded
            if escalation.status != ASSIGNED:
                return OpResult("not_assigned" if escalation.status == WAITING else "inactive", repo.view(escalation, conversation))
            now = self.core.now()
            name = escalation.agent_name or agent.name
            escalation.status = WAITING
            escalation.agent_id = escalation.agent_name = None
            escalation.due_at = self.core.hours.add_staffed(now, self.core.minutes("handoff_urgent_sla_minutes", 5))
            escalation.last_announced_at = now  # the release itself is the announcement
            escalation.updated_at = now
            self.core.queue_desk(session, escalation, events.STATUS, {"event": "released", "agent": agent.name})
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            deliveries.replies.append(self._record_notice(session, conversation, "handoff.released", agent=name))
            result = OpResult("released", repo.view(escalation, conversation))
        await self.dispatch.deliver(deliveries)
        self.core.notify()
        return result

    async def _load_active(self, session: AsyncSession, escalation_id: int) -> tuple[Escalation, Conversation] | OpResult:
        """The escalation (locked) and its conversation, or the OpResult to answer when it is gone or over."""
        loaded = await repo.load(session, escalation_id, lock=True)
        if loaded is None:
            return OpResult("not_found")
        escalation, conversation = loaded
        if escalation.status not in ACTIVE:
            return OpResult("inactive", repo.view(escalation, conversation))
        return escalation, conversation

    async def finish(self, escalation_id: int, agent: Agent, resolution: str) -> OpResult:
        """Close the escalation ("closed": the survey follows) or give the conversation back ("to_bot")."""
        deliveries = PendingDeliveries()
        async with self.core.transaction() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            now = self.core.now()
            escalation.status = RESOLVED
            escalation.resolution = resolution
            escalation.resolved_at = now
            escalation.due_at = None
            escalation.updated_at = now
            if escalation.agent_id is None:
                escalation.agent_id, escalation.agent_name = agent.id, agent.name
            self.core.queue_desk(session, escalation, events.STATUS, {"event": resolution, "agent": agent.name})
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            language: Language = conversation.language  # type: ignore[assignment]
            state = dict(conversation.state or {})
            state.pop("flow", None)
            state.pop(ANGER_STATE, None)
            if resolution == "closed":
                set_state_outside_turn(conversation, {**state, "survey": survey_state(escalation.id, now)})
                deliveries.replies.append(self._record_notice(session, conversation, "handoff.closed"))
                deliveries.replies.append(self._record_notice(session, conversation, "survey.ask", score_options(escalation.id)))
            else:
                set_state_outside_turn(conversation, state)
                menu = TurnContext(
                    language=language, brand=self.core.settings.brand_name, state={}, low_confidence_streak=0
                ).menu_options()
                deliveries.replies.append(self._record_notice(session, conversation, "handoff.to_bot", menu))
            conversation.low_confidence_streak = 0
            result = OpResult("closed" if resolution == "closed" else "given_back", repo.view(escalation, conversation))
        await self.dispatch.deliver(deliveries)
        self.core.notify()
        return result

    async def note(self, escalation_id: int, agent: Agent, text: str) -> OpResult:
        """An internal note: kept with the escalation, never sent to the customer."""
        async with self.core.transaction() as session:
            loaded = await repo.load(session, escalation_id)
            if loaded is None:
                return OpResult("not_found")
            escalation, conversation = loaded
            session.add(
                EscalationNote(
                    escalation_id=escalation.id, agent_id=agent.id, agent_name=agent.name, text=storable(text), created_at=self.core.now()
                )
            )
            return OpResult("noted", repo.view(escalation, conversation))

    async def notes(self, escalation_id: int) -> list[EscalationNote]:
        async with self.core.transaction() as session:
            rows = await session.scalars(
                select(EscalationNote).where(EscalationNote.escalation_id == escalation_id).order_by(EscalationNote.id)
            )
            return list(rows.all())

    async def agent_message(
        self,
        escalation_id: int,
        agent: Agent,
        *,
        text: str | None = None,
        attachment: Attachment | None = None,
        external_id: str | None = None,
    ) -> OpResult:
        """What an agent wrote to the customer: stored, delivered now, or kept (and the agent told).

        Writing in a waiting conversation takes it. A redelivered agent message (same external id) is
        recognised and not sent twice.
        """
        deliveries = PendingDeliveries()
        text = storable_or_none(text)  # what the agents' chat delivered, made storable like a customer's text
        async with self.core.transaction() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            now = self.core.now()
            row = {
                "conversation_id": conversation.id,
                "direction": "out",
                "kind": "agent",
                "text": text,
                "language": conversation.language,
                "external_id": external_id,
                "attachment": attachment.reference if attachment else None,
                "created_at": now,
            }
            insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            message_id = await session.scalar(
                insert(Message)
                .values(row)
                .on_conflict_do_nothing(index_elements=["conversation_id", "direction", "external_id"])
                .returning(Message.id)
            )
            if message_id is None:
                return OpResult("duplicate", repo.view(escalation, conversation))
            if escalation.status == WAITING:
                self._assign(session, escalation, conversation, agent, deliveries)
            escalation.due_at = None  # answered: nothing due until the customer writes again
            escalation.last_announced_at = None
            escalation.updated_at = now
            payload = {"message_id": message_id, "agent": agent.name}
            if attachment is not None:
                payload.update(kind=attachment.kind, file_name=attachment.file_name, mime_type=attachment.mime_type)
            outbox = repo.add_outbox(session, escalation, CUSTOMER, "agent", payload, now=now)
            outbox.not_before = now + FIRST_TRY_GRACE
            await session.flush()
            message = AgentMessage(
                escalation_id=escalation.id,
                language=conversation.language,  # type: ignore[arg-type]
                text=text,
                attachment=attachment,
                agent_name=agent.name,
            )
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            deliveries.agent = (outbox.id, message)
            view = repo.view(escalation, conversation)
        code = await self.dispatch.deliver(deliveries)
        self.core.notify()
        return OpResult(code, view)
