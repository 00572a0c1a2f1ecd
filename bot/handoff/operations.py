"""What agents do with escalations: take, release, close, give back to the bot, note, and write to
the customer. Each operation changes the escalation in one transaction (queuing the desk's events
there) and then delivers what the customer is owed (`bot.handoff.dispatch`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
from bot.storage import messages
from bot.storage.conversations import set_state_outside_turn
from bot.storage.handoff import ACTIVE, ASSIGNED, CUSTOMER, RESOLVED, WAITING, EscalationNote, EscalationView
from bot.storage.models import Conversation, Escalation, Message


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
    # delivered | held | pending | duplicate | inactive | not_found | not_waiting
    escalation: EscalationView | None = None

    @property
    def ok(self) -> bool:
        return self.code not in ("inactive", "not_found", "not_assigned", "duplicate", "not_waiting")


@dataclass(frozen=True)
class AgentWriting:
    """What an agent wrote to a customer: text and/or one attachment, with the chat's message id
    (`external_id`) so a redelivered message is recognised."""

    text: str | None = None
    attachment: Attachment | None = None
    external_id: str | None = None


Work = Callable[[AsyncSession, Escalation, Conversation, PendingDeliveries], Awaitable[OpResult]]


class AgentOperations:
    """The agents' operations on escalations."""

    def __init__(self, core: HandoffCore, dispatch: CustomerDispatch) -> None:
        self.core = core
        self.dispatch = dispatch

    async def escalation(self, escalation_id: int) -> EscalationView | None:
        async with self.core.transaction() as session:
            loaded = await repo.load(session, escalation_id)
            return repo.view(*loaded) if loaded else None

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
        messages.add(session, message)
        if options:
            state = dict(conversation.state or {})
            state["options"] = [
                {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id} for o in options
            ]
            set_state_outside_turn(conversation, state)
        return Reply(text=text, kind=ReplyKind.INFO, language=language, options=options)

    async def _operate(self, escalation_id: int, work: Work, *, active_only: bool = True) -> OpResult:
        """One operation: the escalation and its conversation locked (in a turn's order), `work` in the
        same transaction, then what the customer is owed delivered (the desk's worker is woken by the
        commit when `work` queued an event for it: `HandoffCore.queue_desk`).

        Gone or finished escalations are answered at once; so is a `work` that owed the customer
        nothing (a refusal, a note). For an agent's message the result is how its delivery went.
        """
        deliveries = PendingDeliveries()
        async with self.core.transaction() as session:
            loaded = await repo.load(session, escalation_id, lock=True)
            if loaded is None:
                return OpResult("not_found")
            escalation, conversation = loaded
            if active_only and escalation.status not in ACTIVE:
                return OpResult("inactive", repo.view(escalation, conversation))
            result = await work(session, escalation, conversation, deliveries)
        if not deliveries.channel:
            return result
        code = await self.dispatch.deliver(deliveries)
        return OpResult(code, result.escalation) if deliveries.agent is not None else result

    async def take(self, escalation_id: int, agent: Agent, *, only_waiting: bool = False) -> OpResult:
        """An agent takes the conversation (or takes it over from a colleague); `only_waiting`: only if
        nobody has it (the console's "take next", decided under the lock so two agents never share one)."""

        async def work(session: AsyncSession, escalation: Escalation, conversation: Conversation, deliveries: PendingDeliveries) -> OpResult:
            if escalation.status == ASSIGNED and escalation.agent_id == agent.id:
                return OpResult("already_yours", repo.view(escalation, conversation))
            if only_waiting and escalation.status != WAITING:
                return OpResult("not_waiting", repo.view(escalation, conversation))
            code = self._assign(session, escalation, conversation, agent, deliveries)
            return OpResult(code, repo.view(escalation, conversation))

        return await self._operate(escalation_id, work)

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
        self._notify_customer(session, conversation, deliveries, "handoff.taken", agent=agent.name)
        return code

    def _notify_customer(
        self,
        session: AsyncSession,
        conversation: Conversation,
        deliveries: PendingDeliveries,
        key: str,
        options: tuple[Option, ...] = (),
        **values: object,
    ) -> None:
        """Record a bot line for the customer and queue it for delivery after the commit."""
        deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
        deliveries.replies.append(self._record_notice(session, conversation, key, options, **values))

    async def release(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent gives the conversation back to the queue for a colleague."""

        async def work(session: AsyncSession, escalation: Escalation, conversation: Conversation, deliveries: PendingDeliveries) -> OpResult:
            if escalation.status != ASSIGNED:
                return OpResult("not_assigned", repo.view(escalation, conversation))
            now = self.core.now()
            name = escalation.agent_name or agent.name
            escalation.status = WAITING
            escalation.agent_id = escalation.agent_name = None
            escalation.due_at = self.core.hours.add_staffed(now, self.core.minutes("handoff_urgent_sla_minutes", 5))
            escalation.last_announced_at = now  # the release itself is the announcement
            escalation.updated_at = now
            self.core.queue_desk(session, escalation, events.STATUS, {"event": "released", "agent": agent.name})
            self._notify_customer(session, conversation, deliveries, "handoff.released", agent=name)
            return OpResult("released", repo.view(escalation, conversation))

        return await self._operate(escalation_id, work)

    async def finish(self, escalation_id: int, agent: Agent, resolution: str) -> OpResult:
        """Close the escalation ("closed": the survey follows) or give the conversation back ("to_bot")."""

        async def work(session: AsyncSession, escalation: Escalation, conversation: Conversation, deliveries: PendingDeliveries) -> OpResult:
            now = self.core.now()
            escalation.status = RESOLVED
            escalation.resolution = resolution
            escalation.resolved_at = now
            escalation.due_at = None
            escalation.updated_at = now
            if escalation.agent_id is None:
                escalation.agent_id, escalation.agent_name = agent.id, agent.name
            self.core.queue_desk(session, escalation, events.STATUS, {"event": resolution, "agent": agent.name})
            language: Language = conversation.language  # type: ignore[assignment]
            state = dict(conversation.state or {})
            state.pop("flow", None)
            state.pop(ANGER_STATE, None)
            if resolution == "closed":
                set_state_outside_turn(conversation, {**state, "survey": survey_state(escalation.id, now)})
                self._notify_customer(session, conversation, deliveries, "handoff.closed")
                self._notify_customer(session, conversation, deliveries, "survey.ask", score_options(escalation.id))
            else:
                set_state_outside_turn(conversation, state)
                menu = TurnContext(
                    language=language, brand=self.core.settings.brand_name, state={}, low_confidence_streak=0
                ).menu_options()
                self._notify_customer(session, conversation, deliveries, "handoff.to_bot", menu)
            conversation.low_confidence_streak = 0
            return OpResult("closed" if resolution == "closed" else "given_back", repo.view(escalation, conversation))

        return await self._operate(escalation_id, work)

    async def note(self, escalation_id: int, agent: Agent, text: str) -> OpResult:
        """An internal note: kept with the escalation (over or not), never sent to the customer."""

        async def work(session: AsyncSession, escalation: Escalation, conversation: Conversation, _: PendingDeliveries) -> OpResult:
            note = EscalationNote(
                escalation_id=escalation.id, agent_id=agent.id, agent_name=agent.name, text=storable(text), created_at=self.core.now()
            )
            repo.add_note(session, note)
            return OpResult("noted", repo.view(escalation, conversation))

        return await self._operate(escalation_id, work, active_only=False)

    async def notes(self, escalation_id: int) -> list[EscalationNote]:
        async with self.core.transaction() as session:
            return await repo.notes(session, escalation_id)

    async def agent_message(self, escalation_id: int, agent: Agent, message: AgentWriting) -> OpResult:
        """What an agent wrote to the customer: stored, delivered now, or kept (and the agent told).

        Writing in a waiting conversation takes it. A redelivered agent message (same external id) is
        recognised and not sent twice.
        """
        text = storable_or_none(message.text)  # what the agents' chat delivered, made storable like a customer's text
        attachment = message.attachment

        async def work(session: AsyncSession, escalation: Escalation, conversation: Conversation, deliveries: PendingDeliveries) -> OpResult:
            now = self.core.now()
            row = {
                "conversation_id": conversation.id,
                "direction": "out",
                "kind": "agent",
                "text": text,
                "language": conversation.language,
                "external_id": message.external_id,
                "attachment": attachment.reference if attachment else None,
                "created_at": now,
            }
            message_id = await messages.insert_unless_known(session, row)
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
            outbox = await repo.add_outbox_flushed(
                session, escalation, CUSTOMER, "agent", payload, now=now, not_before=now + FIRST_TRY_GRACE
            )
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            deliveries.agent = (
                outbox.id,
                AgentMessage(
                    escalation_id=escalation.id,
                    language=conversation.language,  # type: ignore[arg-type]
                    text=text,
                    attachment=attachment,
                    agent_name=agent.name,
                    message_id=message_id,
                ),
            )
            return OpResult("delivered", repo.view(escalation, conversation))

        return await self._operate(escalation_id, work)
