"""The satisfaction survey after an agent closed a conversation: a score (buttons or typed), then an
optional comment, both shown to the agents. A message that is not the survey's drops it quietly.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.clock import stored_time
from bot.engine.answers.scores import parse_score
from bot.engine.context import TurnContext
from bot.engine.types import Action, ActionKind, Option, ReplyKind
from bot.handoff import desk as events
from bot.handoff.core import HandoffCore
from bot.storage import handoff as repo
from bot.storage.handoff import RESOLVED
from bot.storage.models import Escalation

if TYPE_CHECKING:
    from bot.storage.store import Turn

SURVEY_TTL = dt.timedelta(days=3)
COMMENT_LIMIT = 1000
__all__ = ["COMMENT_LIMIT", "SURVEY_TTL", "Survey", "parse_score", "score_options", "survey_state"]


def survey_state(escalation_id: int, now: dt.datetime) -> dict[str, Any]:
    """The conversation state that starts the survey (the score is asked first)."""
    return {"id": escalation_id, "step": "score", "at": now.isoformat()}


def score_options(escalation_id: int) -> tuple[Option, ...]:
    """The 1 to 5 star buttons of the survey question."""
    return tuple(Option(f"{n} {'⭐' * n}", Action(ActionKind.SURVEY, str(n), escalation_id)) for n in range(1, 6))


class Survey:
    """The customer's answers to the survey, inside their turns."""

    def __init__(self, core: HandoffCore) -> None:
        self.core = core

    async def handle(self, ctx: TurnContext, turn: Turn, action: Action | None, text: str) -> bool:
        """True when this message was the survey's (a score, a comment, Skip); False to handle it as
        usual (the survey is dropped)."""
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
        at = stored_time(state.get("at"))
        if at is None or self.core.now() - at > SURVEY_TTL or action is not None or not text:
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
        escalation.survey_at = self.core.now()
        ctx.state.pop("survey", None)
        self.core.queue_desk(
            turn.session, escalation, events.SURVEY, {"score": escalation.survey_score, "comment": escalation.survey_comment}
        )
        ctx.reply(ctx.say("survey.thanks"), ReplyKind.INFO)
        return True

    def _score(self, ctx: TurnContext, turn: Turn, escalation: Escalation, score: int) -> None:
        escalation.survey_score = score
        escalation.survey_at = self.core.now()
        ctx.state["survey"] = {"id": escalation.id, "step": "comment", "at": self.core.now().isoformat()}
        self.core.queue_desk(turn.session, escalation, events.SURVEY, {"score": score, "comment": None})
        skip = Option(ctx.say("survey.skip"), Action(ActionKind.SURVEY, "skip", escalation.id))
        ctx.reply(ctx.say("survey.comment"), ReplyKind.INFO, (skip,))

    async def _rated(self, turn: Turn, escalation_id: object) -> Escalation | None:
        escalation = await repo.get(turn.session, escalation_id)
        if escalation is None or escalation.conversation_id != turn.conversation.id or escalation.status != RESOLVED:
            return None
        return escalation

    def _is_question(self, text: str) -> bool:
        """A new question for the bot rather than a comment on the service."""
        matcher, knowledge = self.core.matcher, self.core.knowledge
        if matcher is None:
            return False
        try:
            result = matcher.match(text)
        except Exception:  # noqa: BLE001 - a comment is the safe reading
            return False
        best = result.best
        if result.decision != "answer" or best is None:
            return False
        entry = knowledge.entry(best.intent_id) if knowledge is not None else None
        small_talk = best.intent_id.startswith(("smalltalk.", "handoff.")) or bool(entry is not None and entry.merged)
        return not small_talk
