"""The classifier the matcher trains, and the signals it gives for one message (see `bot.nlu.matcher`).

`Corpus` holds every training text of one training, featurised, embedded and vectorised once (the
calibration's folds slice it); `Model` is a linear SVM trained on some of its rows, with what scoring a
message needs: the lexical and meaning features, the nearest examples by meaning and by spelling.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from bot.nlu import semantic
from bot.nlu.features import Featurizer, fit_vectorizer, pack
from bot.nlu.normalize import normalize
from bot.nlu.sampled_svm import SparseWeights, fit_sampled_ovr
from bot.nlu.semantic import DIM, CorpusEmbedding, MeaningColumns, SemanticIndex

__all__ = ["BACKGROUND", "MAX_CHARS", "SIGNALS", "Corpus", "Item", "Model", "n_distinct"]

BACKGROUND = "\x00background"  # the out-of-scope class; never a candidate
MAX_CHARS = 2000  # longer messages are matched on their first MAX_CHARS characters
SVM_TOL = 1e-3
# liblinear draws from one process-wide random generator (seeded at each fit): two fits at once would
# interleave its draws and train differently from run to run. The final model trains on another thread
# while the calibration scores its folds, so fits take turns.
_LIBLINEAR = threading.Lock()
LARGE_CORPUS = 3000  # examples; see Corpus
# Exact one-vs-rest trains each intent's SVM on every text: its cost is intents x texts. Above this many
# (class, text) pairs each intent's SVM trains on a bounded sample of the texts instead
# (bot/nlu/sampled_svm.py): about 100 intents of 100 texts (CLINC150, 2.3 million pairs, is above), or
# about 300 intents of a few examples with their titles and answers.
SAMPLED_SVM_ABOVE = 1_000_000
SHORTLIST = 4  # intents (by classifier score) whose fuzzy similarity is measured
SEMANTIC_SHORTLIST = 2  # more intents, closest by sentence embedding, that the classifier ranked lower
FUZZY_SCORER = fuzz.ratio
# Signals per candidate, in this order (see Model.signals).
SIGNALS = ("score", "margin", "over_background", "fuzzy", "coverage", "semantic", "semantic_margin", "semantic_over_background")



@dataclass(frozen=True)
class Item:
    """One training text before featurisation."""

    text: str
    label: str
    weight: float
    fuzzy: bool  # compared with rapidfuzz at match time (questions, keywords, titles; not long answers)
    kind: Literal["example", "evidence", "background"]


class Corpus:
    """Every training text of one `fit`, featurised and vectorised once (calibration folds slice it)."""

    def __init__(self, featurizer: Featurizer, items: Sequence[Item]) -> None:
        normalized: list[str] = []
        kept: list[Item] = []
        for item in items:
            norm = normalize(item.text)[:MAX_CHARS]
            if norm:
                normalized.append(norm)
                kept.append(item)
        self.normalized = normalized
        self.labels = [item.label for item in kept]
        self.weights = np.array([item.weight for item in kept])
        self.fuzzy = [item.fuzzy for item in kept]
        self.rows_by_kind: dict[str, list[int]] = {"example": [], "evidence": [], "background": []}
        for i, item in enumerate(kept):
            self.rows_by_kind[item.kind].append(i)
        if not self.rows_by_kind["example"] and not self.rows_by_kind["evidence"]:
            raise ValueError("no usable example: every example is empty once normalised")
        # On large training sets a feature seen in one text only costs memory and does not generalise.
        min_df = 2 if len(normalized) > LARGE_CORPUS else 1
        # Sentence embeddings of the short texts (questions, keywords, titles, background), not of answers:
        # computed on another thread while this one featurises, then on both (see CorpusEmbedding).
        self.semantic_rows = np.array(
            [i for i, item in enumerate(kept) if item.fuzzy or item.kind == "background"], dtype=np.int64
        )
        # A text that comes back (a title or an answer in Simplified and in Traditional Chinese normalise
        # to one text) is featurised and embedded once. embeddings[position[i]] is row i's embedding
        # (position -1: an answer, not embedded).
        self.position = np.full(len(kept), -1, dtype=np.int64)
        short: dict[str, int] = {}
        for i in self.semantic_rows:
            self.position[i] = short.setdefault(normalized[i], len(short))
        self.embeddings = np.empty((len(short), DIM), dtype=np.float32)
        with CorpusEmbedding(list(short), self.embeddings) as embedding:
            del short
            docs: list[dict[str, str]] = []
            distinct: list[int] = []
            featurised: dict[str, tuple[dict[str, str], int]] = {}
            for text in normalized:
                known = featurised.get(text)
                if known is None:
                    tokens = featurizer(text)
                    known = featurised[text] = (pack(tokens), n_distinct(tokens))
                docs.append(known[0])
                distinct.append(known[1])
            del featurised
            self.n_distinct = np.array(distinct, dtype=np.int64)  # distinct features of each text, pruned or not
            self.vectorizer, lexical = fit_vectorizer(docs, min_df=min_df)
            del docs
            embedding.finish()
        self.meaning = MeaningColumns.fit(self.embeddings, lexical.shape[1])
        meaning = np.zeros((len(kept), len(self.meaning.columns)), dtype=np.float32)
        meaning[self.semantic_rows] = self.meaning.features(self.embeddings)[self.position[self.semantic_rows]]
        self.matrix = sp.hstack([lexical, sp.csr_matrix(meaning)], format="csr")
        # The examples' count decides, as SemanticIndex's default does (background rows are apart).
        examples = len(self.semantic_rows) - len(self.rows_by_kind["background"])
        self.centroids = examples > semantic.CENTROID_SHORTLIST_ABOVE
        # Decided for the corpus, not per model, so that the calibration's folds train as the final model does.
        self.sampled_svm = len(set(self.labels)) * len(self.labels) > SAMPLED_SVM_ABOVE

    def embedding(self, i: int) -> np.ndarray:
        """Row i's sentence embedding (rows the calibration scores are all embedded)."""
        return self.embeddings[self.position[i]]

    def __len__(self) -> int:
        return len(self.labels)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        return self.matrix.indices[start:end].astype(np.int64), self.matrix.data[start:end]


