"""A question asked instead of an answer: told apart from answers, and answered from the FAQ.

While booking, "多少钱?" or "转人工" is no answer to the current question. These checks decide when a
message is such a question (answered from the FAQ, the booking question asked again after it) and when
it is just an answer, whatever it looks like.
"""

from __future__ import annotations

from bot.engine.answers.words import could_be_question, looks_like_question
from bot.engine.context import TurnContext
from bot.engine.faq import FaqStep
from bot.engine.handoff import is_angry
from bot.knowledge import KnowledgeBase
from bot.nlu.matcher import IntentMatcher, MatchResult


def answer_interruption(
    knowledge: KnowledgeBase, matcher: IntentMatcher, faq: FaqStep, ctx: TurnContext, text: str
) -> bool:
    """A question asked instead of an answer: answer it from the FAQ (True), or say it is none (False).

    Short answers that are no sentence ("3点") are only taken as asking for a person ("转人工"):
    the FAQ would otherwise read "3点" as a question on the 3+3 warranty.
    """
    if not text or len(text) > 500:
        return False
    sentence = could_be_question(text)
    result = matcher.match(text)
    best = result.best
    if result.decision != "answer" or best is None:
        return False
    entry = knowledge.entry(best.intent_id)
    if entry is None or (not sentence and entry.handoff is None):
        return False
    if entry.flow is not None or entry.plays("smalltalk.greeting"):
        return True  # "I want to book a repair", a form's own question, "hello": just ask again
    faq.answer(ctx, entry, best.confidence)
    return True


def free_text_interruption(
    knowledge: KnowledgeBase,
    matcher: IntentMatcher,
    faq: FaqStep,
    ctx: TurnContext,
    text: str,
    *,
    questions_are_answers: bool = False,
) -> bool:
    """At the free-text questions anything is an answer, unless it reads as a question (or asks for a person).

    Where a question is itself the answer (`questions_are_answers`: the booking's fault description,
    "开不了机怎么办？", is exactly what the engineer needs to read) it is taken as it is.
    """
    if not questions_are_answers and looks_like_question(text) and answer_interruption(knowledge, matcher, faq, ctx, text):
        return True
    result = matcher.match(text)
    entry = knowledge.entry(result.best.intent_id) if result.best else None
    if entry is None or entry.handoff is None or len(text) > 20:
        return False
    if result.decision == "answer" or reads_as_complaint(knowledge, result, text):
        faq.answer(ctx, entry, result.best.confidence if result.best else None)
        return True
    return False


def reads_as_complaint(knowledge: KnowledgeBase, result: MatchResult, text: str) -> bool:
    """The message is a complaint: the matcher answers the complaint hand-off, or the message is clearly
    angry and the complaint hand-off is its nearest intent, however unsure the matcher is
    ("你们这什么破服务，气死我了" is no broadband account number)."""
    entry = knowledge.entry(result.best.intent_id) if result.best else None
    if entry is None or entry.handoff != "complaint":
        return False
    return result.decision == "answer" or is_angry(text)
