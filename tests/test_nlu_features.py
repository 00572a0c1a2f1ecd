"""Feature families and their TF-IDF vectors (scikit-learn, one vectoriser per family)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.nlu.features import FAMILIES, FAMILY_WEIGHTS, Featurizer, fit_vectorizer, pack, vectorize_one
from bot.nlu.normalize import normalize

TEXTS = [
    "my screen is broken",
    "screen broken again",
    "the battery drains fast",
    "保修期多长时间",
    "宝修期多久",
    "送修能借备用机吗",
    "我的 iphone 屏幕坏了",
    "can i get a loaner phone",
]
SYNONYMS = (frozenset({"备用机", "备机", "loaner"}), frozenset({"保修", "warranty"}))


@pytest.fixture(scope="module")
def featurizer() -> Featurizer:
    return Featurizer(synonyms=SYNONYMS, gloss=True)


@pytest.fixture(scope="module")
def fitted(featurizer: Featurizer):  # type: ignore[no-untyped-def]
    bags = [featurizer(normalize(t)) for t in TEXTS]
    union, matrix = fit_vectorizer([pack(b) for b in bags])
    return union, matrix, bags


def test_families(featurizer: Featurizer) -> None:
    bag = featurizer(normalize("Screen broken 保修"))
    assert set(bag) == set(FAMILIES)
    assert bag["w"] == ["screen", "broken"]
    assert bag["b"] == ["screen broken"]
    assert "<scr" in bag["c"] and "en>" in bag["c"]
    assert {"保", "修", "保修"} <= set(bag["h"])
    assert bag["p"] == ["bao xiu"]
    assert bag["k"] == ["1"]  # the warranty concept
    # A homophone typo shares the pinyin and the concept with the right word.
    typo = featurizer(normalize("宝修"))
    assert typo["p"] == bag["p"] and typo["k"] == bag["k"]
    # English reaches the same concept as Chinese.
    assert featurizer("loaner")["k"] == featurizer("备机")["k"] == ["0"]


def test_matrix_is_per_family_l2_normalised_and_weighted(fitted) -> None:  # type: ignore[no-untyped-def]
    union, matrix, bags = fitted
    assert matrix.shape[0] == len(TEXTS)
    offset = 0
    for family, vectorizer in union.transformer_list:
        assert not isinstance(vectorizer, str), family  # every family occurs in TEXTS
        width = len(vectorizer.vocabulary_)
        block = matrix[:, offset : offset + width].toarray()
        norms = np.sqrt((block * block).sum(axis=1))
        for i, bag in enumerate(bags):
            expected = FAMILY_WEIGHTS[family] if bag[family] else 0.0
            assert norms[i] == pytest.approx(expected, abs=1e-5), (family, TEXTS[i])
        offset += width
    assert offset == matrix.shape[1]


def test_tf_idf_formula() -> None:
    # Sublinear tf (1 + ln tf) x smoothed idf (ln((1 + n) / (1 + df)) + 1), then L2 within the family.
    docs = [{**{f: "" for f in FAMILIES}, "w": w} for w in ["a\na\nb", "b", "c"]]
    union, matrix = fit_vectorizer(docs)
    assert [name for name, t in union.transformer_list if not isinstance(t, str)] == ["w"]
    a = (1 + math.log(2)) * (math.log(4 / 2) + 1)
    b = math.log(4 / 3) + 1
    norm = math.hypot(a, b)
    vocabulary = union.transformer_list[0][1].vocabulary_
    row = matrix[0].toarray()[0]
    assert row[vocabulary["a"]] == pytest.approx(a / norm, rel=1e-5)
    assert row[vocabulary["b"]] == pytest.approx(b / norm, rel=1e-5)
    assert row[vocabulary["c"]] == 0.0


def test_single_message_path_equals_union_transform(fitted, featurizer: Featurizer) -> None:  # type: ignore[no-untyped-def]
    union, matrix, _ = fitted
    for text in TEXTS + ["screen 坏了 loaner", "unseen words only", "维修", "a"]:
        bag = featurizer(normalize(text))
        idx, values = vectorize_one(union, bag)
        expected = union.transform([pack(bag)])
        got = np.zeros(matrix.shape[1])
        got[idx] = values
        np.testing.assert_allclose(got, expected.toarray()[0], rtol=1e-6, atol=1e-7, err_msg=text)
    for i, text in enumerate(TEXTS):  # and both agree with the training matrix
        idx, values = vectorize_one(union, featurizer(normalize(text)))
        got = np.zeros(matrix.shape[1])
        got[idx] = values
        np.testing.assert_allclose(got, matrix[i].toarray()[0], rtol=1e-6, atol=1e-7, err_msg=text)


def test_empty_families_are_dropped() -> None:
    featurizer = Featurizer(synonyms=SYNONYMS)  # no gloss family: the matcher glosses corpora with Chinese only
    english = ["reset my password", "password reset please", "where is my order", "order status"]
    union, matrix = fit_vectorizer([pack(featurizer(normalize(t))) for t in english])
    kept = [name for name, t in union.transformer_list if not isinstance(t, str)]
    assert kept == ["w", "b", "c"]
    idx, values = vectorize_one(union, featurizer(normalize("重置密码")))  # no family it knows
    assert len(idx) == len(values) == 0
    # min_df pruning that empties a family (each bigram occurs once) drops it too.
    union, matrix = fit_vectorizer([pack(featurizer(normalize(t))) for t in english], min_df=2)
    assert [name for name, t in union.transformer_list if not isinstance(t, str)] == ["w", "c"]
    assert matrix.shape == (4, sum(len(t.vocabulary_) for _, t in union.transformer_list if not isinstance(t, str)))


def test_nothing_to_fit() -> None:
    with pytest.raises(ValueError, match="no features"):
        fit_vectorizer([pack({})])
