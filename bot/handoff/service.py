"""The hand-off service: the human queue, what customers are told, and every agent operation.

Channel-agnostic. The engine calls it inside a customer's turn (`open_in_turn`, `in_person`,
`survey`, `relay`), agents' desks call it for their operations (`take`, `release`, `close`,
`give_back`, `note`, `agent_message`, `queue`, `stats`), and a periodic task calls `sweep` (overdue
escalations are announced again; agent messages that failed are retried).

What agents must see goes through the hand-off outbox (written in the same transaction as the change,
published by `bot.handoff.outbox.DeskOutbox`); what customers must see goes through the channel's
`CustomerDelivery` right after the change is committed, and is kept when it cannot be delivered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, system_clock
from bot.clock import as_utc
from bot.safetext import storable, storable_or_none
from bot.engine.context import TurnContext
from bot.engine.handoff import PRIORITY, URGENT, is_angry, is_cancel
from bot.engine.messages import say
from bot.engine.types import Action, ActionKind, Handoff, Inbound, InboundKind, Option, Reply, ReplyKind
from bot.handoff import desk as events
from bot.handoff.acks import Ack, decide
from bot.handoff.delivery import (
    AgentMessage,
    Attachment,
    CustomerUnreachable,
    DeliveryRegistry,
)
from bot.handoff.desk import AgentDesk, NullDesk
from bot.handoff.texts import customer_text
from bot.handoff.waits import SAMPLE, WINDOW, estimate, format_when, wait_line
from bot.knowledge.hours import ALWAYS_STAFFED, OfficeHours
from bot.settings import Language, Settings
from bot.storage import handoff as repo
from bot.storage.handoff import (
    ABANDONED,
    ACTIVE,
    AGENTS,
    ASSIGNED,
    CUSTOMER,
    DONE,
    HELD,
    PENDING,
    RESOLVED,
    WAITING,
    DayStats,
    EscalationNote,
    EscalationView,
    HandoffOutbox,
)
from bot.storage.models import Conversation, Escalation, Message

if TYPE_CHECKING:
    from bot.storage.store import Store, Turn

log = logging.getLogger(__name__)


SURVEY_TTL = dt.timedelta(days=3)
COMMENT_LIMIT = 1000
FIRST_TRY_GRACE = dt.timedelta(seconds=60)  # a periodic retry leaves a fresh agent message to its first delivery
RETRY_BACKOFF = (30, 60, 120, 300, 600, 1800)  # seconds between retries of a failed customer delivery
_SCORE = re.compile(r"^\s*([1-5一二三四五])\s*(分|星|颗星|stars?|/\s*5)?\s*[.。!！]?\s*$", re.IGNORECASE)
ANGER_STATE = "handoff_anger"  # conversation state: when the bot last answered anger ({"id": escalation, "at": iso})
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


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


@dataclass
class _Deliveries:
    """Customer deliveries to make once the transaction committed."""

    channel: str = ""
    customer_id: str = ""
    replies: list[Reply] = field(default_factory=list)
    agent: tuple[int, AgentMessage] | None = None  # (outbox row id, message)


def parse_score(text: str | None) -> int | None:
    """A satisfaction score typed as text: "4", "５", "4分", "五星", "5 stars"."""
    if not text:
        return None
    match = _SCORE.match(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    value = match.group(1)
    return _CN_DIGITS.get(value) or int(value)


class HandoffService:
    """The human queue over the store, one desk and the channels' deliverers."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        hours: OfficeHours = ALWAYS_STAFFED,
        desk: AgentDesk | None = None,
        deliveries: DeliveryRegistry | None = None,
        clock: Clock = system_clock,
        matcher: Any = None,
        knowledge: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.hours = hours
        self.desk: AgentDesk = desk or NullDesk()
        self.deliveries = deliveries or DeliveryRegistry()
        self.clock = clock
        self.matcher = matcher  # to tell a new question from a survey comment
        self.knowledge = knowledge
        self.wake = asyncio.Event()  # set when the desk has something new to publish
        # Resolves a stored attachment reference to a download (set by the agents' side that made it).
        self.fetcher: Callable[[str], Any] | None = None

    # -- helpers ------------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return as_utc(self.clock())  # type: ignore[return-value]

    @property
    def zone(self) -> dt.tzinfo:
        return self.hours.zone

    def _minutes(self, name: str, default: int) -> int:
        return int(getattr(self.settings, name, default) or default)

    def due(self, start: dt.datetime, priority: int) -> dt.datetime:
        """The first-answer deadline of a hand-off made at `start`, in staffed time."""
        name, default = ("handoff_urgent_sla_minutes", 5) if priority >= URGENT else ("handoff_sla_minutes", 15)
        return self.hours.add_staffed(start, self._minutes(name, default))

    def reply_due(self, start: dt.datetime) -> dt.datetime:
        """When an assigned conversation's customer should have heard from the agent."""
        return self.hours.add_staffed(start, self._minutes("handoff_reply_sla_minutes", 10))

    def notify(self) -> None:
        """Wake the desk's outbox worker."""
        self.wake.set()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        async with self.store.database.sessions() as session, session.begin():
            yield session

    def _queue_desk(self, session: AsyncSession, escalation: Escalation, kind: str, payload: dict[str, Any] | None = None) -> None:
        if self.desk.enabled:
            repo.add_outbox(session, escalation, AGENTS, kind, payload, now=self.now())

    async def estimate(self, session: AsyncSession, now: dt.datetime) -> float | None:
        """The measured wait (staffed seconds), None without enough recent data."""
        return estimate(await repo.recent_waits(session, now - WINDOW, SAMPLE), self.hours)

    async def queue_text(self, session: AsyncSession, escalation: Escalation, language: Language, now: dt.datetime) -> str:
        """Queue position and wait, or when the team is back and will have replied by."""
        if not self.hours.is_open(now):
            opening = self.hours.next_open(now) or now
            due = as_utc(escalation.due_at) or self.due(now, escalation.priority)
            return say(
                "handoff.offline",
                language,
                opening=format_when(opening, now, language, self.zone),
                due=format_when(due, now, language, self.zone),
            )
        position = await repo.queue_position(session, escalation)
        wait = await self.estimate(session, now)
        return f"{say('handoff.queue', language, position=position)}{_space(language)}{wait_line(wait, language)}"

    @staticmethod
    def cancel_option(language: Language) -> Option:
        return Option(say("handoff.cancel", language), Action(ActionKind.HANDOFF, "cancel"))

    # -- inside a customer's turn -------------------------------------------------------------------

    async def active(self, turn: Turn) -> Escalation | None:
        """The conversation's open escalation: while there is one, a person handles the conversation."""
        return await repo.active_escalation(turn.session, turn.conversation.id)

    async def open_in_turn(self, ctx: TurnContext, turn: Turn, message_id: int | None) -> Escalation:
        """The engine handed off this turn: queue the escalation and finish the hand-off reply
        (queue position and honest wait, or office hours; the "back to the assistant" button)."""
        assert ctx.handoff is not None
        session, conversation = turn.session, turn.conversation
        now = self.now()
        escalation = await repo.active_escalation(session, conversation.id)
        if escalation is None:
            escalation = Escalation(
                conversation_id=conversation.id,
                reason=ctx.handoff.reason,
                priority=ctx.handoff.priority,
                status=WAITING,
                language=ctx.language,
                created_at=now,
                updated_at=now,
                due_at=self.due(now, ctx.handoff.priority),
                last_ack_at=now,
            )
            session.add(escalation)
            await session.flush()
            self._queue_desk(session, escalation, events.OPENED, {"upto": message_id})
        elif ctx.handoff.priority > escalation.priority:
            await self._raise_priority(session, escalation, ctx.handoff, now)
        text = await self.queue_text(session, escalation, ctx.language, now)
        for draft in reversed(ctx.drafts):
            if draft.kind is ReplyKind.HANDOFF:
                draft.text = f"{draft.text}\n{text}"
                draft.options = tuple(o for o in draft.options if o.action.kind is not ActionKind.HANDOFF)
                draft.options += (self.cancel_option(ctx.language),)
                break
        return escalation

    async def _raise_priority(self, session: AsyncSession, escalation: Escalation, handoff: Handoff, now: dt.datetime) -> None:
        escalation.priority = handoff.priority
        escalation.reason = handoff.reason
        escalation.updated_at = now
        if escalation.status == WAITING:
            sooner = self.due(as_utc(escalation.created_at) or now, handoff.priority)
            escalation.due_at = min(as_utc(escalation.due_at) or sooner, sooner)
        self._queue_desk(session, escalation, events.STATUS, {"event": "priority", "reason": handoff.reason})

    async def in_person(
        self, ctx: TurnContext, turn: Turn, inbound: Inbound, action: Action | None, escalation: Escalation, text: str
    ) -> bool:
        """A customer message while a person handles the conversation. The bot stays out of the way but
        never leaves the customer writing into silence (`bot.handoff.acks`): it acknowledges after a
        pause, raises the priority when anger or a complaint shows and says so, and cancels the hand-off
        when asked. Returns True when the message is for the person (to relay)."""
        now = self.now()
        language = ctx.language
        cancel_words = action is None and is_cancel(text, strict=escalation.status == ASSIGNED)
        if (action is not None and action.kind is ActionKind.HANDOFF) or cancel_words:
            await self.cancel_in_turn(ctx, turn, escalation, now)
            return False
        if action is not None:
            # Menu buttons, /start, /help, old buttons: the person has the conversation; say so.
            if action.kind is ActionKind.MENU and action.value == "human" and escalation.status == WAITING:
                escalation.last_ack_at = now
                ack = await self.queue_text(turn.session, escalation, language, now)
                ctx.reply(f"{say('handoff.ack', language)}{_space(language)}{ack}", ReplyKind.HANDOFF, (self.cancel_option(language),))
            else:
                ctx.reply(say("handoff.with_person", language), ReplyKind.INFO, (self.cancel_option(language),))
            return False
        assigned = escalation.status == ASSIGNED
        if assigned and escalation.due_at is None:
            escalation.due_at = self.reply_due(now)  # the customer now waits for the agent's answer
        upset = self._upset(inbound.text) if inbound.kind is InboundKind.TEXT else None
        raised = False
        if upset is not None and upset.priority > escalation.priority:
            await self._raise_priority(turn.session, escalation, upset, now)  # the agents' topic says so
            raised = True
        angry_state = ctx.state.get(ANGER_STATE)
        last_angry = (
            _parse_time(angry_state.get("at")) if isinstance(angry_state, dict) and angry_state.get("id") == escalation.id else None
        )
        ack = decide(
            assigned=assigned,
            now=now,
            last_ack=as_utc(escalation.last_ack_at),
            last_angry_ack=last_angry,
            due=as_utc(escalation.due_at),
            angry=upset is not None,
            raised=raised,
            pause=dt.timedelta(minutes=self._minutes("handoff_ack_minutes", 5)),
        )
        if ack is not None:
            escalation.last_ack_at = now
            if upset is not None:
                ctx.state[ANGER_STATE] = {"id": escalation.id, "at": now.isoformat()}
            line = await self._ack_line(turn.session, escalation, ack, language, now)
            ctx.reply(line, ReplyKind.HANDOFF, (self.cancel_option(language),))
        return True

    def _upset(self, text: str | None) -> Handoff | None:
        """Anger (the lexicon of `bot.engine.handoff`) or a complaint (the message matches an FAQ entry
        marked `handoff: complaint`), as the hand-off it calls for; None for an ordinary message."""
        if not text:
            return None
        if is_angry(text):
            return Handoff("anger", PRIORITY["anger"])
        if self.matcher is None or self.knowledge is None:
            return None
        try:
            result = self.matcher.match(text)
        except Exception:  # noqa: BLE001 - an unreadable message is not a complaint
            return None
        best = result.best
        if result.decision != "answer" or best is None:
            return None
        entry = self.knowledge.entry(best.intent_id)
        if entry is not None and entry.handoff == "complaint":
            return Handoff("complaint", PRIORITY["complaint"])
        return None

    async def _ack_line(self, session: AsyncSession, escalation: Escalation, ack: Ack, language: Language, now: dt.datetime) -> str:
        """The words for an acknowledgement decided by `bot.handoff.acks.decide`."""
        agent = escalation.agent_name or customer_text("wait.someone", language)
        if escalation.status == ASSIGNED:
            if ack is Ack.URGENT:
                return customer_text("wait.urgent.assigned", language, agent=agent)
            key = "wait.agent_late.urgent" if escalation.priority >= URGENT else "wait.agent_late"
            return customer_text(key, language, agent=agent)
        queue = await self.queue_text(session, escalation, language, now)
        if ack is Ack.URGENT:
            return f"{customer_text('wait.urgent', language)}{_space(language)}{queue}"
        if ack is Ack.STILL_URGENT:
            return f"{customer_text('wait.still_urgent', language)}{_space(language)}{queue}"
        if self.hours.is_open(now):
            return f"{say('handoff.ack', language)}{_space(language)}{queue}"
        opening = self.hours.next_open(now) or now
        due = as_utc(escalation.due_at) or self.due(now, escalation.priority)
        return say(
            "handoff.ack.offline",
            language,
            opening=format_when(opening, now, language, self.zone),
            due=format_when(due, now, language, self.zone),
        )

    async def cancel_in_turn(self, ctx: TurnContext, turn: Turn, escalation: Escalation, now: dt.datetime) -> None:
        """The customer went back to the bot."""
        escalation.status = ABANDONED
        escalation.resolution = "cancelled"
        escalation.resolved_at = now
        escalation.due_at = None
        self._queue_desk(turn.session, escalation, events.STATUS, {"event": "cancelled"})
        ctx.state.pop(ANGER_STATE, None)
        ctx.low_confidence_streak = 0
        ctx.reply(ctx.say("handoff.cancelled"), ReplyKind.INFO, ctx.menu_options())

    async def relay(self, turn: Turn, escalation: Escalation, message_id: int) -> None:
        """Queue the customer's stored message for the agents."""
        self._queue_desk(turn.session, escalation, events.MESSAGE, {"ids": [message_id]})

    async def survey(self, ctx: TurnContext, turn: Turn, action: Action | None, text: str) -> bool:
        """The satisfaction survey after an agent closed the conversation. True when this message was
        the survey's (a score, a comment, Skip); False to handle it as usual (the survey is dropped)."""
        state = ctx.state.get("survey")
        if action is not None and action.kind is ActionKind.SURVEY:
            escalation = await self._rated(turn, action.message_id)
            if escalation is None:
                ctx.reply(ctx.say("stale"), ReplyKind.STALE)
                return True
            if action.value == "skip":
                ctx.state.pop("survey", None)
                ctx.reply(ctx.say("survey.thanks"), ReplyKind.INFO)
                return True
            score = parse_score(action.value)
            if score is None:
                ctx.reply(ctx.say("stale"), ReplyKind.STALE)
                return True
            self._score(ctx, turn, escalation, score)
            return True
        if not state:
            return False
        at = _parse_time(state.get("at"))
        if at is None or self.now() - at > SURVEY_TTL or action is not None or not text:
            ctx.state.pop("survey", None)
            return False
        escalation = await self._rated(turn, state.get("id"))
        if escalation is None:
            ctx.state.pop("survey", None)
            return False
        if state.get("step") == "score":
            score = parse_score(text)
            if score is None:
                ctx.state.pop("survey", None)
                return False
            self._score(ctx, turn, escalation, score)
            return True
        if self._is_question(text):
            ctx.state.pop("survey", None)
            return False
        escalation.survey_comment = text[:COMMENT_LIMIT]
        escalation.survey_at = self.now()
        ctx.state.pop("survey", None)
        self._queue_desk(turn.session, escalation, events.SURVEY, {"score": escalation.survey_score, "comment": escalation.survey_comment})
        ctx.reply(ctx.say("survey.thanks"), ReplyKind.INFO)
        return True

    def _score(self, ctx: TurnContext, turn: Turn, escalation: Escalation, score: int) -> None:
        escalation.survey_score = score
        escalation.survey_at = self.now()
        ctx.state["survey"] = {"id": escalation.id, "step": "comment", "at": self.now().isoformat()}
        self._queue_desk(turn.session, escalation, events.SURVEY, {"score": score, "comment": None})
        skip = Option(ctx.say("survey.skip"), Action(ActionKind.SURVEY, "skip", escalation.id))
        ctx.reply(ctx.say("survey.comment"), ReplyKind.INFO, (skip,))

    async def _rated(self, turn: Turn, escalation_id: object) -> Escalation | None:
        if not isinstance(escalation_id, int):
            return None
        escalation = await turn.session.get(Escalation, escalation_id)
        if escalation is None or escalation.conversation_id != turn.conversation.id or escalation.status != RESOLVED:
            return None
        return escalation

    def _is_question(self, text: str) -> bool:
        """A new question for the bot rather than a comment on the service."""
        if self.matcher is None:
            return False
        try:
            result = self.matcher.match(text)
        except Exception:  # noqa: BLE001 - a comment is the safe reading
            return False
        best = result.best
        if result.decision != "answer" or best is None:
            return False
        entry = self.knowledge.entry(best.intent_id) if self.knowledge is not None else None
        small_talk = best.intent_id.startswith(("smalltalk.", "handoff.")) or bool(entry is not None and entry.merged)
        return not small_talk

    async def after_commit(self, conversation_id: int, flush: bool) -> None:
        """After a customer's turn: wake the desk, and deliver agent messages the customer missed."""
        self.notify()
        if flush:
            await self.flush(conversation_id)

    # -- agents -------------------------------------------------------------------------------------

    async def escalation(self, escalation_id: int) -> EscalationView | None:
        async with self._tx() as session:
            loaded = await repo.load(session, escalation_id)
            return repo.view(*loaded) if loaded else None

    async def escalation_for_topic(self, chat_id: int, topic_id: int) -> EscalationView | None:
        async with self._tx() as session:
            escalation_id = await repo.by_topic(session, chat_id, topic_id)
            if escalation_id is None:
                return None
            loaded = await repo.load(session, escalation_id)
            return repo.view(*loaded) if loaded else None

    async def set_topic(self, escalation_id: int, chat_id: int, topic_id: int | None, card_message_id: int | None) -> None:
        """Remember where the escalation lives in the agents' chat."""
        async with self._tx() as session:
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
            conversation_id=conversation.id, direction="out", kind=ReplyKind.INFO.value, text=text, language=language, created_at=self.now()
        )
        session.add(message)
        if options:
            state = dict(conversation.state or {})
            state["options"] = [
                {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id} for o in options
            ]
            conversation.state = state
        return Reply(text=text, kind=ReplyKind.INFO, language=language, options=options)

    async def take(self, escalation_id: int, agent: Agent) -> OpResult:
        """An agent takes the conversation (or takes it over from a colleague)."""
        deliveries = _Deliveries()
        async with self._tx() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            if escalation.status == ASSIGNED and escalation.agent_id == agent.id:
                return OpResult("already_yours", repo.view(escalation, conversation))
            code = self._assign(session, escalation, conversation, agent, deliveries)
            result = OpResult(code, repo.view(escalation, conversation))
        await self._deliver(deliveries)
        self.notify()
        return result

    def _assign(self, session: AsyncSession, escalation: Escalation, conversation: Conversation, agent: Agent, deliveries: _Deliveries) -> str:
        now = self.now()
        previous = escalation.agent_name if escalation.status == ASSIGNED else None
        escalation.status = ASSIGNED
        escalation.agent_id, escalation.agent_name = agent.id, agent.name
        escalation.assigned_at = escalation.assigned_at or now
        escalation.due_at = self.reply_due(now)
        escalation.last_announced_at = None
        escalation.updated_at = now
        code = "taken_over" if previous else "taken"
        self._queue_desk(session, escalation, events.STATUS, {"event": code, "agent": agent.name, "previous": previous})
        deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
        deliveries.replies.append(self._record_notice(session, conversation, "handoff.taken", agent=agent.name))
        return code

    async def release(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent gives the conversation back to the queue for a colleague."""
        deliveries = _Deliveries()
        async with self._tx() as session:
            loaded = await repo.load(session, escalation_id, lock=True)
            if loaded is None:
                return OpResult("not_found")
            escalation, conversation = loaded
            if escalation.status != ASSIGNED:
                return OpResult("not_assigned" if escalation.status == WAITING else "inactive", repo.view(escalation, conversation))
            now = self.now()
            name = escalation.agent_name or agent.name
            escalation.status = WAITING
            escalation.agent_id = escalation.agent_name = None
            escalation.due_at = self.hours.add_staffed(now, self._minutes("handoff_urgent_sla_minutes", 5))
            escalation.last_announced_at = now  # the release itself is the announcement
            escalation.updated_at = now
            self._queue_desk(session, escalation, events.STATUS, {"event": "released", "agent": agent.name})
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            deliveries.replies.append(self._record_notice(session, conversation, "handoff.released", agent=name))
            result = OpResult("released", repo.view(escalation, conversation))
        await self._deliver(deliveries)
        self.notify()
        return result

    async def close(self, escalation_id: int, agent: Agent) -> OpResult:
        """The agent closes the conversation: the customer is back with the bot and gets the survey."""
        return await self._finish(escalation_id, agent, "closed")

    async def give_back(self, escalation_id: int, agent: Agent) -> OpResult:
        """/bot: the bot answers again (no survey: the conversation goes on)."""
        return await self._finish(escalation_id, agent, "to_bot")

    async def _load_active(self, session: AsyncSession, escalation_id: int) -> tuple[Escalation, Conversation] | OpResult:
        """The escalation (locked) and its conversation, or the OpResult to answer when it is gone or over."""
        loaded = await repo.load(session, escalation_id, lock=True)
        if loaded is None:
            return OpResult("not_found")
        escalation, conversation = loaded
        if escalation.status not in ACTIVE:
            return OpResult("inactive", repo.view(escalation, conversation))
        return escalation, conversation

    async def _finish(self, escalation_id: int, agent: Agent, resolution: str) -> OpResult:
        deliveries = _Deliveries()
        async with self._tx() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            now = self.now()
            escalation.status = RESOLVED
            escalation.resolution = resolution
            escalation.resolved_at = now
            escalation.due_at = None
            escalation.updated_at = now
            if escalation.agent_id is None:
                escalation.agent_id, escalation.agent_name = agent.id, agent.name
            self._queue_desk(session, escalation, events.STATUS, {"event": resolution, "agent": agent.name})
            deliveries.channel, deliveries.customer_id = conversation.channel, conversation.customer_id
            language: Language = conversation.language  # type: ignore[assignment]
            state = dict(conversation.state or {})
            state.pop("flow", None)
            state.pop(ANGER_STATE, None)
            if resolution == "closed":
                conversation.state = {**state, "survey": {"id": escalation.id, "step": "score", "at": now.isoformat()}}
                deliveries.replies.append(self._record_notice(session, conversation, "handoff.closed"))
                scores = tuple(
                    Option(f"{n} {'⭐' * n}", Action(ActionKind.SURVEY, str(n), escalation.id)) for n in range(1, 6)
                )
                deliveries.replies.append(self._record_notice(session, conversation, "survey.ask", scores))
            else:
                conversation.state = state
                menu = TurnContext(language=language, brand=self.settings.brand_name, state={}, low_confidence_streak=0).menu_options()
                deliveries.replies.append(self._record_notice(session, conversation, "handoff.to_bot", menu))
            conversation.low_confidence_streak = 0
            result = OpResult("closed" if resolution == "closed" else "given_back", repo.view(escalation, conversation))
        await self._deliver(deliveries)
        self.notify()
        return result

    async def note(self, escalation_id: int, agent: Agent, text: str) -> OpResult:
        """An internal note: kept with the escalation, never sent to the customer."""
        async with self._tx() as session:
            loaded = await repo.load(session, escalation_id)
            if loaded is None:
                return OpResult("not_found")
            escalation, conversation = loaded
            session.add(EscalationNote(escalation_id=escalation.id, agent_id=agent.id, agent_name=agent.name, text=storable(text), created_at=self.now()))
            return OpResult("noted", repo.view(escalation, conversation))

    async def notes(self, escalation_id: int) -> list[EscalationNote]:
        async with self._tx() as session:
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
        deliveries = _Deliveries()
        text = storable_or_none(text)  # what the agents' chat delivered, made storable like a customer's text
        async with self._tx() as session:
            loaded = await self._load_active(session, escalation_id)
            if isinstance(loaded, OpResult):
                return loaded
            escalation, conversation = loaded
            now = self.now()
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
        code = await self._deliver(deliveries)
        self.notify()
        return OpResult(code, view)

    async def _deliver(self, deliveries: _Deliveries) -> str:
        """Send what a committed change owes the customer; keep an agent message that cannot go."""
        if not deliveries.channel:
            return "delivered"
        deliverer = self.deliveries.get(deliveries.channel)
        if deliveries.replies and deliverer is not None:
            try:
                await deliverer.send_replies(deliveries.customer_id, deliveries.replies)
            except Exception as exc:  # noqa: BLE001 - a notice is best effort; the transcript has it
                log.info("notice to %s:%s not delivered: %s", deliveries.channel, deliveries.customer_id, exc)
        if deliveries.agent is None:
            return "delivered"
        outbox_id, message = deliveries.agent
        if deliverer is None:
            await self._undelivered(outbox_id, HELD, "offline", f"no {deliveries.channel} channel running in this process")
            return "held"
        try:
            await deliverer.send_agent_message(deliveries.customer_id, message)
        except CustomerUnreachable as exc:
            await self._undelivered(outbox_id, HELD, "unreachable", str(exc))
            return "held"
        except Exception as exc:  # noqa: BLE001 - DeliveryFailed and anything unexpected: retried later
            log.warning("agent message to %s:%s failed, will retry: %s", deliveries.channel, deliveries.customer_id, exc)
            await self._undelivered(outbox_id, PENDING, "failed", str(exc) or type(exc).__name__)
            return "pending"
        async with self._tx() as session:
            row = await session.get(HandoffOutbox, outbox_id)
            if row is not None:
                row.status, row.done_at, row.attempts = DONE, self.now(), row.attempts + 1
        return "delivered"

    async def _undelivered(self, outbox_id: int, status: str, reason: str, error: str) -> None:
        async with self._tx() as session:
            row = await session.get(HandoffOutbox, outbox_id)
            if row is None:
                return
            first = row.attempts == 0
            row.attempts += 1
            row.status = status
            row.error = error[:500]
            row.not_before = self.now() + dt.timedelta(seconds=RETRY_BACKOFF[min(row.attempts, len(RETRY_BACKOFF)) - 1])
            if first:
                escalation = await session.get(Escalation, row.escalation_id)
                if escalation is not None:
                    self._queue_desk(session, escalation, events.UNDELIVERED, {"message_id": row.payload.get("message_id"), "reason": reason})
        self.notify()

    def _attachment(self, payload: dict[str, Any], reference: str | None) -> Attachment | None:
        if not reference or payload.get("kind") not in ("photo", "document"):
            return None
        fetch = self.fetcher(reference) if self.fetcher is not None else None
        return Attachment(
            kind=payload["kind"], reference=reference, file_name=payload.get("file_name"), mime_type=payload.get("mime_type"), fetch=fetch
        )

    async def flush(self, conversation_id: int, *, held: bool = True) -> int:
        """Deliver the agent messages this customer has not got yet, oldest first; how many went."""
        async with self._tx() as session:
            rows = [r for r in await repo.undelivered(session, conversation_id) if held or r.status == PENDING]
            conversation = await session.get(Conversation, conversation_id)
            if not rows or conversation is None:
                return 0
            items = []
            for row in rows:
                message = await session.get(Message, row.payload.get("message_id"))
                items.append((row.id, row.status, row.escalation_id, message.text if message else None, message.attachment if message else None, dict(row.payload)))
            channel, customer_id, language = conversation.channel, conversation.customer_id, conversation.language
        deliverer = self.deliveries.get(channel)
        if deliverer is None:
            return 0
        sent: list[int] = []
        escalations: set[int] = set()
        try:
            if any(status == HELD for _, status, *_ in items):
                await deliverer.send_replies(customer_id, [Reply(say("handoff.while_away", language), ReplyKind.INFO, language)])  # type: ignore[arg-type]
            for outbox_id, _, escalation_id, text, reference, payload in items:
                message = AgentMessage(
                    escalation_id=escalation_id,
                    language=language,  # type: ignore[arg-type]
                    text=text,
                    attachment=self._attachment(payload, reference),
                    agent_name=payload.get("agent"),
                )
                await deliverer.send_agent_message(customer_id, message)
                sent.append(outbox_id)
                escalations.add(escalation_id)
        except Exception as exc:  # noqa: BLE001 - still unreachable: keep the rest, try again later
            log.info("undelivered agent messages for conversation %s still not delivered: %s", conversation_id, exc)
            async with self._tx() as session:
                for outbox_id, *_ in items:
                    row = await session.get(HandoffOutbox, outbox_id)
                    if row is not None and outbox_id not in sent:
                        row.attempts += 1
                        row.error = str(exc)[:500] or type(exc).__name__
                        row.not_before = self.now() + dt.timedelta(seconds=RETRY_BACKOFF[min(row.attempts, len(RETRY_BACKOFF)) - 1])
        if sent:
            async with self._tx() as session:
                for outbox_id in sent:
                    row = await session.get(HandoffOutbox, outbox_id)
                    if row is not None:
                        row.status, row.done_at = DONE, self.now()
                for escalation_id in escalations:
                    escalation = await session.get(Escalation, escalation_id)
                    if escalation is not None:
                        self._queue_desk(session, escalation, events.STATUS, {"event": "delivered_late", "count": len(sent)})
            self.notify()
        return len(sent)

    # -- the queue, statistics, the periodic sweep --------------------------------------------------

    async def queue(self, statuses: Sequence[str] = ACTIVE) -> list[EscalationView]:
        """Escalations by priority, then age."""
        async with self._tx() as session:
            return await repo.views(session, statuses)

    async def stats(self, now: dt.datetime | None = None) -> DayStats:
        """Today's figures (the day in the office-hours time zone)."""
        now = now or self.now()
        local = now.astimezone(self.zone)
        start = dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=self.zone).astimezone(dt.UTC)
        async with self._tx() as session:
            return await repo.day_stats(session, start, start + dt.timedelta(days=1))

    async def sweep(self, now: dt.datetime | None = None) -> int:
        """Announce overdue escalations again (at most every HANDOFF_REANNOUNCE_MINUTES) and retry agent
        messages that failed for a temporary reason. Returns how many escalations were announced."""
        now = now or self.now()
        every = dt.timedelta(minutes=self._minutes("handoff_reannounce_minutes", 10))
        announced = 0
        async with self._tx() as session:
            for escalation in await repo.overdue(session, now, now - every):
                escalation.last_announced_at = now
                self._queue_desk(session, escalation, events.OVERDUE, {"due": (as_utc(escalation.due_at) or now).isoformat()})
                announced += 1
            retry = await session.scalars(
                select(HandoffOutbox.conversation_id)
                .where(HandoffOutbox.target == CUSTOMER, HandoffOutbox.status == PENDING, HandoffOutbox.not_before <= now)
                .distinct()
            )
            conversations = list(retry.all())
        for conversation_id in conversations:
            await self.flush(conversation_id, held=False)
        if announced:
            self.notify()
        return announced


def _space(language: str) -> str:
    return "" if language.startswith("zh") else " "


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        return None
