"""Answering questions from the knowledge base: match, answer, ask "did you mean", or admit not knowing."""

from __future__ import annotations

from bot.engine.context import TurnContext
from bot.engine.handoff import hand_off
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.knowledge import FaqEntry, KnowledgeBase
from bot.nlu.matcher import IntentMatcher

SMALLTALK_PREFIX = "smalltalk."
GREETING_ID = "smalltalk.greeting"
POPULAR_COUNT = 6


class FaqStep:
    """The FAQ part of the conversation, over one knowledge base and its trained matcher."""

    def __init__(self, knowledge: KnowledgeBase, matcher: IntentMatcher, handoff_after: int, far_below: float | None = None) -> None:
        self.knowledge = knowledge
        self.matcher = matcher
        self.handoff_after = handoff_after
        # A single turn whose best confidence is more than this under the threshold hands off at once.
        self.far_below = far_below

    def understand(self, ctx: TurnContext, text: str) -> tuple[FaqEntry, float] | None:
        """Match free text. A confident match is returned for the caller to act on (answer it, or
        start the flow it names); otherwise this replies itself with a clarification or a
        low-confidence step and returns None."""
        result = self.matcher.match(text)
        best = result.best
        if best is not None:
            ctx.intent_id, ctx.confidence = best.intent_id, best.confidence
        if result.decision == "answer" and best is not None:
            entry = self.knowledge.entry(best.intent_id)
            if entry is not None:
                return entry, best.confidence
        if result.decision == "clarify":
            entries = [e for c in result.candidates if (e := self.knowledge.entry(c.intent_id)) is not None]
            if len(entries) >= 2:
                self.clarify(ctx, entries)
                return None
        far = self.far_below is not None and (
            best is None or best.confidence < getattr(self.matcher, "threshold", 0.0) - self.far_below
        )
        self.not_understood(ctx, far=far)
        return None

    def answer(self, ctx: TurnContext, entry: FaqEntry, confidence: float | None) -> None:
        """Reply with an entry's answer; a hand-off entry (a person, a complaint) also queues the customer."""
        ctx.intent_id, ctx.confidence = entry.id, confidence
        ctx.low_confidence_streak = 0
        text = entry.answer_in(ctx.language, ctx.brand)
        if entry.handoff == "human":
            hand_off(ctx, "human", text)
        elif entry.handoff is not None:
            ctx.reply(text, ReplyKind.INFO, intent_id=entry.id, confidence=confidence)
            hand_off(ctx, entry.handoff)
        elif entry.plays(GREETING_ID):  # the built-in greeting, or the operator's that absorbed it
            ctx.reply(text, ReplyKind.MENU, ctx.menu_options(), intent_id=entry.id, confidence=confidence)
        elif entry.id.startswith(SMALLTALK_PREFIX) or any(m.startswith(SMALLTALK_PREFIX) for m in entry.merged):
            ctx.reply(text, ReplyKind.INFO, intent_id=entry.id, confidence=confidence)
        else:
            ctx.reply(text, ReplyKind.ANSWER, intent_id=entry.id, confidence=confidence)

    def clarify(self, ctx: TurnContext, entries: list[FaqEntry]) -> None:
        """Ask which of two or three close intents the customer meant."""
        options = tuple(Option(e.title_in(ctx.language), Action(ActionKind.INTENT, e.id)) for e in entries[:3])
        options += (Option(ctx.say("clarify.none"), Action(ActionKind.MENU, "human")),)
        ctx.reply(ctx.say("clarify"), ReplyKind.CLARIFY, options)

    def not_understood(self, ctx: TurnContext, *, far: bool = False) -> None:
        """A low-confidence turn: ask to rephrase, or hand off once it happened too often in a row
        (or at once when the match was `far` under the threshold)."""
        ctx.low_confidence_streak += 1
        if ctx.low_confidence_streak >= self.handoff_after or far:
            hand_off(ctx, "low_confidence")
            return
        human = Option(ctx.say("menu.human"), Action(ActionKind.MENU, "human"))
        ctx.reply(ctx.say("not_understood"), ReplyKind.NOT_UNDERSTOOD, (human,))

    def popular(self, ctx: TurnContext) -> None:
        """The first questions of the knowledge base, offered as a list to pick from."""
        entries = [
            e for e in self.knowledge.entries
            if "." in e.id and not e.id.startswith((SMALLTALK_PREFIX, "handoff.")) and not e.merged
        ]
        options = tuple(Option(e.title_in(ctx.language), Action(ActionKind.INTENT, e.id)) for e in entries[:POPULAR_COUNT])
        ctx.reply(ctx.say("faq.popular"), ReplyKind.INFO, options)

