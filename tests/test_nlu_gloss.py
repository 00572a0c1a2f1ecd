"""CC-CEDICT glosses: dictionary segmentation, gloss mapping, the ``g`` feature family and what it buys the
matcher (a Chinese-only knowledge base answering an English paraphrase)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.features import FAMILIES, Featurizer, has_han
from bot.nlu.gloss import english_glosses, gloss_table, han_glosses, segment, stem
from bot.nlu.matcher import IntentMatcher
from bot.nlu.normalize import normalize
from bot.nlu.semantic import DIM


def test_segmentation_takes_the_longest_dictionary_word() -> None:
    assert segment("修理电脑") == ["修理", "电脑"]
    assert segment("手机屏幕") == ["手机", "屏幕"]
    # 坏了 is a headword, but its senses are interjections ("gosh!"): not a word for glossing.
    assert segment("屏幕坏了") == ["屏幕", "坏", "了"]
    assert segment("") == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [("修", "repair"), ("修理", "repair"), ("屏幕", "screen"), ("电脑", "comput"), ("退款", "refund"),
     ("保修", "warranti"), ("发票", "invoic"), ("慢", "slow")],
)
def test_chinese_words_gloss_to_stemmed_english(word: str, expected: str) -> None:
    assert expected in han_glosses(word)


def test_glosses_leave_out_names_variants_and_particles() -> None:
    table = gloss_table()
    assert "的" not in table and "了" not in table  # particles: their other readings (的 "taxi") mislead
    assert "surname" not in table["修"]
    assert all(w == w.lower() and w.isalpha() for w in table["电脑"])


def test_english_words_stem_like_the_glosses() -> None:
    assert english_glosses("repairs") == english_glosses("repaired") == [stem("repair")] == ["repair"]
    assert english_glosses("my") == []  # function word
    assert english_glosses("iphone15") == []  # not a plain word
    assert english_glosses("x") == []


def test_gloss_family_shares_features_between_chinese_and_english_paraphrases() -> None:
    featurizer = Featurizer(gloss=True)
    assert "g" in FAMILIES
    chinese = set(featurizer(normalize("帮我修电脑"))["g"])
    english = set(featurizer(normalize("Can you repair my computer?"))["g"])
    assert {"repair", "comput"} <= chinese & english
    # Two Chinese words for the same thing meet on their gloss.
    assert "repair" in set(featurizer(normalize("修"))["g"]) & set(featurizer(normalize("修理"))["g"])
    # Traditional text is normalised to Simplified first, so it glosses the same.
    assert "screen" in featurizer(normalize("螢幕"))["g"]


def test_gloss_family_is_for_corpora_with_chinese() -> None:
    assert Featurizer()(normalize("修电脑 repair"))["g"] == []  # off unless asked for
    assert has_han(["reset my password", "修电脑"]) and not has_han(["reset my password", ""])


# A tiny knowledge base whose examples are Chinese only; the English questions below share no word with
# them, nor with the synonym lexicon (there is none): only the dictionary links them.
_KB = [
    ("screen", ["屏幕碎了", "屏幕裂了怎么办", "手机屏幕摔坏了", "屏幕有裂纹", "换个屏幕"]),
    ("refund", ["我要退款", "退款多久到账", "怎么申请退款", "钱能退回来吗", "退款进度"]),
    ("invoice", ["开发票", "发票怎么开", "能给我开张发票吗", "发票丢了", "要发票"]),
    ("battery", ["电池不耐用", "电池掉电快", "电池鼓包了", "换电池多少钱", "电池老化"]),
]
_ENGLISH = [
    ("my screen is cracked", "screen"),
    ("I want a refund", "refund"),
    ("can I get an invoice", "invoice"),
    ("battery drains fast", "battery"),
]


def _top1(matcher: IntentMatcher) -> list[str | None]:
    return [(r.best.intent_id if r.best else None) for r in (matcher.match(text) for text, _ in _ENGLISH)]


def test_chinese_only_knowledge_base_answers_english_paraphrases(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.nlu import features

    examples = [(q, intent) for intent, questions in _KB for q in questions]
    background = ["今天天气怎么样", "what is the weather today", "tell me a joke", "讲个笑话", "你是谁"]
    expected = [intent for _, intent in _ENGLISH]
    assert _top1(IntentMatcher.fit(examples, background=background)) == expected
    # With the gloss family weighted to nothing the sentence embeddings still bridge the two languages...
    monkeypatch.setitem(features.FAMILY_WEIGHTS, "g", 0.0)
    assert _top1(IntentMatcher.fit(examples, background=background)) == expected
    # ...and without those either, the matcher has nothing to go on.
    from bot.nlu import semantic

    class NoMeaning:  # an encoder that places every text at the origin: training texts and messages alike
        def encode(self, texts):  # type: ignore[no-untyped-def]
            return np.zeros((len(texts), DIM), dtype=np.float32)

    monkeypatch.setattr(semantic, "_shared_encoder", lambda: NoMeaning())
    without = _top1(IntentMatcher.fit(examples, background=background))
    assert sum(a == b for a, b in zip(without, expected, strict=True)) <= 1


def test_a_knowledge_base_with_english_questions_goes_without_glosses_whatever_its_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every knowledge base has Chinese answers: the switch looks at the customers' questions only."""
    from bot.knowledge import load_knowledge
    from bot.nlu.matcher import IntentMatcher

    faq = tmp_path / "faq"
    faq.mkdir()
    entries = []
    for name, questions in [("password", ["reset my password", "forgot my password", "password reset", "change password", "lost password"]),
                            ("order", ["where is my order", "order status", "track my order", "has my order shipped", "order tracking"])]:
        entries.append(
            f"- id: it.{name}\n  title: {{zh-Hans: 标题, zh-Hant: 標題, en: Title}}\n  questions: {questions}\n"
            f"  answer: {{zh-Hans: 中文回答, zh-Hant: 中文回答, en: An answer}}\n"
        )
    (faq / "it.yaml").write_text("".join(entries), encoding="utf-8")
    matcher = IntentMatcher.from_knowledge(load_knowledge(tmp_path))
    assert matcher._featurizer.gloss is False
    assert matcher.match("where is my order").best.intent_id == "it.order"  # type: ignore[union-attr]
