"""The same question from many people is one group: Chinese by characters (Traditional read as
Simplified), English by words; an existing group keeps its members and gains new ones."""

from __future__ import annotations

from bot.learning.clustering import assign, script_of


def _groups(texts: list[str], script: str) -> list[set[str]]:
    found: dict[int, set[str]] = {}
    for text, where in zip(texts, assign(texts, [], script), strict=True):
        assert where.new is not None
        found.setdefault(where.new, set()).add(text)
    return sorted(found.values(), key=len, reverse=True)


def test_chinese_paraphrases_group_together_traditional_included() -> None:
    water = ["我的手机进水了怎么办", "手機進水了怎麼辦", "手机进水了还能修吗"]
    invoice = ["发票丢了能保修吗", "发票丢了还能保修吗", "發票丟了可以保固嗎"]
    groups = _groups(water + invoice + ["你们周末上班吗"], "zh")
    assert set(water) in groups
    assert set(invoice) in groups
    assert {"你们周末上班吗"} in groups


def test_english_paraphrases_group_by_words() -> None:
    water = ["my phone fell in water what do I do", "phone fell into the water", "Phone fell in water!!"]
    receipt = ["I lost my receipt, is it still under warranty", "lost receipt warranty", "warranty without a receipt?"]
    groups = _groups(water + receipt + ["are you open on saturday"], "en")
    assert set(water) in groups
    assert set(receipt) in groups
    assert {"are you open on saturday"} in groups


def test_a_new_message_joins_the_existing_group_it_resembles() -> None:
    existing = [(7, ["my phone fell in water what do I do"]), (9, ["lost receipt warranty"])]
    joined = assign(["phone fell into the water", "do you sell screen protectors"], existing, "en")
    assert joined[0].group == 7
    assert joined[1].group is None and joined[1].new == 0


def test_placeholders_do_not_make_messages_alike() -> None:
    # Two different questions that both carry a phone number are not one question.
    groups = _groups(["我的电话{phone}，屏幕碎了", "我的电话{phone}，电池不耐用"], "zh")
    assert len(groups) == 2


def test_script() -> None:
    assert script_of("手机 x20 进水") == "zh"
    assert script_of("x20 water damage") == "en"
