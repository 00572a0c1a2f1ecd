"""The one catalog (`bot.i18n`): every key in the three languages, the same placeholders, plural forms.

This is the only parity test: every table that used to have its own (engine, booking, agents,
Telegram, SMS, console) is now a topic of this catalog.
"""

from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOG, Entry, Message, Plural, text
from bot.i18n.formats import plural_categories
from bot.knowledge import load_knowledge
from bot.settings import LANGUAGES
from tests.conftest import ROOT


def placeholders(line: str) -> set[str]:
    """The named placeholders of one line ("{brand}" -> {"brand"})."""
    return {name for _, name, _, _ in string.Formatter().parse(line) if name}


def forms(entry: Entry, language: str) -> list[str]:
    """Every form of the entry's line in `language`: one for a plain line, one per plural category."""
    line = entry[language]  # type: ignore[index]
    return list(line.forms.values()) if isinstance(line, Plural) else [line]


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_in_three_languages_with_the_same_placeholders(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == set(LANGUAGES)
    names = {frozenset(placeholders(form)) for language in LANGUAGES for form in forms(entry, language)}
    assert len(names) == 1, (key, names)
    assert all(form.strip() for language in LANGUAGES for form in forms(entry, language))
    for language in LANGUAGES:
        line = entry[language]
        if isinstance(line, Plural):
            # Exactly the forms Babel's CLDR rules distinguish: en one/other; Chinese only other.
            assert set(line.forms) == plural_categories(language), (key, language, sorted(line.forms))
            assert line.count in next(iter(names)), (key, line.count)


def test_traditional_lines_are_traditional() -> None:
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    for key, entry in CATALOG.items():
        for form in forms(entry, "zh-Hant"):
            # OpenCC writes 臺北; Taiwan's own everyday spelling (and the SMS help's example) is 台北.
            assert to_traditional.convert(form).replace("臺北", "台北") == form, key


def test_a_reply_is_a_string_that_knows_its_key() -> None:
    line = text("too_long", "en", limit=300)
    assert isinstance(line, Message) and isinstance(line, str)
    assert (line.key, line.values) == ("too_long", {"limit": 300})
    assert "300" in line and text("welcome", "en", brand="Acme").key == "welcome"


def test_plural_forms_follow_the_language() -> None:
    assert text("handoff.wait.minutes", "en", minutes=1) == "Recently people have waited about 1 minute for a person."
    assert text("handoff.wait.minutes", "en", minutes=2) == "Recently people have waited about 2 minutes for a person."
    assert text("handoff.wait.minutes", "zh-Hans", minutes=1) == "最近大家等待人工的时间约为 1 分钟。"
    assert text("handoff.wait.minutes", "zh-Hant", minutes=2) == "最近大家等待真人客服的時間約為 2 分鐘。"
    assert text("agent.event.delivered_late", "en", count=1) == "📬 1 kept message delivered to the customer now."
    assert text("agent.event.delivered_late", "en", count=3) == "📬 3 kept messages delivered to the customer now."
    assert text("cli.check.warnings", "en", count=1) == "; 1 warning"
    assert text("booking.summary.photos", "en", count=1) == " (1 photo attached)"
    assert text("booking.option.day", "en", day="Wed 26 Nov", count=1) == "Wed 26 Nov (1 time free)"
    with pytest.raises(KeyError):
        text("handoff.wait.minutes", "en")


def test_brand_is_filled_in() -> None:
    assert "Acme" in text("welcome", "en", brand="Acme")
    kb = load_knowledge(ROOT / "knowledge")
    for entry in kb.entries:
        for language in LANGUAGES:
            assert "{" not in entry.answer_in(language, "Acme").replace("{brand}", ""), entry.id
