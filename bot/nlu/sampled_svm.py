"""One-vs-rest linear SVM whose training cost grows linearly with the number of intents.

Exact one-vs-rest trains one binary SVM per intent on every training text: intents x texts, so a knowledge
base ten times larger trains a hundred times longer, and its dense weight matrix (features x intents)
grows the same way. Most of those negatives are texts about something else entirely, which the binary
model gets right with or without them. So each intent's binary SVM here sees:

* its own texts (positives);
* every text of its NEIGHBOURS most similar intents (class centroids compared on their distinctive
  features: those found in at most DF_CAP intents, so the comparison itself stays linear);
* for each of its TOP_FEATURES strongest features, PER_FEATURE random texts that have that feature, so
  that a feature it shares with intents unlike it (a product name common to a hundred intents) is not
  taken for its own;
* a fixed random sample of SHARED texts from the whole corpus, so that the bias is set against the
  corpus at large;

which keeps each problem's texts, and so solving it, a bounded size (besides one pass over the corpus's
features for the problem's weight vector). Weights are kept sparse (a feature gets a weight for an intent
only if a support vector of that intent has it), so memory grows with the corpus too; the few features
weighted for many intents are kept as a dense block, so that scoring a message stays one small
matrix product.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

try:  # scipy's own row gather, called without the index checks of `matrix[rows]` (see _rows)
    from scipy.sparse._sparsetools import csr_row_index as _csr_row_index
except ImportError:  # pragma: no cover - another scipy: `matrix[rows]`, the same rows, slower
    _csr_row_index = None

log = logging.getLogger(__name__)

__all__ = ["DF_CAP", "NEIGHBOURS", "SHARED", "SparseWeights", "fit_sampled_ovr"]

NEIGHBOURS = 30  # a generous bound on how many other intents one intent is easily confused with
SHARED = 100  # random texts every binary problem also sees as negatives (unless they are positives)
TOP_FEATURES = 32  # an intent's strongest features (centroid weight) ...
PER_FEATURE = 8  # ... each bring this many random texts that have it (whatever their intent)
DENSE_SHARE = 1 / 16  # a feature weighted for more than this share of the intents is stored densely
DF_CAP = 100  # features found in more intents than this do not count when looking for neighbours
GATHER_BYTES = 1 << 20  # the dense block is read for a message in slices of about this size (see `scores`)


class SparseWeights:
    """A (features x classes) weight matrix: features weighted for many classes as a dense block, the rest
    as CSR rows; `scores` gives a message's class scores."""

    def __init__(self, matrix: sp.csr_matrix) -> None:
        n_features, n_classes = matrix.shape
        lengths = np.diff(matrix.indptr)
        dense = lengths > max(1, int(n_classes * DENSE_SHARE))
        self.dense_row = np.full(n_features, -1, dtype=np.int64)  # feature -> row of the dense block
        self.dense_row[dense] = np.arange(int(dense.sum()))
        self.dense = np.ascontiguousarray(matrix[np.flatnonzero(dense)].toarray(), dtype=np.float32)
        rest = matrix.copy()
        rest.data[np.repeat(dense, lengths)] = 0
        rest.eliminate_zeros()
        self.indptr = rest.indptr.astype(np.int64)
        self.indices = rest.indices.astype(np.int32)
        self.data = rest.data.astype(np.float32)
        self.shape = matrix.shape

    def scores(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """values @ W[idx] as a dense vector of class scores."""
        rows = self.dense_row[idx]
        in_dense = rows >= 0
        # einsum, not v @ block: numpy hands the product to a multi-threaded BLAS whose threads wait for
        # each other on a busy machine (milliseconds); einsum's own single-threaded loop takes ~0.2 ms.
        # The message's rows of the dense block are gathered a slice at a time: with thousands of intents
        # all of them at once is a temporary of several megabytes per message, which glibc would take from
        # and give back to the system at every message (bot/memory.py); slices stay on the heap, reused.
        picked, weights = rows[in_dense], values[in_dense].astype(np.float32)
        step = max(1, GATHER_BYTES // max(1, self.dense.shape[1] * self.dense.itemsize))
        out = np.zeros(self.shape[1], dtype=np.float32)
        for start in range(0, len(picked), step):
            out += np.einsum("i,ij->j", weights[start : start + step], self.dense[picked[start : start + step]])
        idx, values = idx[~in_dense], values[~in_dense]
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total:
            # Positions of every stored weight of the message's features, in one vectorised gather.
            offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
            positions = np.arange(total) + offsets
            out = out + np.bincount(self.indices[positions], weights=self.data[positions] * np.repeat(values, lengths),
                                    minlength=self.shape[1])
        return out


def neighbours(matrix: sp.csr_matrix, labels: np.ndarray, n_classes: int, k: int = NEIGHBOURS) -> list[np.ndarray]:
    """For each class, the k classes whose centroids are most similar on distinctive features."""
    member = sp.csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                           shape=(n_classes, matrix.shape[0]))
    centroids = (member @ matrix).tocsc()
    class_df = np.diff((centroids != 0).astype(np.int8).tocsc().indptr)
    keep = np.flatnonzero(class_df <= DF_CAP)
    reduced = centroids[:, keep].tocsr()
    norms = np.sqrt(np.asarray(reduced.multiply(reduced).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    reduced = sp.diags(1.0 / norms) @ reduced
    similar = (reduced @ reduced.T).tocsr()  # at most DF_CAP entries per feature and class: linear
    out: list[np.ndarray] = []
    for c in range(n_classes):
        cols = similar.indices[similar.indptr[c]:similar.indptr[c + 1]]
        vals = similar.data[similar.indptr[c]:similar.indptr[c + 1]]
        mask = cols != c
        cols, vals = cols[mask], vals[mask]
        if len(cols) > k:
            top = np.argpartition(-vals, k - 1)[:k]
            cols = cols[top]
        out.append(cols.astype(np.int64))
    return out


def fit_sampled_ovr(matrix: sp.csr_matrix, labels: np.ndarray, n_classes: int, sample_weight: np.ndarray,
                    c: float, tol: float, *, seed: int = 0, sparse_columns: int | None = None) -> tuple[SparseWeights, np.ndarray]:
    """Train one binary squared-hinge SVM per class (as LinearSVC does) on a bounded sample; see module doc.

    `labels`: class index of each row of `matrix`. `sparse_columns`: how many leading columns are sparse
    (words); only those pick the texts sharing a class's strongest features (a dense column, such as the
    sentence embedding's, is in every text and would pick at random). Returns the sparse
    (features x classes) weights and the biases.
    """
    matrix = _as_liblinear_reads(matrix)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    rows_of = _group(labels, n_classes)
    rng = np.random.default_rng(seed)
    shared = rng.choice(len(labels), size=min(SHARED, len(labels)), replace=False)
    near = neighbours(matrix, labels, n_classes)
    strongest = _top_features(matrix, labels, n_classes, limit=sparse_columns)
    having = _rows_having(matrix, rng)
    cols_out: list[np.ndarray] = []
    vals_out: list[np.ndarray] = []
    classes_out: list[np.ndarray] = []
    bias = np.zeros(n_classes)
    for k in range(n_classes):
        picked = np.concatenate([rows_of[k], shared] + [rows_of[j] for j in near[k]]
                                + [having.indices[having.indptr[f]:having.indptr[f + 1]] for f in strongest[k]])
        picked.sort()
        rows = picked[np.concatenate(([True], picked[1:] != picked[:-1]))]
        y = (labels[rows] == k).astype(np.float64)
        if y.min() == y.max():  # no negative (or no positive): a constant score
            bias[k] = 1.0 if y[0] else -1.0
            continue
        # The problem keeps the corpus's column numbers and float32 values, which liblinear reads as they
        # are: the same weights as a problem renumbered to its own columns and converted to float64, for
        # less work (both cost a pass over the corpus's width per problem: renumbering, or liblinear's
        # weight vector). One fit of the 5,000-intent benchmark (its calibration model, 4,505 problems)
        # took 11.9 s this way, 14.4 s renumbered.
        w, bias[k] = _binary_svm(_rows(matrix, rows), y, c, tol, sample_weight[rows])
        nz = np.flatnonzero(np.abs(w) > 1e-6)  # liblinear leaves numerical dust (1e-18) on many features
        cols_out.append(nz.astype(np.int32))
        vals_out.append(w[nz].astype(np.float32))
        classes_out.append(np.full(len(nz), k, dtype=np.int32))
    if cols_out:
        cols = np.concatenate(cols_out)
        vals = np.concatenate(vals_out)
        cls = np.concatenate(classes_out)
    else:
        cols = vals = cls = np.zeros(0)
    weights = sp.csr_matrix((vals, (cols, cls)), shape=(matrix.shape[1], n_classes), dtype=np.float32)
    return SparseWeights(weights), bias


def _as_liblinear_reads(matrix: sp.spmatrix) -> sp.csr_matrix:
    """`matrix` as CSR with float32 or float64 values (liblinear's entry point reads no other, and every
    problem would fall back to LinearSVC) and int32 indices when they fit (it reads no other either; a
    matrix too large for them keeps int64, and `_rows` gives each small problem int32 again)."""
    matrix = sp.csr_matrix(matrix)
    if matrix.dtype not in (np.float32, np.float64):
        matrix = matrix.astype(np.float64)
    if (matrix.indices.dtype != np.int32 or matrix.indptr.dtype != np.int32) and max(matrix.nnz, *matrix.shape) < 2**31:
        matrix = sp.csr_matrix((matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int32)),
                               shape=matrix.shape)
    return matrix


def _rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """`matrix[rows]`, with the matrix's value dtype (and scipy's choice of index dtype: int32 if it fits).

    scipy's fancy indexing checks its index before it gathers, which costs more than the gather itself
    for one small problem; thousands of problems add it up. The gather is scipy's own.
    """
    if _csr_row_index is None:
        return matrix[rows]
    if len(rows) and (rows.min() < 0 or rows.max() >= matrix.shape[0]):  # scipy's gather does not check
        raise IndexError(f"rows outside 0..{matrix.shape[0] - 1}")
    starts = matrix.indptr[rows]
    indptr = np.zeros(len(rows) + 1, dtype=matrix.indptr.dtype)
    np.cumsum(matrix.indptr[rows + 1] - starts, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=matrix.indices.dtype)
    data = np.empty(indptr[-1], dtype=matrix.data.dtype)
    try:
        _csr_row_index(len(rows), rows.astype(matrix.indices.dtype), matrix.indptr, matrix.indices, matrix.data, indices, data)
    except (TypeError, ValueError):  # another scipy's signature
        return matrix[rows]
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), matrix.shape[1]))


