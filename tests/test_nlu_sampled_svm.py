"""The classifier for knowledge bases of thousands of intents, and calibration of large knowledge bases."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from bot.nlu import model as model_module
from bot.nlu.calibrate import plan_folds
from bot.nlu.matcher import IntentMatcher
from bot.nlu.sampled_svm import SparseWeights, fit_sampled_ovr


def test_same_as_linear_svc_when_every_text_is_in_every_problem() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(200, 40, density=0.2, format="csr", random_state=1, dtype=np.float64)
    y = rng.integers(0, 3, 200)
    weights = rng.uniform(0.3, 1.0, 200)
    sparse, bias = fit_sampled_ovr(X, y, 3, weights, 1.0, 1e-4)
    svm = LinearSVC(C=1.0, tol=1e-4, max_iter=5000, random_state=0).fit(X, y, sample_weight=weights)
    coef = np.vstack([sparse.scores(np.array([f]), np.array([1.0], dtype=np.float32)) for f in range(40)])
    assert np.allclose(coef, svm.coef_.T, atol=2e-3)
    assert np.allclose(bias, svm.intercept_, atol=2e-3)


def test_sparse_weights_score_like_the_dense_product() -> None:
    W = sp.random(500, 300, density=0.03, format="lil", random_state=2, dtype=np.float32)
    W[7, :] = np.linspace(-1, 1, 300)  # a feature weighted for every class: stored in the dense block
    W = sp.csr_matrix(W)
    weights = SparseWeights(W)
    assert weights.dense.shape[0] >= 1
    idx = np.array([3, 7, 100, 499])
    values = np.array([0.5, 0.25, 1.0, 0.1], dtype=np.float32)
    assert np.allclose(weights.scores(idx, values), W[idx].T @ values, atol=1e-6)
    assert np.allclose(weights.scores(np.array([], dtype=np.int64), np.array([], dtype=np.float32)), 0.0)


def test_the_dense_block_read_in_slices_scores_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.nlu import sampled_svm

    rng = np.random.default_rng(3)
    W = sp.lil_matrix(sp.random(400, 200, density=0.02, random_state=4, dtype=np.float32))
    for row in range(0, 40, 4):  # ten features weighted for every class: the dense block
        W[row, :] = rng.uniform(-1, 1, 200)
    W = sp.csr_matrix(W)
    idx = np.array([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 50, 399])
    values = rng.uniform(0.1, 1.0, len(idx)).astype(np.float32)
    whole = SparseWeights(W).scores(idx, values)
    # Three rows of 200 float32 a slice: the ten dense rows in four slices.
    monkeypatch.setattr(sampled_svm, "GATHER_BYTES", 3 * 200 * 4)
    sliced = SparseWeights(W)
    assert sliced.dense.shape[0] == 10
    products: list[int] = []
    einsum = np.einsum

    def counted(*args: object) -> object:
        products.append(1)
        return einsum(*args)

    monkeypatch.setattr(sampled_svm.np, "einsum", counted)
    assert np.allclose(sliced.scores(idx, values), whole, atol=1e-5)
    assert len(products) == 4
    assert np.allclose(whole, W[idx].T @ values, atol=1e-5)


def test_large_single_fold_holds_out_a_tenth_of_few_shot_examples() -> None:
    # 1,000 intents of 6 examples: more than `large` examples, so one fold; a tenth of 6 is not a whole
    # example, and holding out none left the confidence model with nothing to learn from.
    labels = [f"intent{i // 6}" for i in range(6000)]
    (fold,) = plan_folds(labels, 100)
    assert 0.08 * 5400 <= len(fold.positives) <= 0.12 * 5400
    assert not set(fold.positives) & set(fold.train)
    assert all(labels[i] not in fold.held_out_intents for i in fold.positives)


def test_many_intents_train_the_sampled_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "SAMPLED_SVM_ABOVE", 10)
    topics = {
        "battery": ["battery drains fast", "battery replacement price", "new battery cost", "battery dies quickly", "swap the battery"],
        "screen": ["cracked screen repair", "screen is broken", "replace the display", "display has lines", "screen glass shattered"],
        "wifi": ["wifi keeps dropping", "cannot connect to wifi", "wireless is slow", "router wifi password", "wifi signal weak"],
        "invoice": ["need an invoice", "send me the receipt", "tax invoice for repair", "invoice is wrong", "download my invoice"],
        "refund": ["i want a refund", "money back please", "refund status", "how long does a refund take", "cancel and refund"],
    }
    examples = [(text, intent) for intent, texts in topics.items() for text in texts]
    matcher = IntentMatcher.fit(examples, background=["what a nice day", "tell me a joke", "who won the game"])
    assert isinstance(matcher._model.weights, SparseWeights)
    again = pickle.loads(pickle.dumps(matcher))
    for text, intent in [("my battery drains so fast", "battery"), ("the screen glass is cracked", "screen"),
                         ("wifi dropping all the time", "wifi"), ("where is my refund", "refund")]:
        assert matcher.match(text).best.intent_id == intent  # type: ignore[union-attr]
        assert again.match(text) == matcher.match(text)


def test_falls_back_to_linear_svc_if_liblinear_entry_point_changes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.nlu import sampled_svm

    X = sp.random(120, 30, density=0.25, format="csr", random_state=3, dtype=np.float64)
    y = np.random.default_rng(1).integers(0, 3, 120)
    direct, direct_bias = fit_sampled_ovr(X, y, 3, np.ones(120), 1.0, 1e-4)

    def changed(*args: object) -> None:
        raise TypeError("train_wrap() takes 13 positional arguments")

    monkeypatch.setattr(sampled_svm, "_liblinear_direct", changed)
    sampled_svm._warn_fallback.cache_clear()
    with caplog.at_level(logging.WARNING, logger=sampled_svm.__name__):
        fallback, fallback_bias = fit_sampled_ovr(X, y, 3, np.ones(120), 1.0, 1e-4)
    assert [r.getMessage() for r in caplog.records].count(
        "liblinear's entry point could not be called (TypeError: train_wrap() takes 13 positional arguments); "
        "each intent trains through LinearSVC, slower") == 1  # once, not once per intent
    probe = np.arange(30)
    values = np.ones(30, dtype=np.float32)
    assert np.allclose(direct.scores(probe, values), fallback.scores(probe, values), atol=2e-3)
    assert np.allclose(direct_bias, fallback_bias, atol=2e-3)


@pytest.mark.parametrize("gather", ["scipy's row gather", "fancy indexing"])
def test_a_problems_rows_are_the_corpus_rows_in_its_dtypes(gather: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.nlu import sampled_svm

    if gather == "fancy indexing":
        monkeypatch.setattr(sampled_svm, "_csr_row_index", None)
    X = sp.random(60, 25, density=0.15, format="lil", random_state=4, dtype=np.float32)
    X[[5, 17], :] = 0  # rows with no entry at all
    X = sp.csr_matrix(X)
    for rows in (np.array([0, 5, 6, 17, 59]), np.arange(60), np.array([17]), np.array([], dtype=np.int64)):
        sub = sampled_svm._rows(X, rows)
        assert sub.shape == (len(rows), 25)
        assert sub.dtype == np.float32 and sub.indices.dtype == X.indices.dtype and sub.indptr.dtype == X.indptr.dtype
        assert np.array_equal(sub.toarray(), X[rows].toarray())


def test_a_float32_corpus_trains_the_same_weights_as_float64() -> None:
    # The corpus is float32; liblinear reads it into doubles itself, so nothing is converted per problem.
    rng = np.random.default_rng(5)
    X64 = sp.random(300, 80, density=0.1, format="csr", random_state=6, dtype=np.float64)
    X32 = X64.astype(np.float32)
    X64 = X32.astype(np.float64)  # the same values in both
    y = rng.integers(0, 6, 300)
    weights = rng.uniform(0.3, 1.0, 300)
    w32, b32 = fit_sampled_ovr(X32, y, 6, weights, 1.0, 1e-4)
    w64, b64 = fit_sampled_ovr(X64, y, 6, weights, 1.0, 1e-4)
    probe = np.arange(80)
    values = np.ones(80, dtype=np.float32)
    assert np.array_equal(w32.scores(probe, values), w64.scores(probe, values))
    assert np.array_equal(b32, b64)


def test_a_problem_on_the_corpus_columns_trains_the_weights_of_one_renumbered_to_its_own() -> None:
    # What fit_sampled_ovr did before: the problem's columns renumbered 0..n-1 and its values in float64.
    from bot.nlu import sampled_svm

    X = sp.random(400, 3000, density=0.01, format="csr", random_state=7, dtype=np.float32)
    X = sampled_svm._as_liblinear_reads(X)
    rng = np.random.default_rng(8)
    rows = np.sort(rng.choice(400, 150, replace=False))
    y = (rng.random(150) < 0.3).astype(np.float64)
    weight = rng.uniform(0.3, 1.0, 150)
    wide = sampled_svm._rows(X, rows)
    assert wide.dtype == np.float32 and wide.indices.dtype == np.int32 and wide.shape[1] == 3000
    w, bias = sampled_svm._liblinear_direct(wide, y, 1.0, 1e-3, weight)  # the fast path takes it as it is
    used = np.unique(wide.indices)
    lookup = np.full(3000, -1)
    lookup[used] = np.arange(len(used))
    own = sp.csr_matrix((wide.data.astype(np.float64), lookup[wide.indices].astype(np.int32), wide.indptr),
                        shape=(len(rows), len(used)))
    w_own, bias_own = sampled_svm._liblinear_direct(own, y, 1.0, 1e-3, weight)
    assert np.array_equal(w[used], w_own) and bias == bias_own
    assert not np.delete(w, used).any()  # a column no row of the problem has keeps weight 0


def test_rows_outside_the_corpus_are_refused() -> None:
    from bot.nlu import sampled_svm

    X = sp.random(10, 5, density=0.5, format="csr", random_state=9, dtype=np.float32)
    for rows in (np.array([0, 10]), np.array([-1, 2])):
        with pytest.raises(IndexError):
            sampled_svm._rows(X, rows)


def test_a_corpus_in_other_dtypes_is_given_to_liblinear_as_it_reads_them() -> None:
    from bot.nlu import sampled_svm

    counts = sp.csr_matrix(np.random.default_rng(10).integers(0, 3, (30, 8)).astype(np.int32))  # counts, not floats
    X = counts.copy()
    X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)  # as a larger corpus would have
    assert X.indices.dtype == np.int64
    ready = sampled_svm._as_liblinear_reads(X)
    assert ready.dtype == np.float64 and ready.indices.dtype == np.int32 and ready.indptr.dtype == np.int32
    assert np.array_equal(ready.toarray(), X.toarray().astype(np.float64))
