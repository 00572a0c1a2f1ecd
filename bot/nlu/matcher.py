"""Intent matching: which FAQ entry a customer message is about, how sure we are, and what to do.

How it works:

1. The message is normalised (`bot.nlu.normalize`: full-width, case, Traditional -> Simplified, symbols).
2. It becomes a bag of lexical features (`bot.nlu.features`): Latin words and character n-grams, Chinese
   character n-grams, pinyin bigrams (homophone typos), concept tokens from the synonym lexicon
   (备用机 = loaner), weighted by TF-IDF (scikit-learn, one vectoriser per feature family).
3. A linear SVM trained at load time on the example questions (plus keywords, titles and answers as
   weaker evidence, plus generic background sentences as an out-of-scope class) scores every intent.
4. For the best few intents, rapidfuzz measures how close the message is to that intent's closest example.
5. A small calibrated model turns those signals into a confidence in [0, 1]; the threshold comes from
   cross-validation on the knowledge base itself (`bot.nlu.calibrate`), or from the operator.
6. The policy (`bot.nlu.calibrate.decide`) says answer, clarify ("did you mean A or B?") or unknown.

`match` never raises: any failure inside is logged and reported as "unknown".
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from bot.nlu.calibrate import DEFAULT_THRESHOLD, ConfidenceModel, choose_threshold, decide, plan_folds
from bot.nlu.features import Featurizer, fit_vectorizer, has_han, pack, vectorize_one
from bot.nlu.normalize import normalize
from bot.nlu.sampled_svm import SparseWeights, fit_sampled_ovr
from bot.nlu.semantic import CENTROID_SHORTLIST_ABOVE, DIM, MeaningColumns, SemanticIndex, embed

if TYPE_CHECKING:
    from bot.knowledge.faq import KnowledgeBase

__all__ = ["Candidate", "MatchResult", "IntentMatcher", "load_background", "MAX_CHARS"]

log = logging.getLogger(__name__)

Decision = Literal["answer", "clarify", "unknown"]
BACKGROUND = "\x00background"  # the out-of-scope class; never a candidate
MAX_CHARS = 2000  # longer messages are matched on their first MAX_CHARS characters
MAX_CANDIDATES = 3
# liblinear draws from one process-wide random generator (seeded at each fit): two fits at once would
# interleave its draws and train differently from run to run. The final model trains on another thread
# while the calibration scores its folds, so fits take turns.
_LIBLINEAR = threading.Lock()
LARGE_CORPUS = 3000  # examples; see _Corpus
LARGE_CLASSES = 500  # intents; above this the classifier trains on sampled negatives (bot/nlu/sampled_svm.py)
SHORTLIST = 4  # intents (by classifier score) whose fuzzy similarity is measured
SEMANTIC_SHORTLIST = 2  # more intents, closest by sentence embedding, that the classifier ranked lower
# Weight of each kind of evidence relative to an example question.
WEIGHT_QUESTION = 1.0
WEIGHT_KEYWORD = 0.6
WEIGHT_TITLE = 0.8
WEIGHT_ANSWER = 0.3
SVM_C = 1.0
SVM_TOL = 1e-3
FUZZY_SCORER = fuzz.ratio
# Signals per candidate, in this order (see _Model.signals).
SIGNALS = ("score", "margin", "over_background", "fuzzy", "coverage", "semantic", "semantic_margin", "semantic_over_background")

# Used when there is too little data to fit the confidence model (a knowledge base of one or two intents).
_FALLBACK_CONFIDENCE = ConfidenceModel(
    coef=np.array([2.0, 3.0, 1.0, 3.0, 2.0, 2.0, 2.0, 1.0]), intercept=-4.0, mean=np.zeros(8), scale=np.ones(8)
)


@dataclass(frozen=True)
class Candidate:
    """An intent the message may be about."""

    intent_id: str
    confidence: float  # in [0, 1]


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one message."""

    candidates: tuple[Candidate, ...]  # best first, at most MAX_CANDIDATES
    decision: Decision
    normalized: str  # the normalised text that was matched

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def load_background() -> list[str]:
    """The shipped background sentences: generic, off-topic messages in three languages."""
    path = resources.files("bot.nlu.data").joinpath("background.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class _Item:
    """One training text before featurisation."""

    text: str
    label: str
    weight: float
    fuzzy: bool  # compared with rapidfuzz at match time (questions, keywords, titles; not long answers)
    kind: Literal["example", "evidence", "background"]


class _Corpus:
    """Every training text of one `fit`, featurised and vectorised once (calibration folds slice it)."""

    def __init__(self, featurizer: Featurizer, items: Sequence[_Item]) -> None:
        normalized: list[str] = []
        kept: list[_Item] = []
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
        # computed on the other core while this one featurises (numpy releases the GIL).
        self.semantic_rows = np.array(
            [i for i, item in enumerate(kept) if item.fuzzy or item.kind == "background"], dtype=np.int64
        )
        # embeddings[position[i]] is row i's embedding (position -1: an answer, not embedded)
        self.position = np.full(len(kept), -1, dtype=np.int64)
        self.position[self.semantic_rows] = np.arange(len(self.semantic_rows))
        self.embeddings = np.empty((len(self.semantic_rows), DIM), dtype=np.float32)
        with ThreadPoolExecutor(max_workers=1) as pool:
            embedded = pool.submit(embed, [normalized[i] for i in self.semantic_rows], self.embeddings)
            docs: list[dict[str, str]] = []
            distinct: list[int] = []
            for text in normalized:
                tokens = featurizer(text)
                distinct.append(_n_distinct(tokens))
                docs.append(pack(tokens))
            self.n_distinct = np.array(distinct, dtype=np.int64)  # distinct features of each text, pruned or not
            self.vectorizer, lexical = fit_vectorizer(docs, min_df=min_df)
            embedded.result()
        self.meaning = MeaningColumns.fit(self.embeddings, lexical.shape[1])
        meaning = np.zeros((len(kept), len(self.meaning.columns)), dtype=np.float32)
        meaning[self.semantic_rows] = self.meaning.features(self.embeddings)
        self.matrix = sp.hstack([lexical, sp.csr_matrix(meaning)], format="csr")
        self.centroids = len(self.semantic_rows) > CENTROID_SHORTLIST_ABOVE  # see SemanticIndex

    def embedding(self, i: int) -> np.ndarray:
        """Row i's sentence embedding (rows the calibration scores are all embedded)."""
        return self.embeddings[self.position[i]]

    def __len__(self) -> int:
        return len(self.labels)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        return self.matrix.indices[start:end].astype(np.int64), self.matrix.data[start:end]


class _Model:
    """One trained classifier (on some rows of a corpus) with everything needed to score a message."""

    def __init__(self, corpus: _Corpus, rows: Sequence[int], c: float) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        matrix = corpus.matrix[rows]
        self.meaning = corpus.meaning
        labels = [corpus.labels[i] for i in rows]
        self.vectorizer = corpus.vectorizer
        self.classes: list[str] = sorted(set(labels))
        with _LIBLINEAR:
            self.weights, self.bias = _fit_svm(matrix, labels, self.classes, corpus.weights[rows], c, corpus.meaning.offset)
        self.seen = np.bincount(matrix.indices, minlength=matrix.shape[1]) > 0  # features in training
        self.background = self.classes.index(BACKGROUND) if BACKGROUND in self.classes else -1
        self.intents = np.array([i for i, name in enumerate(self.classes) if name != BACKGROUND], dtype=np.int64)
        index = {name: i for i, name in enumerate(self.classes)}
        examples: dict[int, set[str]] = defaultdict(set)
        for i in rows:
            if corpus.fuzzy[i] and corpus.labels[i] != BACKGROUND:
                examples[index[corpus.labels[i]]].add(corpus.normalized[i])
        self.examples = {k: sorted(v) for k, v in examples.items()}
        semantic = corpus.position[np.intersect1d(rows, corpus.semantic_rows)]
        semantic_classes = np.array([index[corpus.labels[corpus.semantic_rows[p]]] for p in semantic], dtype=np.int64)
        self.semantic = SemanticIndex(corpus.embeddings[semantic], semantic_classes, len(self.classes), self.background,
                                      centroids=corpus.centroids)

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


class IntentMatcher:
    """Ranks the knowledge base's intents for a message and decides whether to answer (see module doc)."""

    def __init__(self, model: _Model, featurizer: Featurizer, confidence: ConfidenceModel,
                 threshold: float, calibrated_threshold: float, calibration: dict[str, float]) -> None:
        self._model = model
        self._featurizer = featurizer
        self._confidence = confidence
        self.threshold = threshold
        self.calibrated_threshold = calibrated_threshold
        self.calibration = calibration  # held-out figures at the calibrated threshold, for `kb check`-style reports

    # ----------------------------------------------------------------------------------------- building

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase, threshold: float | None = None) -> IntentMatcher:
        """Train on a knowledge base: questions, plus keywords, titles and answers as weaker evidence,
        the synonym lexicon, and the shipped background sentences as the out-of-scope class."""
        examples = [(q, entry.id) for entry in kb.entries for q in entry.questions]
        evidence: list[tuple[str, str, float]] = []
        for entry in kb.entries:
            evidence += [(k, entry.id, WEIGHT_KEYWORD) for k in entry.keywords]
            evidence += [(t, entry.id, WEIGHT_TITLE) for t in entry.title.values()]
            evidence += [(a.replace("{brand}", " "), entry.id, WEIGHT_ANSWER) for a in entry.answer.values()]
        # Glosses bridge customers' Chinese and English: on when the operator's own questions have Chinese
        # (the built-ins' and every knowledge base's answers do, English-only ones included).
        own = (q for e in kb.operator_entries for q in e.questions if q not in e.merged_questions)
        return cls.fit(
            examples, evidence=evidence, synonyms=kb.synonyms, background=load_background(), threshold=threshold,
            gloss=has_han(own),
        )

    @classmethod
    def fit(
        cls,
        examples: Sequence[tuple[str, str]],
        *,
        evidence: Sequence[tuple[str, str, float]] = (),
        synonyms: Sequence[frozenset[str]] = (),
        background: Sequence[str] | None = None,
        threshold: float | None = None,
        c: float | None = None,
        seed: int = 13,
        gloss: bool | None = None,
    ) -> IntentMatcher:
        """Train on (text, intent id) example pairs.

        `evidence`: (text, intent id, weight) pairs that always train the final model and every calibration
        fold but are never held out (keywords, titles, answers). `background`: off-topic sentences, trained
        as the out-of-scope class. `threshold` overrides the calibrated one. `gloss`: use the dictionary
        glosses (default: when the examples have Chinese).
        """
        c = SVM_C if c is None else c
        gloss = has_han(t for t, _ in examples) if gloss is None else gloss
        featurizer = Featurizer(synonyms=tuple(synonyms), gloss=gloss)
        items = [_Item(text, label, WEIGHT_QUESTION, True, "example") for text, label in examples]
        items += [_Item(text, label, weight, weight >= 0.5, "evidence") for text, label, weight in evidence]
        known = {normalize(item.text) for item in items}
        items += [_Item(text, BACKGROUND, WEIGHT_QUESTION, False, "background") for text in _background_unlike(background or (), known)]
        corpus = _Corpus(featurizer, items)
        del items
        if len(set(corpus.labels)) < 2:
            # A classifier needs two classes: the shipped background sentences are the other one.
            return cls.fit(examples, evidence=evidence, synonyms=synonyms, background=load_background(),
                           threshold=threshold, c=c, seed=seed)
        # The final model does not depend on the calibration: train it on the other core while the
        # calibration scores its held-out texts (liblinear releases the GIL; see _LIBLINEAR).
        with ThreadPoolExecutor(max_workers=1) as pool:
            final = pool.submit(_Model, corpus, range(len(corpus)), c)
            confidence, calibrated, report = _calibrate(corpus, c, seed)
            model = final.result()
        chosen = calibrated if threshold is None else float(threshold)
        return cls(model, featurizer, confidence, chosen, calibrated, report)

    # ----------------------------------------------------------------------------------------- matching

    def match(self, text: str) -> MatchResult:
        """Rank the intents for one message and decide; never raises."""
        normalized = ""
        try:
            normalized = normalize(text[:MAX_CHARS] if isinstance(text, str) else "")
            return self._match(normalized)
        except Exception:  # noqa: BLE001 - a broken message must never break the conversation
            log.exception("intent matching failed; treating the message as unknown")
            return MatchResult((), "unknown", normalized)

    def _match(self, normalized: str) -> MatchResult:
        if not normalized:
            return MatchResult((), "unknown", "")
        tokens = self._featurizer(normalized)
        n_distinct = _n_distinct(tokens)
        if not n_distinct:
            return MatchResult((), "unknown", normalized)
        meaning = embed([normalized])[0]
        idx, values = self._model.feature_vector(vectorize_one(self._model.vectorizer, tokens), meaning)
        chosen, rows = self._model.signals(idx, values, n_distinct, normalized, meaning)
        confidences = self._confidence(rows)
        order = np.argsort(-confidences, kind="stable")[:MAX_CANDIDATES]
        candidates = tuple(
            Candidate(self._model.classes[chosen[i]], _clip(float(confidences[i]))) for i in order
        )
        return MatchResult(candidates, self.decide(candidates), normalized)

    def decide(self, candidates: Sequence[Candidate], threshold: float | None = None) -> Decision:
        """The answer/clarify/unknown policy for ranked candidates (at `threshold`, default the matcher's)."""
        t = self.threshold if threshold is None else threshold
        return decide([c.confidence for c in candidates], t)  # type: ignore[return-value]

    def warm_up(self) -> None:
        """Build what matching builds lazily (the dictionary glosses, the sentence encoder), so a matcher
        loaded from the model cache does not make its first customer wait for it."""
        self._featurizer("保修 warranty")
        embed(["保修 warranty"])

    @property
    def intents(self) -> list[str]:
        """The intent ids this matcher knows."""
        return [self._model.classes[i] for i in self._model.intents]


