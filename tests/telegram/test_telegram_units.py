"""Units of the Telegram channel that need no server: splitting, escaping, keyboards, callback data,
language codes, and the request middlewares (with a fake clock and a fake sleep)."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import GetMyShortDescription, SendChatAction, SendMessage
from aiogram.methods.base import Response
from aiogram.types import BotName, BotShortDescription

from bot.channels.telegram.callbacks import (
    Feedback,
    IntentChoice,
    IntentRefs,
    LanguageChoice,
    Menu,
    pack_action,
    parse_callback,
    unpack_action,
)
from bot.channels.telegram.render import (
    MESSAGE_LIMIT,
    escape,
    keyboard,
    render,
    split_text,
    utf16_len,
)
from bot.channels.telegram.session import KeepResponseModels, OutboundPacer, RetryAfterMiddleware
from bot.channels.telegram.texts import language_from_code
from bot.channels.telegram.webhook import webhook_path, webhook_secret
from bot.engine.types import Action, ActionKind, Option, Reply, ReplyKind

TOKEN = "42:TEST_token_for_units"


# -- splitting ------------------------------------------------------------------------------------


def test_short_text_is_one_part() -> None:
    assert split_text("  Hello there.  ") == ["Hello there."]
    assert split_text("") == []


def test_split_prefers_paragraphs_and_loses_nothing() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 150 for i in range(40)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    # Every cut is at a paragraph boundary: each part starts with a paragraph's first words.
    assert all(p.startswith("Paragraph ") for p in parts)
    assert "\n\n".join(parts) == text


def test_split_falls_back_to_lines_then_sentences_then_words() -> None:
    lines = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    parts = split_text(lines, limit=1000)
    assert all(p.startswith("line ") and utf16_len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == lines

    sentences = " ".join(f"Sentence number {i} is here." for i in range(200))
    parts = split_text(sentences, limit=500)
    assert all(p.endswith(".") and utf16_len(p) <= 500 for p in parts)
    assert " ".join(parts) == sentences

    chinese = "。".join("这是一个很长的中文句子" for _ in range(300)) + "。"
    parts = split_text(chinese, limit=400)
    assert all(p.endswith("。") and utf16_len(p) <= 400 for p in parts)
    assert "".join(parts) == chinese

    words = " ".join("word" for _ in range(1000))
    parts = split_text(words, limit=300)
    assert all(not p.endswith(" ") and not p.startswith(" ") and utf16_len(p) <= 300 for p in parts)
    assert " ".join(parts) == words


def test_split_counts_utf16_and_never_cuts_a_character() -> None:
    emoji = "😀" * 5000  # 2 UTF-16 units each, no break anywhere
    parts = split_text(emoji)
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert "".join(parts) == emoji
    assert len(parts) == 3


# -- rendering --------------------------------------------------------------------------------------


def _reply(text: str, kind: ReplyKind = ReplyKind.INFO, options: tuple[Option, ...] = (), message_id: int | None = None) -> Reply:
    return Reply(text=text, kind=kind, language="en", options=options, message_id=message_id)


def test_everything_is_escaped() -> None:
    assert escape('<b>R&D</b> "x"') == '&lt;b&gt;R&amp;D&lt;/b&gt; "x"'
    [message] = render(_reply("Call <400> & ask"), IntentRefs())
    assert message.text == "Call &lt;400&gt; &amp; ask"


def test_long_answer_splits_before_escaping_and_keyboard_goes_last() -> None:
    text = "\n\n".join("a < b & c " * 40 for _ in range(30))
    messages = render(_reply(text, ReplyKind.ANSWER, message_id=7), IntentRefs())
    assert len(messages) > 1
    assert all(m.reply_markup is None for m in messages[:-1])
    assert messages[-1].reply_markup is not None
    # The escaped text is longer than 4096, the text Telegram counts is not.
    import html

    assert all(utf16_len(html.unescape(m.text)) <= MESSAGE_LIMIT for m in messages)


def test_answer_gets_feedback_buttons_menu_gets_a_grid() -> None:
    markup = keyboard(_reply("answer", ReplyKind.ANSWER, message_id=12), IntentRefs())
    assert markup is not None
    [row] = markup.inline_keyboard
    assert [b.text for b in row] == ["👍", "👎"]
    assert [Feedback.unpack(b.callback_data or "") for b in row] == [Feedback(message_id=12, vote="up"), Feedback(message_id=12, vote="down")]

    menu = tuple(Option(label, Action(ActionKind.MENU, item)) for label, item in [("A", "faq"), ("B", "book"), ("C", "status"), ("D", "human")])
    markup = keyboard(_reply("hi", ReplyKind.MENU, menu), IntentRefs())
    assert markup is not None and [len(r) for r in markup.inline_keyboard] == [2, 2]

    assert keyboard(_reply("plain"), IntentRefs()) is None
    assert keyboard(_reply("no id", ReplyKind.ANSWER), IntentRefs()) is None


# -- callback data ------------------------------------------------------------------------------------


def test_actions_round_trip_through_callback_data() -> None:
    refs = IntentRefs(["warranty.period"])
    actions = [
        Action(ActionKind.INTENT, "warranty.period"),
        Action(ActionKind.MENU, "human"),
        Action(ActionKind.LANGUAGE, "zh-Hant"),
        Action(ActionKind.FEEDBACK, "down", message_id=99),
        Action(ActionKind.RESET),
        Action(ActionKind.HELP),
    ]
    for action in actions:
        data = pack_action(action, refs)
        assert data is not None and len(data.encode()) <= 64
        parsed = parse_callback(data)
        assert parsed is not None
        assert unpack_action(parsed, refs) == action


def test_long_entry_ids_are_hashed_into_64_bytes() -> None:
    long_id = "section." + "very_long_entry_name." * 5
    refs = IntentRefs([long_id])
    data = pack_action(Action(ActionKind.INTENT, long_id), refs)
    assert data is not None and len(data.encode()) <= 64
    parsed = parse_callback(data)
    assert isinstance(parsed, IntentChoice)
    assert unpack_action(parsed, refs) == Action(ActionKind.INTENT, long_id)


@pytest.mark.parametrize(
    "data",
    ["", "garbage", "m:nonsense", "m", "m:faq:extra", "fb:abc:up", "fb:-5:up", "fb:5:maybe", "lang:fr", "q:", "cmd:rm"],
)
def test_forged_callback_data_does_not_parse(data: str) -> None:
    assert parse_callback(data) is None


def test_valid_callback_data_parses() -> None:
    assert parse_callback("m:faq") == Menu(item="faq")
    assert parse_callback("lang:en") == LanguageChoice(language="en")


# -- languages and settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-sg", "zh-Hans"), ("zh", "zh-Hans"),
        ("zh-hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh-hk", "zh-Hant"), ("zh-mo", "zh-Hant"), ("zh-Hant-TW", "zh-Hant"),
        ("en", "en"), ("en-US", "en"), ("en-gb", "en"),
        ("ru", "zh-Hant"), ("fr-FR", "zh-Hant"), (None, "zh-Hant"), ("", "zh-Hant"),
    ],
)
def test_language_codes(code: str | None, expected: str) -> None:
    assert language_from_code(code, "zh-Hant") == expected


def test_webhook_secret_and_path() -> None:
    derived = webhook_secret(TOKEN)
    assert derived == webhook_secret(TOKEN) and derived != webhook_secret("43:other")
    assert TOKEN not in derived and len(derived) <= 256 and derived.isalnum()
    assert webhook_secret(TOKEN, "configured_secret") == "configured_secret"
    assert webhook_path("https://bot.example.com/tg/hook") == "/tg/hook"
    assert webhook_path("https://bot.example.com") == "/telegram/webhook"


# -- request middlewares ----------------------------------------------------------------------------------


class _Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def _method(chat_id: int = 5) -> SendMessage:
    return SendMessage(chat_id=chat_id, text="hi")


async def test_retry_after_is_waited_out_then_given_up() -> None:
    bot = Bot(TOKEN)
    sleeps = _Sleeps()
    middleware = RetryAfterMiddleware(max_retries=2, sleep=sleeps)
    attempts = 0

    async def flaky(bot: Bot, method: SendMessage) -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 2", retry_after=2)
        return "ok"

    assert await middleware(flaky, bot, _method()) == "ok"  # type: ignore[arg-type]
    assert sleeps.slept == [2, 2]

    attempts = -10
    with pytest.raises(TelegramRetryAfter):
        await middleware(flaky, bot, _method())  # type: ignore[arg-type]
    assert sleeps.slept == [2, 2, 2, 2]  # two more waits, then it gave up

    async def typing(bot: Bot, method: SendChatAction) -> bool:
        raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after 1", retry_after=1)

    with pytest.raises(TelegramRetryAfter):  # a typing indicator is never retried
        await middleware(typing, bot, SendChatAction(chat_id=5, action="typing"))  # type: ignore[arg-type]
    assert len(sleeps.slept) == 4
    await bot.session.close()


async def test_forbidden_marks_blocked_and_is_not_retried() -> None:
    bot = Bot(TOKEN)
    blocked: list[str] = []

    async def on_blocked(chat: str) -> None:
        blocked.append(chat)

    middleware = RetryAfterMiddleware(on_blocked, sleep=_Sleeps())
    attempts = 0

    async def forbidden(bot: Bot, method: SendMessage) -> str:
        nonlocal attempts
        attempts += 1
        raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")

    with pytest.raises(TelegramForbiddenError):
        await middleware(forbidden, bot, _method(77))  # type: ignore[arg-type]
    assert attempts == 1 and blocked == ["77"]
    await bot.session.close()


def test_pacer_keeps_to_one_message_a_second_per_chat_after_a_burst() -> None:
    now = [0.0]
    pacer = OutboundPacer(per_chat_rate=1.0, per_chat_burst=3, global_rate=30.0, global_burst=30, clock=lambda: now[0])
    waits = [pacer.delay("1") for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(1.0) and waits[4] == pytest.approx(2.0)
    assert pacer.delay("2") == 0.0  # another chat is not held up
    now[0] = 10.0
    assert pacer.delay("1") == 0.0  # the bucket refilled


def test_pacer_global_rate() -> None:
    now = [0.0]
    pacer = OutboundPacer(per_chat_rate=1.0, per_chat_burst=1, global_rate=30.0, global_burst=30, clock=lambda: now[0])
    waits = [pacer.delay(str(chat)) for chat in range(60)]
    assert waits[:30] == [0.0] * 30
    assert waits[59] == pytest.approx(1.0)


async def test_pacer_sleeps_only_for_messages() -> None:
    sleeps = _Sleeps()
    pacer = OutboundPacer(per_chat_rate=1.0, per_chat_burst=1, clock=lambda: 0.0, sleep=sleeps)
    bot = Bot(TOKEN)

    async def ok(bot: Bot, method: object) -> bool:
        return True

    for _ in range(3):
        await pacer(ok, bot, SendChatAction(chat_id=1, action="typing"))  # type: ignore[arg-type]
    assert sleeps.slept == []
    await pacer(ok, bot, _method(1))  # type: ignore[arg-type]
    await pacer(ok, bot, _method(1))  # type: ignore[arg-type]
    assert sleeps.slept == [pytest.approx(1.0)]
    await bot.session.close()
    await asyncio.sleep(0)


async def test_response_models_outlive_the_garbage_collector() -> None:
    """aiogram parses each answer with `Response[method.__returning__]`, which pydantic caches only weakly:
    without the middleware a collection drops the class and the next request rebuilds it (milliseconds)."""
    bot = Bot(TOKEN)
    method = GetMyShortDescription()  # an answer type nothing else in the process parses
    middleware = KeepResponseModels()

    async def answered(bot: Bot, method: GetMyShortDescription) -> str:
        return "ok"

    assert await middleware(answered, bot, method) == "ok"  # type: ignore[arg-type]
    model = weakref.ref(Response[BotShortDescription])
    gc.collect()
    assert model() is not None and Response[BotShortDescription] is model()
    assert list(middleware.models) == [GetMyShortDescription]

    unheld = weakref.ref(Response[BotName])  # the same kind of model, nobody holding it: gone
    gc.collect()
    assert unheld() is None
    await bot.session.close()
