"""Normalisation: the canonical form every message and example is matched in."""

from __future__ import annotations

import pytest

from bot.nlu.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("保修期多久？１年還是２年", "保修期多久 1 年还是 2 年"),  # full-width digits, Traditional, CJK/Latin gap
        ("Warranty PERIOD", "warranty period"),
        ("Straße", "strasse"),  # case folding, not just lower()
    ],
)
def test_width_and_case(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_traditional_to_simplified_is_phrase_level() -> None:
    # Taiwan vocabulary, not just characters: 螢幕 -> 屏幕, 軟體 -> 软件, 印表機 -> 打印机.
    assert normalize("我的螢幕壞了") == "我的屏幕坏了"
    assert normalize("軟體更新") == "软件更新"
    assert normalize("印表機卡紙") == "打印机卡纸"


def test_punctuation_emoji_and_whitespace() -> None:
    assert normalize("保修！！😭😭 多久？？") == "保修 多久"
    assert normalize("  hello,\tworld!!\n👍🏻  ") == "hello world"
    assert normalize("screen is broken 💔🙏") == "screen is broken"


def test_apostrophes_join_words() -> None:
    assert normalize("don't") == normalize("dont") == normalize("don’t") == "dont"


def test_mixed_script_gets_spaces() -> None:
    assert normalize("我的iPhone15屏幕碎了") == "我的 iphone15 屏幕碎了"


@pytest.mark.parametrize("junk", ["", "！？。，", "😀👍🏻❤️", "\x00\x01\x7f", "\ud800abc\udfff", None, 42])
def test_junk_never_raises(junk: object) -> None:
    result = normalize(junk)
    assert isinstance(result, str)
    assert "\x00" not in result and "\ud800" not in result


def test_long_text_is_handled() -> None:
    assert len(normalize("保修" * 50_000)) == 100_000


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e"])
def test_invisible_format_characters_do_not_split_words(invisible: str) -> None:
    assert normalize(f"保{invisible}修多{invisible}久") == normalize("保修多久") == "保修多久"
    assert normalize(f"war{invisible}ranty") == "warranty"