def _fit_svm(matrix: sp.csr_matrix, labels: list[str], classes: list[str], weights: np.ndarray,
             c: float, lexical_columns: int) -> tuple[np.ndarray | SparseWeights, np.ndarray]:
    """One-vs-rest linear SVM weights, (features, classes) or sparse, and biases, in `classes` order."""
    if len(classes) > LARGE_CLASSES:  # exact one-vs-rest costs intents x texts: see sampled_svm
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


def _n_distinct(tokens: dict[str, list[str]]) -> int:
    """How many distinct features a featurised text has (families never share a feature)."""
    return sum(len(set(family)) for family in tokens.values())


def _clip(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _background_unlike(background: Sequence[str], known: set[str]) -> list[str]:
    """Background sentences minus those close to one of the operator's own texts (they would fight it)."""
    texts = sorted(t for t in known if t)
    kept = []
    for sentence in background:
        norm = normalize(sentence)
        if not norm:
            continue
        if texts and process.extractOne(norm, texts, scorer=fuzz.ratio, processor=None, score_cutoff=85):
            continue
        kept.append(sentence)
    return kept


def _calibrate(corpus: _Corpus, c: float, seed: int) -> tuple[ConfidenceModel, float, dict[str, float]]:
    """Fit the confidence model and choose the threshold from cross-validated scores (calibrate.py)."""
    kinds = corpus.rows_by_kind
    examples, evidence, background = kinds["example"], kinds["evidence"], kinds["background"]
    folds = plan_folds([corpus.labels[i] for i in examples], len(background), seed=seed)
    n_distinct = corpus.n_distinct
    signal_rows: list[np.ndarray] = []
    row_labels: list[np.ndarray] = []
    positives: list[tuple[np.ndarray, np.ndarray]] = []
    negatives: list[np.ndarray] = []  # examples of held-out intents
    background_negatives: list[np.ndarray] = []

    def score(model: _Model, i: int) -> tuple[list[int], np.ndarray]:
        idx, values = corpus.row(i)
        return model.signals(idx, values, int(n_distinct[i]), corpus.normalized[i], corpus.embedding(i))

    for fold in folds:
        train = [examples[j] for j in fold.train]
        train += [i for i in evidence if corpus.labels[i] not in fold.held_out_intents]
        train += [background[j] for j in fold.background_train]
        if len({corpus.labels[i] for i in train}) < 2:
            continue
        model = _Model(corpus, train, c)
        for j in fold.positives:
            chosen, rows = score(model, examples[j])
            right = np.array([model.classes[k] == corpus.labels[examples[j]] for k in chosen])
            signal_rows.append(rows)
            row_labels.append(right)
            positives.append((rows, right))
        for i, group in [(examples[j], negatives) for j in fold.negatives] + [(background[j], background_negatives) for j in fold.background_test]:
            chosen, rows = score(model, i)
            signal_rows.append(rows)
            row_labels.append(np.zeros(len(chosen), dtype=bool))
            group.append(rows)
    if not signal_rows:
        return _FALLBACK_CONFIDENCE, DEFAULT_THRESHOLD, {}
    confidence = ConfidenceModel.fit(np.vstack(signal_rows), np.concatenate(row_labels).astype(int), _FALLBACK_CONFIDENCE)

    def ranked(rows: np.ndarray, right: np.ndarray | None) -> tuple[list[float], bool]:
        conf = confidence(rows)
        order = np.argsort(-conf, kind="stable")[:MAX_CANDIDATES]
        return [float(conf[i]) for i in order], bool(right[order[0]]) if right is not None else False

    pos = [ranked(rows, right) for rows, right in positives]
    neg = [ranked(rows, None)[0] for rows in negatives]
    bg_neg = [ranked(rows, None)[0] for rows in background_negatives]
    threshold = choose_threshold(pos, [neg, bg_neg])

    def recall(group: list[list[float]]) -> float:
        return round(sum(1 for conf in group if decide(conf, threshold) != "answer") / len(group), 4) if group else float("nan")

    report: dict[str, float] = {}
    if pos:
        report = {
            "heldout_in_scope_accuracy": round(sum(1 for conf, ok in pos if ok and decide(conf, threshold) == "answer") / len(pos), 4),
            "heldout_unseen_intent_recall": recall(neg),
            "heldout_background_recall": recall(bg_neg),
            "heldout_n_in_scope": float(len(pos)),
            "heldout_n_unseen_intent": float(len(neg)),
            "heldout_n_background": float(len(bg_neg)),
        }
    return confidence, threshold, report
