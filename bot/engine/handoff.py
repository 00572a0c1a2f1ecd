"""Passing a conversation to people: the decision, the customer-facing line, and what marks it.

The engine decides here *that* a person must take over and why (`hand_off`); the queue itself (the
escalation row, the queue position and wait, office hours, agents) is `bot.handoff`'s. Also here, as
they are read on every message: anger markers (`anger_score`) and the words that cancel a hand-off.
"""

from __future__ import annotations

import re
import unicodedata

from bot.engine.context import TurnContext
from bot.engine.types import Handoff, ReplyKind
from bot.nlu.normalize import normalize

# Higher is more urgent: an angry customer before a confused one.
PRIORITY: dict[str, int] = {"complaint": 2, "anger": 2, "human": 1, "booking_stuck": 1, "form_stuck": 1, "no_slot": 1}
URGENT = 2  # priority from which the shorter service level applies

_LINES: dict[str, str] = {
    "complaint": "handoff.complaint",
    "anger": "handoff.complaint",
    "low_confidence": "handoff.low_confidence",
}


def hand_off(ctx: TurnContext, reason: str, text: str | None = None) -> Handoff:
    """Tell the customer a person will take over and mark the turn as handed off.

    The engine then opens (or updates) the escalation and adds the queue position, the wait estimate
    or the office-hours notice, and a "back to the assistant" button to this reply.
    """
    handoff = Handoff(reason=reason, priority=PRIORITY.get(reason, 0))
    ctx.handoff = handoff
    ctx.low_confidence_streak = 0
    ctx.reply(text or ctx.say(_LINES.get(reason, "handoff")), ReplyKind.HANDOFF, handoff=handoff)
    return handoff


# -- anger ----------------------------------------------------------------------------------------

# Markers of a complaint or clear anger, matched on the normalised text (Traditional folded to
# Simplified, lower case, punctuation removed). A strong marker is enough on its own; weak ones need
# company (two of them, or one with shouting: "!!", "???", WORDS IN CAPITALS).
STRONG_ZH = (
    "投诉", "客诉", "差评", "太差了", "太差劲", "差劲透了", "烂透了", "太烂了", "垃圾服务", "服务垃圾", "什么破",
    "骗子", "骗人", "坑人", "坑爹", "气死", "忍无可忍", "受够了", "欺骗消费者", "消协", "消费者协会", "消基会",
    "12315", "曝光你们", "举报你们", "检举", "退钱", "极其不满", "太失望了", "非常失望",
    "不满意", "无法接受", "岂有此理", "搞什么鬼", "搞什么啊", "你们有病", "什么垃圾", "服务太差", "态度太差", "态度恶劣",
)
STRONG_EN = (
    "terrible service", "worst service", "awful service", "horrible service", "bad service", "poor service",
    "complaint", "complain", "unacceptable", "ridiculous", "outrageous", "scam", "scammers", "rip off", "ripoff",
    "fed up", "sick of", "sick and tired", "disgusted", "disgusting", "furious", "pissed", "wtf", "pathetic",
    "useless company", "incompetent", "a joke", "sue you", "lawyer", "consumer protection", "very disappointed",
    "extremely disappointed", "never buy", "worst company",
)
WEAK_ZH = (
    "太慢", "垃圾", "失望", "生气", "不满", "怎么回事", "到底", "多少次", "还没", "一直没", "什么意思", "凭什么",
    "慢死了", "没人管", "敷衍", "无语",
    # impatience with being left waiting
    "没人理", "没人回", "没有人理", "没有人回", "不理人", "等了半天", "等了好久", "等了很久", "等这么久", "等了这么久",
)
WEAK_EN = (
    "terrible", "awful", "horrible", "worst", "useless", "angry", "disappointed", "annoyed", "still not",
    "still no", "how many times", "nobody", "no one", "waste of time", "joke",
    # impatience with being left waiting
    "still waiting", "been waiting", "waiting forever", "for ages", "ignored", "ignoring", "no answer", "no reply",
    "no response",
)
STRONG, WEAK, SHOUT = 1.0, 0.5, 0.5
ANGER_THRESHOLD = 1.0

_SHOUTING = re.compile(r"[!！]{2,}|[?？]{3,}")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_EN_PATTERNS: dict[str, re.Pattern[str]] = {}


def _en(phrase: str) -> re.Pattern[str]:
    pattern = _EN_PATTERNS.get(phrase)
    if pattern is None:
        pattern = _EN_PATTERNS[phrase] = re.compile(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])")
    return pattern


def anger_score(text: str | None) -> float:
    """How clearly a message shows a complaint or anger; `is_angry` at ANGER_THRESHOLD and above."""
    if not text:
        return 0.0
    folded = normalize(text)
    if not folded:
        return 0.0
    cjk = folded.replace(" ", "")
    score = STRONG * _markers(STRONG_ZH, STRONG_EN, cjk, folded)
    if score >= ANGER_THRESHOLD:
        return score
    weak = WEAK * _markers(WEAK_ZH, WEAK_EN, cjk, folded)
    raw = unicodedata.normalize("NFKC", text)
    shouting = bool(_SHOUTING.search(raw)) or len(_CAPS_WORD.findall(raw)) >= 2
    if weak and shouting:
        weak += SHOUT
    return score + weak


def _markers(chinese: tuple[str, ...], english: tuple[str, ...], cjk: str, folded: str) -> int:
    """How many of the markers the message has: Chinese ones anywhere, English ones as whole words."""
    # A phrase not in the text at all cannot be a whole word of it: most are ruled out without a regex.
    return sum(phrase in cjk for phrase in chinese) + sum(
        phrase in folded and _en(phrase).search(folded) is not None for phrase in english
    )


def is_angry(text: str | None) -> bool:
    """A complaint or clear anger: the conversation goes to a person with priority."""
    return anger_score(text) >= ANGER_THRESHOLD


# -- cancelling a hand-off ------------------------------------------------------------------------

# The whole message (normalised) is one of these...
CANCEL_EXACT = frozenset(
    {
        "取消人工", "取消转人工", "不用人工", "不用人工了", "不要人工", "不要人工了", "不用了", "算了", "返回机器人",
        "回到机器人", "返回智能助手", "返回智能助理", "返回智慧助理", "机器人", "返回", "取消",
        "back to bot", "back to the bot", "back to the assistant", "back to assistant", "cancel", "cancel handoff",
        "cancel hand off", "cancel the handoff", "never mind", "nevermind", "no human", "bot",
    }
)
# ...or contains one of these.
CANCEL_CONTAINS = ("取消人工", "取消转人工", "返回机器人", "回到机器人", "back to bot", "back to the bot", "back to the assistant")


def is_cancel(text: str | None, *, strict: bool = False) -> bool:
    """The customer wants to leave the human queue and talk to the bot again.

    `strict` (a person is already talking with them): only the explicit phrases count, as a bare
    "取消" or "cancel" is more likely an answer to the person ("cancel the repair?").
    """
    folded = normalize(text)
    if not folded:
        return False
    compact = folded.replace(" ", "") if not folded.isascii() else folded
    if not strict and (compact in CANCEL_EXACT or folded in CANCEL_EXACT):
        return True
    return len(folded) <= 40 and any(phrase in compact or phrase in folded for phrase in CANCEL_CONTAINS)
