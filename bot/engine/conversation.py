"""The conversation engine: one customer message in, the replies out, state kept in the database.

Channels go through `Runtime.handle`, which calls `Engine.handle` and then does what the turn owes the
hand-off (delivering agent messages the customer missed); nothing here knows about Telegram or SMS,
and nothing here imports the hand-off: it is reached through the `HumanQueue` port.
Each message is one database transaction (see `Store.turn`), so a restart never loses half a turn.
The turn is the only writer of `conversation.state` (see `_turn`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from bot.engine import reminder_choice, ticket_survey
from bot.engine.choices import typed_number
from bot.engine.commands import parse_command
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.flows import Flow, TicketLookup
from bot.engine.handoff import PRIORITY, hand_off, is_angry
from bot.engine.language import resolve_language
from bot.engine.messages import LANGUAGE_NAMES
from bot.engine.ports import HumanQueue
from bot.engine.types import (
    Action,
    ActionKind,
    Handoff,
    Inbound,
    InboundKind,
    KeepWithTurn,
    Option,
    Outcome,
    Reply,
    ReplyKind,
)
from bot.knowledge import FaqEntry, KnowledgeBase
from bot.nlu.matcher import IntentMatcher
from bot.settings import LANGUAGES, Settings
from bot.storage.store import OutboundRow, Store, Turn

log = logging.getLogger(__name__)

# Replies that make no sense next to a hand-off for anger (the person takes it from here).
_DROPPED_FOR_ANGER = (ReplyKind.NOT_UNDERSTOOD, ReplyKind.CLARIFY, ReplyKind.MENU)


class Engine:
    """Channel-agnostic conversation logic over a knowledge base, a matcher and the store."""

    def __init__(
        self,
        settings: Settings,
        knowledge: KnowledgeBase,
        matcher: IntentMatcher,
        store: Store,
        handoff: HumanQueue,
        flows: Sequence[Flow] = (),
        lookups: Sequence[TicketLookup] = (),
    ) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.store = store
        self.faq = FaqStep(
            knowledge, matcher, settings.handoff_after_low_confidence, far_below=getattr(settings, "handoff_far_below", None)
        )
        self.flows: dict[str, Flow] = {flow.name: flow for flow in flows}
        # Ticket numbers typed outside any flow ("F7K-4Q2 怎么样了") are looked up before the FAQ.
        self.lookups = tuple(lookups)
        # The human queue: while a person handles a conversation the bot relays instead of answering.
        self.handoff = handoff
        # Messages of one customer are handled one at a time; different customers run concurrently.
        self._locks = CustomerLocks()

    async def handle(self, inbound: Inbound, keep: KeepWithTurn | None = None) -> Outcome:
        """Handle one customer message and return what to send back (`keep`: the channel's own rows,
        written in the turn's transaction once the turn is done; not for a redelivery).

        Delivers nothing: agent messages the customer has not received yet are only reported
        (`Outcome.undelivered`); `Runtime.handle` delivers them once the turn committed, unless the
        channel's `keep` took them into the turn's transaction (SMS).
        """
        async with self._locks.hold((inbound.channel, inbound.customer_id)):
            return await self._handle(inbound, keep)

    async def _handle(self, inbound: Inbound, keep: KeepWithTurn | None) -> Outcome:
        hint = inbound.language_hint or self.settings.default_language
        try:
            async with self.store.turn(
                inbound.channel, inbound.customer_id, language=hint, display_name=inbound.display_name
            ) as turn:
                outcome = await self._turn(inbound, turn)
                if keep is not None:
                    await keep(turn.session, outcome)
                return outcome
        except _Redelivered as redelivered:
            return redelivered.outcome

    async def _turn(self, inbound: Inbound, turn: Turn) -> Outcome:
        conversation = turn.conversation
        ctx = TurnContext(
            language=conversation.language,  # type: ignore[arg-type]
            brand=self.settings.brand_name,
            # A deep copy: flows change nested dicts, and `turn.save` finds a change by comparing with the stored one.
            state=copy.deepcopy(conversation.state or {}),
            low_confidence_streak=conversation.low_confidence_streak,
        )
        text = (inbound.text or "").strip()
        action = inbound.action
        typed_choice = None
        # While a person has the conversation, a bare number is for them ("2" answering their question),
        # not a choice from the bot's last list: only while still waiting may "1" pick "back to the assistant".
        # Opening the turn may already have said that nobody has the conversation (`Turn.probe`).
        escalation = await self.handoff.active(turn) if turn.probe is None or turn.probe.escalated else None
        if action is None and inbound.kind is InboundKind.TEXT:
            choice = _numbered_choice(ctx, text) if escalation is None or escalation.status == "waiting" else None
            action = typed_choice = parse_command(text) or choice
        if text and typed_choice is None:
            # Only words the customer wrote say which language they use; "/start" or "2" does not. A
            # channel may pass words with an action (an SMS "REPAIR X20 screen broken"): those count.
            ctx.language = resolve_language(text, ctx.language, conversation.language_locked)
        relay = False
        if escalation is not None:
            # A person handles this conversation: relay the message, answer nothing on our own.
            ctx.state.pop("options", None)
            if action is not None and action.kind is ActionKind.LANGUAGE:
                self._language(ctx, action, turn)
            else:
                relay = await self.handoff.in_person(ctx, turn, inbound, action, escalation, text)
            _remember_options(ctx)
        elif await self.handoff.survey(ctx, turn, action, text) or await self._aftercare(ctx, turn, action, text):
            ctx.state.pop("options", None)
            _remember_options(ctx)
        else:
            await self._dispatch(ctx, inbound, action, turn)
        # The customer's message is stored last, with what the bot understood of it. A conflict on its
        # external id means the channel delivered it before: undo the whole turn, answer nothing.
        inbound_row = (inbound.kind.value, inbound.text, ctx.language, inbound.external_id, inbound.attachment)
        plain = not relay and ctx.handoff is None
        if plain:
            # Nothing needs the inbound message's id before the replies are stored: one statement for both.
            message_id, ids = await turn.record_exchange(
                *inbound_row, _reply_rows(ctx), intent_id=ctx.intent_id, confidence=ctx.confidence
            )
        else:
            message_id = await turn.record_inbound(*inbound_row, intent_id=ctx.intent_id, confidence=ctx.confidence)
        if message_id is None:
            raise _Redelivered(Outcome(replies=(), conversation_id=conversation.id, language=ctx.language, duplicate=True))
        if not plain:
            if relay and escalation is not None:
                await self.handoff.relay(turn, escalation, message_id)
            elif ctx.handoff is not None:
                await self.handoff.open_in_turn(ctx, turn, message_id)
                ctx.state.pop("options", None)
                _remember_options(ctx)  # the hand-off reply now offers "back to the assistant"
            ids = await turn.record_replies(_reply_rows(ctx))
        replies = _replies(ctx, ids)
        # A turn that touched no hand-off can trust what it saw when it opened (nothing else wrote since).
        probe = turn.probe if plain and escalation is None else None
        undelivered = probe.undelivered if probe is not None else await turn.has_undelivered()
        # The one writer of the conversation state inside a turn: flows and the hand-off change `ctx.state`.
        await turn.save(ctx.language, ctx.low_confidence_streak, ctx.state)
        return Outcome(
            replies=replies,
            conversation_id=conversation.id,
            language=ctx.language,
            handoff=ctx.handoff,
            relayed=relay,
            undelivered=undelivered,
        )

    async def _aftercare(self, ctx: TurnContext, turn: Turn, action: Action | None, text: str) -> bool:
        """After a repair: the answer to its survey, reminders switched off or on (True when it was one)."""
        return await ticket_survey.handle(ctx, turn, action, text) or reminder_choice.handle(ctx, turn, action, text)

    async def _dispatch(self, ctx: TurnContext, inbound: Inbound, action: Action | None, turn: Turn) -> None:
        text = (inbound.text or "").strip()
        # A pending list of options is only valid for the very next message.
        ctx.state.pop("options", None)
        flow = self.flows.get(ctx.state.get("flow", ""))
        angry = action is None and inbound.kind is InboundKind.TEXT and is_angry(text)
        if angry and flow is not None and not flow.hears_anger(ctx):
            # Clear anger in the middle of a form: stop asking questions, a person takes it from here.
            flow.leave(ctx)
            hand_off(ctx, "anger")
        elif flow is not None and (action is None or action.kind is not ActionKind.RESET):
            await flow.step(ctx, turn, inbound, action)
        elif action is not None:
            await self._act(ctx, action, turn, inbound)
        elif inbound.kind is not InboundKind.TEXT and not text:
            ctx.reply(ctx.say("unsupported"), ReplyKind.UNSUPPORTED)
        elif not text:
            ctx.reply(ctx.say("empty"), ReplyKind.INFO)
        elif len(text) > self.settings.max_message_chars:
            hand_off(ctx, "too_long", ctx.say("too_long", limit=self.settings.max_message_chars))
        elif _looks_garbled(text):
            self.faq.not_understood(ctx)
            if ctx.handoff is None:
                ctx.drafts[-1].text = ctx.say("unreadable")
        elif not await self._look_up(ctx, turn, text):
            matched = self.faq.understand(ctx, text)
            if matched is not None:
                await self._answer(ctx, *matched, turn, inbound)
            started = self.flows.get(ctx.state.get("flow", ""))
            # A complaint form just started takes the anger in (it ends with a person, with priority);
            # any other flow just started is left again: a person takes it from here.
            if angry and (started is None or not started.hears_anger(ctx)):
                if started is not None:
                    started.leave(ctx)
                _escalate_anger(ctx)
        _remember_options(ctx)

    async def _look_up(self, ctx: TurnContext, turn: Turn, text: str) -> bool:
        """A ticket number in the message, answered by the feature that issued it (True), else False."""
        for lookup in self.lookups:
            if await lookup.look_up(ctx, turn, text):
                ctx.low_confidence_streak = 0
                return True
        return False

    async def _answer(self, ctx: TurnContext, entry: FaqEntry, confidence: float | None, turn: Turn, inbound: Inbound) -> None:
        """Answer an entry, or start the flow it names (e.g. "我要报修" starts the booking)."""
        flow = self.flows.get(entry.flow or "")
        if flow is None:
            self.faq.answer(ctx, entry, confidence)
            return
        ctx.intent_id, ctx.confidence = entry.id, confidence
        ctx.low_confidence_streak = 0
        await flow.start(ctx, turn, inbound, entry.id)

    async def _act(self, ctx: TurnContext, action: Action, turn: Turn, inbound: Inbound) -> None:
        # A button or command is the customer steering the conversation: no longer "lost".
        ctx.low_confidence_streak = 0
        if action.kind is ActionKind.RESET:
            ctx.state.clear()
            ctx.reply(ctx.say("welcome", brand=ctx.brand), ReplyKind.MENU, ctx.menu_options())
        elif action.kind is ActionKind.HELP:
            ctx.reply(ctx.say("help"), ReplyKind.INFO, ctx.menu_options())
        elif action.kind is ActionKind.LANGUAGE:
            self._language(ctx, action, turn)
        elif action.kind is ActionKind.INTENT:
            entry = self.knowledge.entry(action.value)
            if entry is None:
                ctx.reply(ctx.say("stale"), ReplyKind.STALE)
            else:
                await self._answer(ctx, entry, None, turn, inbound)
        elif action.kind is ActionKind.FEEDBACK:
            await self._feedback(ctx, action, turn)
        elif action.kind is ActionKind.MENU:
            await self._menu(ctx, action.value, turn, inbound)
        elif action.kind is ActionKind.HANDOFF:
            # "Back to the assistant" pressed when no person has the conversation (any more).
            ctx.reply(ctx.say("handoff.not_active"), ReplyKind.INFO, ctx.menu_options())
        else:  # pragma: no cover - every ActionKind is handled above (SURVEY by the hand-off service)
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)

    async def _menu(self, ctx: TurnContext, item: str, turn: Turn, inbound: Inbound) -> None:
        if item == "faq":
            self.faq.popular(ctx)
        elif item == "human":
            hand_off(ctx, "human")
        elif item in ("book", "status") and "booking" in self.flows:
            await self.flows["booking"].start(ctx, turn, inbound, f"menu.{item}")
        elif item in ("book", "status"):
            # Booking is its own feature; until a knowledge base enables it, a person arranges it.
            hand_off(ctx, "booking", ctx.say("feature.off"))
        else:
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)

    def _language(self, ctx: TurnContext, action: Action, turn: Turn) -> None:
        if action.value in LANGUAGES:
            ctx.language = action.value  # type: ignore[assignment]
            turn.conversation.language_locked = True
            ctx.reply(ctx.say("language.changed"), ReplyKind.INFO, ctx.menu_options())
        elif not action.value:
            options = tuple(Option(LANGUAGE_NAMES[lang], Action(ActionKind.LANGUAGE, lang)) for lang in LANGUAGES)
            ctx.reply(ctx.say("language.choose"), ReplyKind.INFO, options)
        else:
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)

    async def _feedback(self, ctx: TurnContext, action: Action, turn: Turn) -> None:
        target = await turn.outbound_message(action.message_id) if action.message_id is not None else None
        if target is None or target.kind != ReplyKind.ANSWER.value or action.value not in ("up", "down"):
            ctx.reply(ctx.say("stale"), ReplyKind.STALE)
            return
        target.feedback = 1 if action.value == "up" else -1
        ctx.reply(ctx.say("feedback.thanks" if action.value == "up" else "feedback.sorry"), ReplyKind.INFO)

class CustomerLocks:
    """One lock per (channel, customer): a customer's messages are handled one at a time.

    Used by the engine for its turns and by `Runtime.handle` around a turn and its deliveries, so a
    customer's next message waits until the agent messages owed after this one went out.
    """

    def __init__(self) -> None:
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        """Hold the customer's lock for the block; the lock is forgotten once nobody waits for it."""
        lock = self._locks[key]
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(key, None)


def _escalate_anger(ctx: TurnContext) -> None:
    """A complaint or clear anger: hand off with priority, whatever the FAQ made of the message."""
    priority = PRIORITY["anger"]
    if ctx.handoff is not None:
        if ctx.handoff.priority < priority:
            ctx.handoff = Handoff("anger", priority)
            for draft in ctx.drafts:
                if draft.handoff is not None:
                    draft.handoff = ctx.handoff
        return
    ctx.drafts = [d for d in ctx.drafts if d.kind not in _DROPPED_FOR_ANGER]
    hand_off(ctx, "anger")


class _Redelivered(Exception):
    """Raised inside a turn to roll it back when its message turns out to be a redelivery."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("redelivered message")
        self.outcome = outcome


def _reply_rows(ctx: TurnContext) -> list[OutboundRow]:
    return [OutboundRow(d.kind.value, d.text, ctx.language, d.intent_id, d.confidence) for d in ctx.drafts]


def _replies(ctx: TurnContext, ids: Sequence[int]) -> tuple[Reply, ...]:
    """The turn's drafts as replies, each with the id it was stored under."""
    return tuple(
        Reply(
            text=draft.text,
            kind=draft.kind,
            language=ctx.language,
            options=draft.options,
            intent_id=draft.intent_id,
            confidence=draft.confidence,
            handoff=draft.handoff,
            message_id=message_id,
            key=draft.key,
            values=draft.values,
        )
        for draft, message_id in zip(ctx.drafts, ids, strict=True)
    )


def _numbered_choice(ctx: TurnContext, text: str) -> Action | None:
    """"2" answers the second option of the previous reply (console and SMS have no buttons)."""
    options = ctx.state.get("options") or []
    number = typed_number(text)
    if number is None or not 1 <= number <= len(options):
        return None
    chosen = options[number - 1]
    return Action(ActionKind(chosen["kind"]), chosen.get("value", ""), chosen.get("message_id"))


def _remember_options(ctx: TurnContext) -> None:
    """Keep the last offered options so a bare number can pick one next turn."""
    for draft in reversed(ctx.drafts):
        if draft.options:
            ctx.state["options"] = [
                {"kind": o.action.kind.value, "value": o.action.value, "message_id": o.action.message_id}
                for o in draft.options
            ]
            return


def _looks_garbled(text: str) -> bool:
    """Binary junk decoded as text: mostly control, private-use or replacement characters."""
    odd = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\t\r" or ch == "\ufffd")
    return odd * 3 > len(text)
