"""Segmenting and rendering for SMS: GSM-7 vs UCS-2, the 3-part cut with MORE, plain text, keywords, wording."""

from __future__ import annotations

import re
import string

import pytest

from bot.channels.sms.keywords import Keyword, booking_request, keyword, menu_word
from bot.channels.sms.messages import MAX_SEGMENTS, say
from bot.channels.sms.render import cut, plain, render_replies
from bot.channels.sms.segments import analyse, gsm_friendly, is_gsm7, segment_count
from bot.engine.types import Action, ActionKind, Option, Reply, ReplyKind
from bot.i18n import namespace
from bot.settings import LANGUAGES


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("a" * 459, "GSM-7", 459, 3),
        ("a" * 460, "GSM-7", 460, 4),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters cost two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # the € does not straddle parts: 152 | 2 + 10
        ("a" * 152 + "€" * 77, "GSM-7", 306, 3),  # ... so 306 septets need a third part here
        ("保" * 70, "UCS-2", 70, 1),
        ("保" * 71, "UCS-2", 71, 2),
        ("保" * 134, "UCS-2", 134, 2),
        ("保" * 135, "UCS-2", 135, 3),
        ("a" * 69 + "，", "UCS-2", 70, 1),  # one full-width comma makes the whole text UCS-2
        ("a" * 100 + "保", "UCS-2", 101, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji is a surrogate pair: two code units
        ("a" * 66 + "😀" + "a", "UCS-2", 69, 1),
        ("a" * 66 + "😀" + "a" * 4, "UCS-2", 72, 2),  # 66 | 2 + 4: the pair is not split
    ],
)
def test_segment_arithmetic(text: str, encoding: str, units: int, segments: int) -> None:
    info = analyse(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_gsm7_alphabet() -> None:
    assert is_gsm7(string.ascii_letters + string.digits + "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r ")
    assert is_gsm7("^{}\\[~]|€")
    for ch in "`保，。“”’—…•😀ç":
        assert not is_gsm7(ch), ch


def test_typographic_characters_become_plain_when_that_keeps_gsm7() -> None:
    assert gsm_friendly("It’s “fine” — really…") == "It's \"fine\" - really..."
    assert segment_count(gsm_friendly("’" + "a" * 159)) == 1
    assert gsm_friendly("保修 “3+3”") == "保修 “3+3”"  # Chinese needs UCS-2 anyway: left alone


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("length", [50, 400, 1500])
def test_cut_keeps_within_three_parts_and_loses_nothing(language: str, length: int) -> None:
    unit = "Your device is covered. " if language == "en" else "整机保修一年，主要部件保修三年。"
    text = (unit * (length // len(unit) + 1))[:length]
    parts, rest = [], text
    while rest:
        head, rest = cut(rest, language)  # type: ignore[arg-type]
        assert segment_count(head) <= 3, head
        parts.append(head)
        assert len(parts) < 20
    suffix = say("more.suffix", language)  # type: ignore[arg-type]
    assert all(p.endswith(suffix) for p in parts[:-1]) and not parts[-1].endswith(suffix)
    joined = "".join(p.removesuffix(suffix).strip() for p in parts)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)
    if segment_count(text) <= 3:
        assert parts == [text]


def test_cut_prefers_line_and_sentence_ends() -> None:
    lines = [f"{n}. Acme Service Centre number {n}, open 9:00-18:00" for n in range(1, 15)]
    head, rest = cut("\n".join(lines), "en")
    body = head.removesuffix("(reply MORE for the rest)").rstrip()
    assert body.split("\n")[-1] in lines  # whole lines only
    assert rest is not None and rest.split("\n")[0] in lines
    head, _ = cut("保修说明。" * 60, "zh-Hans")
    assert head.removesuffix("（回复“更多”看余下内容）").rstrip().endswith("。")
    assert head.endswith("（回复“更多”看余下内容）")


def test_plain_text_without_markup() -> None:
    assert plain("**Warranty** is __two__ years, see [the terms](https://x.example/t) or `*#06#`") == (
        "Warranty is two years, see the terms https://x.example/t or *#06#"
    )
    assert plain("## Title\n• one\n* two\n\n\n\n<b>bold</b>") == "Title\n- one\n- two\n\nbold"


def test_options_are_numbered_lines_and_replies_one_sms() -> None:
    options = (Option("Phone", Action(ActionKind.MENU, "faq")), Option("Laptop", Action(ActionKind.MENU, "book")))
    replies = [Reply("Sure, let’s book.", ReplyKind.INFO, "en"), Reply("Which device?", ReplyKind.INFO, "en", options)]
    assert render_replies(replies).text == "Sure, let's book.\nWhich device?\n1. Phone\n2. Laptop"


@pytest.mark.parametrize(
    ("text", "expected", "language"),
    [
        ("STOP", Keyword.STOP, "en"), ("stop!", Keyword.STOP, "en"), (" Unsubscribe ", Keyword.STOP, "en"),
        ("退订", Keyword.STOP, "zh-Hans"), ("取消订阅", Keyword.STOP, "zh-Hans"), ("退訂", Keyword.STOP, "zh-Hant"),
        ("取消訂閱", Keyword.STOP, "zh-Hant"), ("ＳＴＯＰ", Keyword.STOP, "en"), ("TD", Keyword.STOP, "zh-Hans"),
        ("START", Keyword.START, "en"), ("订阅", Keyword.START, "zh-Hans"), ("訂閱", Keyword.START, "zh-Hant"),
        ("help", Keyword.HELP, "en"), ("帮助", Keyword.HELP, "zh-Hans"), ("幫助？", Keyword.HELP, "zh-Hant"),
        ("MORE", Keyword.MORE, "en"), ("更多", Keyword.MORE, None),
    ],
)
def test_keywords(text: str, expected: Keyword, language: str | None) -> None:
    hit = keyword(text)
    assert hit is not None and (hit.keyword, hit.language) == (expected, language)


@pytest.mark.parametrize("text", ["stop sending me this", "please help me with my laptop", "more info on warranty",
                                  "cancel", "yes", "我想退订吗", ""])
def test_not_keywords(text: str) -> None:
    assert keyword(text) is None


def test_booking_and_menu_words() -> None:
    assert booking_request("报修 X20 Pro 屏幕碎了 北京朝阳 明天上午") == "zh-Hans"
    assert booking_request("報修X20 Pro 螢幕破了") == "zh-Hant"
    assert booking_request("REPAIR Acme Book 14 no power Shanghai Saturday") == "en"
    assert booking_request("repair") == "en"
    for text in ("repair cost?", "How much is a repair", "booking status", "repairs", "保修期多久", "Book 14 won't start"):
        assert booking_request(text) is False, text
    assert menu_word("STATUS") == ("status", "en") and menu_word("進度") == ("status", "zh-Hant")
    assert menu_word("人工") == ("human", None) and menu_word("status of my repair?") is None

SMS_TEXTS = namespace("sms")


def test_sms_lines_fit_their_parts_and_english_stays_gsm7() -> None:
    # Three languages and placeholders are checked for every catalog key in tests/test_messages.py.
    assert set(MAX_SEGMENTS) == set(SMS_TEXTS)
    for key in SMS_TEXTS:
        for language in LANGUAGES:
            rendered = say(key, language, brand="Acme Care", number=12)
            assert "**" not in rendered and "<" not in rendered, (key, language)
            assert segment_count(rendered) <= MAX_SEGMENTS[key], (key, language, analyse(rendered))
        english = say(key, "en", brand="Acme Care", number=12)
        if any("\u4e00" <= ch <= "\u9fff" for ch in english):
            raise AssertionError(f"{key}: Chinese in the English line")
        assert is_gsm7(english), key
