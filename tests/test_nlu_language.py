"""Language detection per message: zh-Hans, zh-Hant, en, or None for no signal."""

from __future__ import annotations

import pytest

from bot.nlu.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("保修期多长时间？", "zh-Hans"),
        ("怎么查维修进度", "zh-Hans"),
        ("請問手機保固多久？", "zh-Hant"),
        ("我的螢幕壞了", "zh-Hant"),
        ("部電話壞咗點算", "zh-Hant"),  # Cantonese, Hong Kong Traditional
        ("唔該", "zh-Hant"),  # Cantonese particle alone
        ("保固多久", "zh-Hant"),  # Taiwan vocabulary, every character shared by both scripts
        ("How long is the warranty?", "en"),
        ("my screen is broken", "en"),
        ("ＨＥＬＬＯ", "en"),  # full-width Latin
    ],
)
def test_three_languages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的iPhone屏幕碎了", "zh-Hans"),  # any Chinese makes it Chinese
        ("iPad 螢幕有亮點", "zh-Hant"),
        ("warranty 多久", "zh-Hans"),
    ],
)
def test_mixed_text_is_chinese(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["👍", "123", "１２３", "ok?", "OK", "!!!", "", "   ", "R20240501", "😭😭😭", "haha", "/start", "/help@SupportBot"])
def test_no_signal_is_none(text: str) -> None:
    assert detect_language(text) is None


def test_neutral_chinese_keeps_the_conversation_script() -> None:
    # 你好 and 保修期多久 are written the same in both scripts.
    assert detect_language("你好") == "zh-Hans"
    assert detect_language("你好", fallback="zh-Hant") == "zh-Hant"
    assert detect_language("你好", fallback="en") == "zh-Hans"
    # Real evidence wins over the fallback.
    assert detect_language("维修进度", fallback="zh-Hant") == "zh-Hans"


@pytest.mark.parametrize("junk", [None, 3.5, "\x00\x01", "\ud800", "a" * 100_000, "中" * 100_000])
def test_junk_never_raises(junk: object) -> None:
    detect_language(junk)