def _binary_svm(x: sp.csr_matrix, y: np.ndarray, c: float, tol: float, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """(weights, bias) of LinearSVC(C=c, tol=tol).fit(x, y, weight) for y in {0, 1}, class 1 positive.

    Thousands of these small fits make LinearSVC's own input checks (about a millisecond each) the main
    cost, so liblinear is called as LinearSVC calls it; if that private entry point ever changes, this
    falls back to LinearSVC itself (the same problem, solved with LinearSVC's own seed; slower).
    """
    try:
        return _liblinear_direct(x, y, c, tol, weight)
    except (ImportError, AttributeError, TypeError, ValueError) as exc:  # another scikit-learn
        _warn_fallback(f"{type(exc).__name__}: {exc}")
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=c, tol=tol, max_iter=2000, random_state=0).fit(x, y, sample_weight=weight)
        return svm.coef_[0], float(svm.intercept_[0])


def _liblinear_direct(x: sp.csr_matrix, y: np.ndarray, c: float, tol: float, weight: np.ndarray) -> tuple[np.ndarray, float]:
    train_wrap, solver = _liblinear_entry()
    raw, _ = train_wrap(x, y, True, solver, tol, 1.0, c, np.ones(2), 2000, 0, 0.1, weight)
    return raw[0, :-1], float(raw[0, -1])


