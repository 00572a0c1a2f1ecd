"""Sentence embeddings (bot/nlu/semantic.py) and what they bring to the matcher."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from bot.nlu import semantic
from bot.nlu.matcher import IntentMatcher
from bot.nlu.semantic import DIM, MeaningColumns, SemanticIndex, embed


def test_embeddings_are_unit_vectors_of_the_documented_size() -> None:
    vectors = embed(["我的手机进水了", "my phone fell in water", ""])
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-3)
    assert np.isfinite(vectors).all()


def test_the_same_meaning_in_chinese_and_english_is_closer_than_another_topic() -> None:
    water_zh, water_en, invoice_en, fee_zh = embed(
        ["手机掉进水里了", "my phone got wet", "can I get an invoice", "上门服务要收费吗"]
    )
    assert water_zh @ water_en > water_zh @ invoice_en
    assert water_zh @ water_en > water_zh @ fee_zh


def test_a_corpus_is_embedded_a_slice_at_a_time_into_one_array(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"question number {i}" for i in range(7)]
    whole = embed(texts)
    monkeypatch.setattr(semantic, "_SLICE", 3)
    out = np.zeros((7, DIM), dtype=np.float32)
    assert embed(texts, out=out) is out
    assert np.allclose(out, whole, atol=1e-5)


class _SlowEncoder:
    """Takes a while per slice, and fails on the thread named `fail_on`, if any."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    def encode(self, texts: list[str]) -> np.ndarray:
        time.sleep(0.01)
        if threading.current_thread().name == self.fail_on:
            raise RuntimeError("encoder failed")
        return np.ones((len(texts), DIM), dtype=np.float32)


def _helpers_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "corpus-embedding" and t.is_alive()]


def test_a_failure_on_the_helper_thread_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_shared_encoder", lambda: _SlowEncoder(fail_on="corpus-embedding"))
    monkeypatch.setattr(semantic, "_SLICE", 1)
    job = semantic.CorpusEmbedding([f"text {i}" for i in range(300)])
    with pytest.raises(RuntimeError, match="encoder failed"):
        job.finish()
    assert not _helpers_alive()


def test_a_failure_on_the_callers_slice_stops_the_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_shared_encoder", lambda: _SlowEncoder(fail_on=threading.current_thread().name))
    monkeypatch.setattr(semantic, "_SLICE", 1)
    job = semantic.CorpusEmbedding([f"text {i}" for i in range(300)])
    with pytest.raises(RuntimeError, match="encoder failed"):
        job.finish()
    assert not _helpers_alive()  # it did not go on embedding the rest of the 300 texts alone


def test_a_failed_featurising_stops_the_corpus_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.nlu.model import Corpus, Item

    monkeypatch.setattr(semantic, "_shared_encoder", lambda: _SlowEncoder())
    monkeypatch.setattr(semantic, "_SLICE", 1)

    def broken(text: str) -> dict[str, list[str]]:
        raise MemoryError("featurising failed")

    items = [Item(f"question {i}", "intent", 1.0, True, "example") for i in range(300)]
    with pytest.raises(MemoryError):
        Corpus(broken, items)  # type: ignore[arg-type]
    assert not _helpers_alive()


