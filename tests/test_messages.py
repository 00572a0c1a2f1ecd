"""Everything the bot says exists in the three languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.engine.messages import MESSAGES, say
from bot.knowledge import load_knowledge
from bot.settings import LANGUAGES
from tests.conftest import ROOT


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_line_in_three_languages(key: str) -> None:
    lines = MESSAGES[key]
    assert set(lines) == set(LANGUAGES)
    assert all(lines[lang].strip() for lang in LANGUAGES)
    assert placeholders(lines["zh-Hans"]) == placeholders(lines["zh-Hant"]) == placeholders(lines["en"])


def test_traditional_lines_are_traditional() -> None:
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    for key, lines in MESSAGES.items():
        assert to_traditional.convert(lines["zh-Hant"]) == lines["zh-Hant"], key


def test_brand_is_filled_in() -> None:
    assert "Acme" in say("welcome", "en", brand="Acme")
    kb = load_knowledge(ROOT / "knowledge")
    for entry in kb.entries:
        for language in LANGUAGES:
            assert "{" not in entry.answer_in(language, "Acme").replace("{brand}", ""), entry.id
