"""What the property tests throw at the bot, and how they check what it kept.

Text: any Unicode including lone surrogates, NUL, control and zero-width characters, emoji (with
joiners and flags), mixed CJK and Latin, strings up to ~100 KB, mixed with phrases that steer the
conversation (FAQ questions, "人工", "报修", digits, commands, SMS keywords) so the flows are reached.

Checks read the database directly: a message is "stored exactly once" when one inbound row carries its
external id, and "answered or queued" when an outbound row follows it or the conversation is with
people (an escalation waiting or assigned).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from hypothesis import strategies as st
from sqlalchemy import select

from bot.runtime import Runtime
from bot.safetext import storable
from bot.storage.models import Conversation, Escalation, Message

SPECIALS = [
    "\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ud83d\ude00", "\u200b", "\u200c", "\u200d", "\u2060",
    "\ufeff", "\u00ad", "\u202e", "\u202d", "\u2066", "\x1b[31m", "\r", "\n", "\r\n", "\t", "\x7f", "\x85", "\x0b",
    "\x0c", "\u2028", "\u2029", "\ufffd", "\U0001f600", "👨\u200d👩\u200d👧\u200d👦", "🇨🇳", "e\u0301", "\ufe0f",
    "\u3000", "ｓｔｏｐ", "１", "²", "٣", "\U000e0001", "\U0010ffff", "\uffff", "<b>", "&amp;", "%s", "{brand}", "{0}",
    "'; DROP TABLE messages; --", "\\", '"', "保\u200b修\u200c多\u200d久",
    "\u1369", "\u19da", "\u2460", "\uff12", "\u0663", "\u0e52", "\U0001d7d0",  # digits of other scripts: ፩ ᧚ ① ２ ٣ ๒ 𝟐
]
PHRASES = [
    "保修多久", "保修期多长时间", "How long is the warranty?", "换电池多少钱", "換電池要多少錢", "我要投诉", "服务太差了",
    "人工", "转人工", "human", "agent", "报修", "我要报修", "預約維修", "book a repair", "repair", "1", "2", "3", "4",
    "9", "0", "/start", "/help", "/language", "/stats", "STOP", "START", "HELP", "MORE", "更多", "退订", "取消",
    "你们的服务太差了，等了半天没人理", "Acme Book 16 Pro", "X20 Pro 屏幕碎了", "13800138000", "138OO138OOO",
    "+86 138 0013 8000", "明天下午3点", "下週三", "tomorrow 3pm", "上午", "北京", "上海", "Shanghai", "繁體中文",
    "English", "简体中文", "是", "否", "yes", "no", "确认", "修改", "查询进度", "status", "SN123456789", "？？？", "...",
]
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates (Cs) and unassigned code points included

pieces = st.one_of(
    st.text(_ANY_CHAR, max_size=20),
    st.sampled_from(SPECIALS),
    st.sampled_from(PHRASES),
    st.text(_CJK, min_size=1, max_size=10),
    st.text(st.characters(max_codepoint=0x7F), max_size=20),
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=3),  # "2" in any script
)


def _huge(piece: str, size: int) -> str:
    piece = piece or "x"
    return (piece * (size // len(piece) + 1))[:size]


huge_text = st.builds(_huge, pieces, st.integers(2_000, 100_000))
"""One piece repeated to 2 KB-100 KB: over every length limit the bot has."""

any_text = st.one_of(
    st.lists(pieces, max_size=6).map("".join),
    st.lists(pieces, max_size=6).map("".join),
    st.lists(pieces, max_size=6).map("".join),
    huge_text,
)
"""Any text a customer might type, or an attacker forge (weighted towards short messages)."""

languages = st.sampled_from([None, "zh-Hans", "zh-Hant", "en"])


def json_values(text: st.SearchStrategy[str] = any_text) -> st.SearchStrategy[object]:
    """Any JSON value (nested lists and objects, numbers of every size, strings with surrogates)."""
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False), st.text(_ANY_CHAR, max_size=30), st.sampled_from(PHRASES),
    )
    return st.recursive(
        leaves | text.filter(lambda t: len(t) < 5000),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(_ANY_CHAR, max_size=10), children, max_size=4),
        max_leaves=12,
    )


_ids = itertools.count(1)


def fresh_id() -> int:
    """A new number for every example: customers never share state across examples."""
    return next(_ids)


def split(body: bytes, fractions: Sequence[float]) -> list[bytes]:
    """The body cut at the given fractions of its length (the pieces a client writes one by one)."""
    cuts = sorted({int(f * len(body)) for f in fractions} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(cuts) if b > a] or [b""]


# -- what the bot kept --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """A conversation's rows: its messages in order and whether people have it now."""

    messages: list[Message]
    with_people: bool

    @property
    def inbound(self) -> list[Message]:
        return [m for m in self.messages if m.direction == "in"]

    def unanswered(self) -> list[Message]:
        """Inbound messages with no reply after them, while the conversation is not with people."""
        if self.with_people:
            return []
        missing = []
        for message in self.inbound:
            if not any(m.direction == "out" and m.id > message.id for m in self.messages):
                missing.append(message)
        return missing


async def kept(runtime: Runtime, channel: str, customer_id: str) -> Kept:
    async with runtime.database.sessions() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.channel == channel, Conversation.customer_id == customer_id)
        )
        if conversation is None:
            return Kept([], False)
        messages = list(
            await session.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id))
        )
        escalation = await session.scalar(
            select(Escalation.id).where(
                Escalation.conversation_id == conversation.id, Escalation.status.in_(("waiting", "assigned"))
            )
        )
        return Kept(messages, escalation is not None)


def assert_storable(text: str | None) -> None:
    """What was stored is text every database and encoder takes."""
    if text is None:
        return
    assert "\x00" not in text
    text.encode("utf-8")  # raises on a lone surrogate
    assert storable(text) == text


def assert_answered(rows: Kept, what: object) -> None:
    missing = rows.unanswered()
    assert not missing, f"stored but neither answered nor with people: {[m.text[:80] if m.text else m.text for m in missing]} ({what!r:.300})"


# -- no unhandled exception ---------------------------------------------------------------------------


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_errors_logged(loop: asyncio.AbstractEventLoop | None = None) -> Iterator[list[str]]:
    """Fail when anything logs at ERROR (a caught-and-logged exception is still a failure of the turn)
    or the event loop reports an exception nobody retrieved."""
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    problems: list[str] = []
    previous = loop.get_exception_handler() if loop is not None else None
    if loop is not None:
        loop.set_exception_handler(lambda _loop, context: problems.append(f"event loop: {context.get('message')}: {context.get('exception')!r}"))
    try:
        yield problems
    finally:
        root.removeHandler(handler)
        if loop is not None:
            loop.set_exception_handler(previous)
    for record in handler.records:
        detail = f" {record.exc_info[0].__name__}: {record.exc_info[1]}" if record.exc_info and record.exc_info[1] else ""
        problems.append(f"{record.name}: {record.getMessage()[:300]}{detail}")
    assert not problems, "errors while handling:\n" + "\n".join(problems)