class Model:
    """One trained classifier (on some rows of a corpus) with everything needed to score a message."""

    def __init__(self, corpus: Corpus, rows: Sequence[int], c: float) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        # The final model trains on every row: no row-gathered copy of the corpus's matrix for it.
        whole = len(rows) == len(corpus) and bool(np.array_equal(rows, np.arange(len(corpus))))
        matrix = corpus.matrix if whole else corpus.matrix[rows]
        self.meaning = corpus.meaning
        labels = [corpus.labels[i] for i in rows]
        self.vectorizer = corpus.vectorizer
        self.classes: list[str] = sorted(set(labels))
        with _LIBLINEAR:
            self.weights, self.bias = _fit_svm(matrix, labels, self.classes, corpus.weights[rows], c,
                                               corpus.meaning.offset, sampled=corpus.sampled_svm)
        self.seen = np.bincount(matrix.indices, minlength=matrix.shape[1]) > 0  # features in training
        self.background = self.classes.index(BACKGROUND) if BACKGROUND in self.classes else -1
        self.intents = np.array([i for i, name in enumerate(self.classes) if name != BACKGROUND], dtype=np.int64)
        index = {name: i for i, name in enumerate(self.classes)}
        examples: dict[int, set[str]] = defaultdict(set)
        for i in rows:
            if corpus.fuzzy[i] and corpus.labels[i] != BACKGROUND:
                examples[index[corpus.labels[i]]].add(corpus.normalized[i])
        self.examples = {k: sorted(v) for k, v in examples.items()}
        embedded = np.intersect1d(rows, corpus.semantic_rows)
        semantic_classes = np.array([index[corpus.labels[i]] for i in embedded], dtype=np.int64)
        self.semantic = SemanticIndex(corpus.embeddings, semantic_classes, len(self.classes), self.background,
                                      centroids=corpus.centroids, rows=corpus.position[embedded])

    def feature_vector(self, lexical: tuple[np.ndarray, np.ndarray], meaning: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A message's (column indices, values) for the classifier: its lexical features, then its meaning."""
        idx, values = lexical
        return (np.concatenate([idx, self.meaning.columns]),
                np.concatenate([values, self.meaning.features(meaning).astype(values.dtype, copy=False)]))

    def signals(self, idx: np.ndarray, values: np.ndarray, n_tokens: int, normalized: str,
                meaning: np.ndarray) -> tuple[list[int], np.ndarray]:
        """The shortlisted intents (class indices, best classifier score first, then the closest by
        meaning that the classifier ranked lower) and their signals.

        `idx`, `values`: the message's feature vector, lexical and meaning columns (`feature_vector`);
        `n_tokens`: how many distinct lexical features it had, known to the vocabulary or not (for the
        coverage signal); `meaning`: its sentence embedding.
        """
        scores = self.bias.copy()
        coverage = 0.0
        if len(idx):
            if isinstance(self.weights, SparseWeights):
                scores += self.weights.scores(idx, values)
            else:
                scores += values.astype(np.float32) @ self.weights[idx]
            lexical = idx[idx < self.meaning.offset]
            coverage = float(np.count_nonzero(self.seen[lexical])) / max(n_tokens, 1)
        background = float(scores[self.background]) if self.background >= 0 else -1.0
        intent_scores = scores[self.intents]
        k = min(SHORTLIST, len(self.intents))
        if k < len(self.intents):
            top = np.argpartition(-intent_scores, k - 1)[:k]
        else:
            top = np.arange(len(self.intents))
        top = top[np.argsort(-intent_scores[top], kind="stable")]
        chosen = [int(self.intents[i]) for i in top]
        best = float(intent_scores[top[0]])
        second = float(intent_scores[top[1]]) if len(top) > 1 else -1.0
        nearest = self.semantic.nearest(meaning, also=chosen)
        by_meaning = [int(c) for c in np.argsort(-nearest, kind="stable")[: SHORTLIST + SEMANTIC_SHORTLIST]]
        chosen += [c for c in by_meaning if c not in chosen and nearest[c] > -1.0][:SEMANTIC_SHORTLIST]
        closest_two = np.sort(nearest)[-2:] if len(nearest) > 1 else np.array([-1.0, nearest.max()])
        background_meaning = self.semantic.background(meaning)
        rows = np.empty((len(chosen), len(SIGNALS)))
        for row, cls in enumerate(chosen):
            score = float(scores[cls])
            other = second if cls == chosen[0] else best
            examples = self.examples.get(cls)
            similarity = 0.0
            if examples:
                hit = process.extractOne(normalized, examples, scorer=FUZZY_SCORER, processor=None)
                similarity = hit[1] / 100.0 if hit else 0.0
            near = float(nearest[cls])
            runner_up = float(closest_two[0] if near >= closest_two[-1] else closest_two[-1])
            rows[row] = (score, score - other, score - background, similarity, coverage,
                         near, near - runner_up, near - background_meaning)
        return chosen, rows


def _fit_svm(matrix: sp.csr_matrix, labels: list[str], classes: list[str], weights: np.ndarray,
             c: float, lexical_columns: int, *, sampled: bool) -> tuple[np.ndarray | SparseWeights, np.ndarray]:
    """One-vs-rest linear SVM weights, (features, classes) or sparse, and biases, in `classes` order;
    `sampled`: each class trained on a sample of the texts (see SAMPLED_SVM_ABOVE)."""
    if sampled:
        index = {name: i for i, name in enumerate(classes)}
        return fit_sampled_ovr(matrix, np.array([index[x] for x in labels]), len(classes), weights, c, SVM_TOL,
                               sparse_columns=lexical_columns)
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=c, tol=SVM_TOL, max_iter=2000, random_state=0)
    svm.fit(matrix, labels, sample_weight=weights)
    coef, intercept = svm.coef_, svm.intercept_
    if len(classes) == 2:  # binary: one hyperplane, class 1 positive
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    return np.ascontiguousarray(coef.T, dtype=np.float32), intercept.astype(np.float64)


def n_distinct(tokens: dict[str, list[str]]) -> int:
    """How many distinct features a featurised text has (families never share a feature)."""
    return sum(len(set(family)) for family in tokens.values())
