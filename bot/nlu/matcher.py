"""Intent matching: which FAQ entry a customer message is about, how sure we are, and what to do.

How it works:

1. The message is normalised (`bot.nlu.normalize`: full-width, case, Traditional -> Simplified, symbols).
2. It becomes a bag of lexical features (`bot.nlu.features`): Latin words and character n-grams, Chinese
   character n-grams, pinyin bigrams (homophone typos), concept tokens from the synonym lexicon
   (备用机 = loaner), weighted by TF-IDF (scikit-learn, one vectoriser per feature family).
   Its sentence embedding (`bot.nlu.semantic`: a multilingual encoder) adds its meaning as 64 more features.
3. A linear SVM trained at load time on the example questions (plus keywords, titles and answers as
   weaker evidence, plus generic background sentences as an out-of-scope class) scores every intent
   (`bot.nlu.model`).
4. For the best few intents by score, and the two nearest by meaning, rapidfuzz measures how close the
   message is to that intent's closest example, and the embedding how close it is in meaning.
5. A small calibrated model turns those signals into a confidence in [0, 1]; the threshold comes from
   cross-validation on the knowledge base itself (`bot.nlu.calibrate`), or from the operator.
6. The policy (`bot.nlu.calibrate.decide`) says answer, clarify ("did you mean A or B?") or unknown.

`match` never raises: any failure inside is logged and reported as "unknown".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.nlu.background import known_texts, load_background, unlike
from bot.nlu.calibrate import DEFAULT_THRESHOLD, ConfidenceModel, Fold, choose_threshold, decide, plan_folds
from bot.nlu.features import Featurizer, has_han, vectorize_one
from bot.nlu.model import BACKGROUND, MAX_CHARS, SIGNALS, Corpus, Item, Model, n_distinct
from bot.nlu.normalize import normalize
from bot.nlu.semantic import embed, keep_pieces

if TYPE_CHECKING:
    from bot.knowledge.faq import KnowledgeBase

__all__ = ["Candidate", "MatchResult", "IntentMatcher", "load_background", "MAX_CHARS"]

log = logging.getLogger(__name__)

Decision = Literal["answer", "clarify", "unknown"]
MAX_CANDIDATES = 3
# Weight of each kind of evidence relative to an example question.
WEIGHT_QUESTION = 1.0
WEIGHT_KEYWORD = 0.6
WEIGHT_TITLE = 0.8
WEIGHT_ANSWER = 0.3
SVM_C = 1.0

# Used when there is too little data to fit the confidence model (a knowledge base of one or two intents).
_FALLBACK_CONFIDENCE = ConfidenceModel(
    coef=np.array([2.0, 3.0, 1.0, 3.0, 2.0, 2.0, 2.0, 1.0]), intercept=-4.0, mean=np.zeros(len(SIGNALS)),
    scale=np.ones(len(SIGNALS)),
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


class IntentMatcher:
    """Ranks the knowledge base's intents for a message and decides whether to answer (see module doc)."""

    def __init__(self, model: Model, featurizer: Featurizer, confidence: ConfidenceModel,
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
        the synonym lexicon, and the shipped background sentences with the operator's off-topic
        messages (`knowledge/off_topic.yaml`) as the out-of-scope class."""
        examples = [(q, entry.id) for entry in kb.entries for q in entry.questions]
        evidence: list[tuple[str, str, float]] = []
        for entry in kb.entries:
            evidence += [(k, entry.id, WEIGHT_KEYWORD) for k in entry.keywords]
            evidence += [(t, entry.id, WEIGHT_TITLE) for t in entry.title.values()]
            evidence += [(a, entry.id, WEIGHT_ANSWER) for a in entry.trained_answers]
        # Glosses bridge customers' Chinese and English: on when the operator's own questions have Chinese
        # (the built-ins' and every knowledge base's answers do, English-only ones included).
        own = (q for e in kb.operator_entries for q in e.questions if q not in e.merged_questions)
        return cls.fit(
            examples, evidence=evidence, synonyms=kb.synonyms, background=load_background() + list(kb.off_topic),
            threshold=threshold,
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
        items = [Item(text, label, WEIGHT_QUESTION, True, "example") for text, label in examples]
        items += [Item(text, label, weight, weight >= 0.5, "evidence") for text, label, weight in evidence]
        known = known_texts(item.text for item in items)
        items += [Item(text, BACKGROUND, WEIGHT_QUESTION, False, "background") for text in unlike(background or (), known)]
        corpus = Corpus(featurizer, items)
        del items
        if len(set(corpus.labels)) < 2:
            # A classifier needs two classes: the shipped background sentences are the other one.
            return cls.fit(examples, evidence=evidence, synonyms=synonyms, background=load_background(),
                           threshold=threshold, c=c, seed=seed)
        # The final model does not depend on the calibration: train it on the other core while the
        # calibration scores its held-out texts (liblinear releases the GIL). The first fold's model
        # trains before it: fits take turns (see _LIBLINEAR), and the scoring, the longer job, waits
        # for that model (on a large knowledge base, the only fold).
        with ThreadPoolExecutor(max_workers=1) as pool:
            final: list[Future[Model]] = []

            def train_final() -> None:
                final.append(pool.submit(Model, corpus, range(len(corpus)), c))

            confidence, calibrated, report = _calibrate(corpus, _fold_models(corpus, c, seed, then=train_final))
            model = final[0].result()
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
        distinct = n_distinct(tokens)
        if not distinct:
            return MatchResult((), "unknown", normalized)
        meaning = embed([normalized])[0]
        idx, values = self._model.feature_vector(vectorize_one(self._model.vectorizer, tokens), meaning)
        chosen, rows = self._model.signals(idx, values, distinct, normalized, meaning)
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
        """Build what matching builds lazily (the dictionary glosses, the sentence encoder, the encoder's
        first layer for the word pieces of the examples), so a matcher loaded from the model cache does
        not make its first customers wait for it."""
        self._featurizer("保修 warranty")
        embed(["保修 warranty"])
        keep_pieces(text for texts in self._model.examples.values() for text in texts)

    @property
    def intents(self) -> list[str]:
        """The intent ids this matcher knows."""
        return [self._model.classes[i] for i in self._model.intents]


def _clip(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _fold_models(corpus: Corpus, c: float, seed: int, *, then: Callable[[], None]) -> Iterator[tuple[Fold, Model]]:
    """The calibration's cross-validation folds (calibrate.py), each with its model trained on its
    training rows, one at a time as the calibration asks for them (at most two alive: the one being
    scored and the next); `then` runs once, when the first is trained (or when there is none)."""
    kinds = corpus.rows_by_kind
    examples, evidence, background = kinds["example"], kinds["evidence"], kinds["background"]
    pending = True
    for fold in plan_folds([corpus.labels[i] for i in examples], len(background), seed=seed):
        train = [examples[j] for j in fold.train]
        train += [i for i in evidence if corpus.labels[i] not in fold.held_out_intents]
        train += [background[j] for j in fold.background_train]
        if len({corpus.labels[i] for i in train}) < 2:
            continue
        model = Model(corpus, train, c)
        if pending:
            pending = False
            then()
        yield fold, model
        del model
    if pending:
        then()


def _calibrate(corpus: Corpus, folds: Iterable[tuple[Fold, Model]]) -> tuple[ConfidenceModel, float, dict[str, float]]:
    """Fit the confidence model and choose the threshold from the folds' scores of their held-out texts."""
    kinds = corpus.rows_by_kind
    examples, background = kinds["example"], kinds["background"]
    distinct = corpus.n_distinct
    # Each held-out text's candidates' signals, then (once all are in) one matrix of them all: the groups
    # below keep row indices into it, so the signals are held once (32 MB on CLINC150), not twice.
    signal_rows: list[np.ndarray] = []
    row_labels: list[np.ndarray] = []
    positives: list[tuple[int, np.ndarray]] = []  # (the text's block of rows, which candidates are right)
    negatives: list[int] = []  # blocks of examples of held-out intents
    background_negatives: list[int] = []

    def score(model: Model, i: int) -> tuple[list[int], np.ndarray]:
        idx, values = corpus.row(i)
        return model.signals(idx, values, int(distinct[i]), corpus.normalized[i], corpus.embedding(i))

    for fold, model in folds:
        for j in fold.positives:
            chosen, rows = score(model, examples[j])
            right = np.array([model.classes[k] == corpus.labels[examples[j]] for k in chosen])
            positives.append((len(signal_rows), right))
            signal_rows.append(rows)
            row_labels.append(right)
        for i, group in [(examples[j], negatives) for j in fold.negatives] + [(background[j], background_negatives) for j in fold.background_test]:
            chosen, rows = score(model, i)
            group.append(len(signal_rows))
            signal_rows.append(rows)
            row_labels.append(np.zeros(len(chosen), dtype=bool))
    if not signal_rows:
        return _FALLBACK_CONFIDENCE, DEFAULT_THRESHOLD, {}
    features = np.vstack(signal_rows)
    bounds = np.cumsum([0, *(len(rows) for rows in signal_rows)])
    signal_rows.clear()
    confidence = ConfidenceModel.fit(features, np.concatenate(row_labels).astype(int), _FALLBACK_CONFIDENCE)

    def ranked(block: int, right: np.ndarray | None) -> tuple[list[float], bool]:
        conf = confidence(features[bounds[block] : bounds[block + 1]])
        order = np.argsort(-conf, kind="stable")[:MAX_CANDIDATES]
        return [float(conf[i]) for i in order], bool(right[order[0]]) if right is not None else False

    pos = [ranked(block, right) for block, right in positives]
    neg = [ranked(block, None)[0] for block in negatives]
    bg_neg = [ranked(block, None)[0] for block in background_negatives]
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