def test_a_text_the_corpus_repeats_is_featurised_and_embedded_once() -> None:
    from bot.nlu.features import Featurizer
    from bot.nlu.model import BACKGROUND, Corpus, Item

    items = [
        Item("维修要多久", "repair.time", 1.0, True, "example"),
        Item("維修要多久", "repair.time", 0.8, True, "evidence"),  # the Traditional title: the same text once normalised
        Item("换屏幕多少钱", "screen.price", 1.0, True, "example"),
        Item("换屏幕多少钱", "screen.price", 0.3, False, "evidence"),  # an answer: never embedded
        Item("今天天气不错", BACKGROUND, 1.0, False, "background"),
    ]
    corpus = Corpus(Featurizer(), items)
    assert len(corpus.embeddings) == 3
    assert corpus.position[0] == corpus.position[1] and corpus.position[3] == -1
    assert np.allclose(corpus.embedding(1), embed(["维修要多久"])[0], atol=1e-5)
    assert (corpus.matrix[0] != corpus.matrix[1]).nnz == 0
    assert (corpus.matrix[3, corpus.meaning.columns] != 0).nnz == 0  # no meaning columns for an answer
    assert corpus.n_distinct[0] == corpus.n_distinct[1]


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("large", [False, True])
def test_nearest_is_the_closest_example_of_each_class_and_ignores_background(
    monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    if large:  # the centroid shortlist, with every class short-listed: still exact
        monkeypatch.setattr(semantic, "CENTROID_SHORTLIST_ABOVE", 5)
    vectors = _vectors(12)
    classes = np.array([0, 0, 1, 1, 1, 3, 3, 3, 3, 0, 1, 3])  # class 2 is the background, with no row here
    classes[[3, 7]] = 2
    index = SemanticIndex(vectors, classes, n_classes=4, background=2)
    query = vectors[4] * 0.6 + vectors[0] * 0.4
    query /= np.linalg.norm(query)
    best = index.nearest(query)
    tolerance = 2e-3 if large else 1e-5  # the centroid path keeps its vectors as int8 codes
    for cls in (0, 1, 3):
        expected = max(float(vectors[i] @ query) for i in range(12) if classes[i] == cls)
        assert best[cls] == pytest.approx(expected, abs=tolerance)
    assert best[2] == -1.0
    assert index.background(query) == pytest.approx(max(float(vectors[i] @ query) for i in (3, 7)), abs=1e-5)


def test_centroids_count_every_row_even_when_the_last_classes_have_none() -> None:
    vectors = _vectors(5)
    index = SemanticIndex(vectors, np.array([0, 1, 1, 1, 1]), n_classes=4, background=-1, centroids=True)
    query = vectors[1:].sum(axis=0)
    query /= np.linalg.norm(query)
    centroid = index._centroids[1]
    assert np.allclose(centroid, query, atol=1e-5)  # all four rows of class 1, not three
    assert (index._centroids[2:] == 0).all()


def test_long_messages_are_embedded_on_their_opening_only() -> None:
    opening = "我的手机屏幕碎了，想问一下换屏幕要多少钱。"
    padded = opening + "谢谢" * semantic.MEANING_CHARS
    assert np.allclose(embed([padded[: semantic.MEANING_CHARS]]), embed([padded]), atol=1e-6)


def test_on_large_corpora_only_short_listed_classes_are_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "CENTROID_SHORTLIST_ABOVE", 5)
    monkeypatch.setattr(semantic, "CENTROID_SHORTLIST", 1)
    vectors = _vectors(9)
    classes = np.repeat(np.arange(3), 3)
    index = SemanticIndex(vectors, classes, n_classes=3, background=-1)
    best = index.nearest(vectors[0])
    assert best[0] == pytest.approx(1.0, abs=2e-3)  # int8 codes on this path
    assert (best[1:] == -1.0).all()
    asked = index.nearest(vectors[0], also=[2])
    assert asked[2] == pytest.approx(max(float(vectors[i] @ vectors[0]) for i in (6, 7, 8)), abs=2e-3)


def test_thousands_of_classes_are_short_listed_by_projected_centroids_first() -> None:
    # Above CENTROID_PREFILTER classes the centroids are compared on a projection first: the class of a
    # message identical to one of its texts must survive that rough pass, and every class compared gets
    # its exact nearest-text similarity.
    n_classes = 3 * semantic.CENTROID_PREFILTER
    vectors = _vectors(3 * n_classes, seed=5)
    classes = np.repeat(np.arange(n_classes), 3)
    index = SemanticIndex(vectors, classes, n_classes=n_classes, background=-1, centroids=True)
    for row in (0, 100, 301, len(vectors) - 1):
        best = index.nearest(vectors[row], also=[7])
        assert best[classes[row]] == pytest.approx(1.0, abs=2e-3)
        compared = np.flatnonzero(best > -1.0)
        assert 7 in compared and len(compared) <= semantic.CENTROID_SHORTLIST + 1
        for cls in compared:
            exact = max(float(vectors[i] @ vectors[row]) for i in np.flatnonzero(classes == cls))
            assert best[cls] == pytest.approx(exact, abs=2e-3)


def test_meaning_columns_come_after_the_lexical_ones_projected_on_principal_components() -> None:
    vectors = _vectors(300)
    tiny = MeaningColumns.fit(vectors[: semantic.PROJECTED_DIMS], offset=40)
    assert tiny.columns[0] == 40 and len(tiny.columns) == DIM
    assert np.array_equal(tiny.features(vectors[0]), vectors[0])
    projected = MeaningColumns.fit(vectors, offset=40)
    assert len(projected.columns) == semantic.PROJECTED_DIMS
    features = projected.features(vectors)
    assert features.shape == (300, semantic.PROJECTED_DIMS)
    # principal components: the first carries at least as much variance as the last
    variances = features.var(axis=0)
    assert variances[0] >= variances[-1]


def test_a_paraphrase_with_no_word_in_common_reaches_its_intent() -> None:
    """The lexical features alone cannot bridge these; the embedding must."""
    examples = [
        ("手机进水了怎么办", "water"), ("手机泡水还能修吗", "water"), ("电脑上洒了咖啡", "water"),
        ("上门维修收费吗", "fee"), ("工程师上门要多少钱", "fee"), ("上门服务费是多少", "fee"),
        ("怎么开发票", "invoice"), ("维修能开发票吗", "invoice"), ("发票抬头怎么改", "invoice"),
    ]
    matcher = IntentMatcher.fit(examples, background=["今天天气怎么样", "讲个笑话"])
    best = matcher.match("my phone fell into the toilet").best
    assert best is not None and best.intent_id == "water"
    best = matcher.match("how do I get a receipt for tax").best
    assert best is not None and best.intent_id == "invoice"