@functools.cache
def _warn_fallback(reason: str) -> None:
    """Say once per reason (not once per problem) that training takes the slow path."""
    log.warning("liblinear's entry point could not be called (%s); each intent trains through LinearSVC, slower", reason)


@functools.cache
def _liblinear_entry() -> tuple[Callable[..., tuple[np.ndarray, np.ndarray]], int]:
    """liblinear's training function and LinearSVC's solver, looked up once (not once per problem)."""
    from sklearn.svm import _liblinear
    from sklearn.svm._base import _get_liblinear_solver_type

    _liblinear.set_verbosity_wrap(0)
    return _liblinear.train_wrap, _get_liblinear_solver_type("ovr", "l2", "squared_hinge", True)


def _group(labels: np.ndarray, n_classes: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_classes + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(n_classes)]


def _top_features(matrix: sp.csr_matrix, labels: np.ndarray, n_classes: int, k: int = TOP_FEATURES,
                  limit: int | None = None) -> list[np.ndarray]:
    """Each class's k features of highest summed weight over its texts (among the first `limit` columns)."""
    member = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_classes, matrix.shape[0]))
    centroids = (member @ matrix).tocsr()
    out = []
    for c in range(n_classes):
        cols = centroids.indices[centroids.indptr[c]:centroids.indptr[c + 1]]
        vals = centroids.data[centroids.indptr[c]:centroids.indptr[c + 1]]
        if limit is not None:
            cols, vals = cols[cols < limit], vals[cols < limit]
        if len(cols) > k:
            cols = cols[np.argpartition(-vals, k - 1)[:k]]
        out.append(cols)
    return out


def _rows_having(matrix: sp.csr_matrix, rng: np.random.Generator, k: int = PER_FEATURE) -> sp.csc_matrix:
    """For each feature, up to k random rows that have it (drawn with replacement; as the row indices of a
    CSC structure). Memory: features x k, whatever the corpus size."""
    pattern = sp.csr_matrix((np.ones(matrix.nnz, dtype=np.int8), matrix.indices, matrix.indptr), shape=matrix.shape).tocsc()
    counts = np.diff(pattern.indptr)
    kept = np.minimum(counts, k)
    column = np.repeat(np.arange(len(counts)), kept)
    indptr = np.concatenate(([0], np.cumsum(kept)))
    draw = (rng.random(len(column)) * counts[column]).astype(np.int64)
    return sp.csc_matrix((np.ones(len(column), dtype=np.int8), pattern.indices[pattern.indptr[column] + draw], indptr),
                         shape=matrix.shape)
