"""Lexical features of a normalised message, and a small TF-IDF vectoriser over them.

A message becomes a bag of prefixed tokens, one family per prefix, each family weighted on its own:

* ``w`` Latin words and ``b`` word bigrams (`screen broken`);
* ``c`` character n-grams of each Latin word with boundary marks (`<scr`, `reen>`), for typos and inflections;
* ``h`` Chinese character n-grams (1 to 3) of each Han run, which stand in for word segmentation;
* ``p`` toneless pinyin syllable bigrams of each Han run, so a homophone typo (宝修 for 保修, 维休 for 维修)
  shares features with the right word;
* ``k`` concept tokens from the synonym lexicon: 备用机, 备机 and "loaner" all yield the same token, which
  bridges Chinese and English. Concept terms are also found by their pinyin (宝修 -> 保修's concept).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from bot.nlu.normalize import CJK_RANGES, normalize

__all__ = ["Featurizer", "Vectorizer", "FAMILY_WEIGHTS"]

_HAN_RUN = re.compile(f"[{CJK_RANGES}]+")
_TOKEN = re.compile(f"[{CJK_RANGES}]+|[^\\s{CJK_RANGES}]+")
_HAS_HAN = re.compile(f"[{CJK_RANGES}]")

# How much each feature family counts once every family is L2-normalised on its own.
FAMILY_WEIGHTS: dict[str, float] = {"w": 1.0, "b": 0.6, "c": 1.0, "h": 1.0, "p": 0.5, "k": 0.8}

# Pinyin distinctions that many southern speakers (and typists) blur: zh/z, ch/c, sh/s, -ng/-n.
_FUZZY_PINYIN = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"))


def _fuzzy_syllable(syllable: str) -> str:
    for a, b in _FUZZY_PINYIN:
        syllable = syllable.replace(a, b)
    return syllable


def pinyin_of(run: str) -> list[str]:
    """Toneless, accent-blurred pinyin of a run of Han characters, one syllable per character."""
    from pypinyin import Style, lazy_pinyin  # imported on first Chinese text: its dictionaries weigh ~55 MB

    try:
        syllables = lazy_pinyin(run, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars))
    except Exception:  # pragma: no cover - pypinyin handles any Han text; belt and braces
        return ["?"] * len(run)
    if len(syllables) != len(run):  # pragma: no cover - defensive: keep positions aligned with characters
        return ["?"] * len(run)
    return [_fuzzy_syllable(s) for s in syllables]


@dataclass
class Featurizer:
    """Turns normalised text into the token bag described in the module docstring."""

    synonyms: Sequence[frozenset[str]] = ()
    char_ngrams: tuple[int, int] = (2, 4)
    han_ngrams: tuple[int, int] = (1, 3)
    pinyin: bool = True
    _latin_terms: dict[tuple[str, ...], set[int]] = field(default_factory=dict, init=False, repr=False)
    _han_terms: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False)
    _pinyin_terms: dict[tuple[str, ...], set[int]] = field(default_factory=dict, init=False, repr=False)
    _max_latin: int = field(default=0, init=False, repr=False)
    _max_han: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        for index, group in enumerate(self.synonyms):
            for term in group:
                norm = normalize(term)
                if not norm:
                    continue
                if _HAS_HAN.search(norm):
                    compact = norm.replace(" ", "")
                    self._han_terms.setdefault(compact, set()).add(index)
                    self._max_han = max(self._max_han, len(compact))
                    if len(compact) >= 2 and _HAN_RUN.fullmatch(compact):
                        self._pinyin_terms.setdefault(tuple(pinyin_of(compact)), set()).add(index)
                else:
                    words = tuple(norm.split())
                    self._latin_terms.setdefault(words, set()).add(index)
                    self._max_latin = max(self._max_latin, len(words))

    def concepts(self, normalized: str) -> set[int]:
        """Indices of the synonym groups a normalised text mentions (longest term first, left to right)."""
        found: set[int] = set()
        if not self.synonyms:
            return found
        latin = [t for t in normalized.split() if not _HAS_HAN.search(t)]
        _longest_matches(latin, self._latin_terms, self._max_latin, found, tuple)
        for run in _HAN_RUN.findall(normalized):
            _longest_matches(run, self._han_terms, self._max_han, found, str)
        return found

    def __call__(self, normalized: str) -> list[str]:
        """The feature tokens of one normalised text (repeats count)."""
        out: list[str] = []
        latin_words: list[str] = []
        lo, hi = self.char_ngrams
        hlo, hhi = self.han_ngrams
        concepts = self.concepts(normalized)
        previous: str | None = None
        for token in _TOKEN.findall(normalized):
            if _HAS_HAN.match(token):
                previous = None
                run = token
                for n in range(hlo, hhi + 1):
                    out.extend("h" + run[i : i + n] for i in range(len(run) - n + 1))
                if self.pinyin:
                    syllables = pinyin_of(run)
                    out.extend("p" + syllables[i] + " " + syllables[i + 1] for i in range(len(syllables) - 1))
                    if len(run) == 1:
                        out.append("p" + syllables[0])
                    if self._pinyin_terms:
                        _longest_matches(syllables, self._pinyin_terms, 6, concepts, tuple, shortest=2)
                continue
            latin_words.append(token)
            out.append("w" + token)
            if previous is not None:
                out.append("b" + previous + " " + token)
            previous = token
            padded = "<" + token + ">"
            for n in range(lo, hi + 1):
                out.extend("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
        out.extend("k" + str(c) for c in sorted(concepts))
        return out


def _longest_matches(sequence, terms, longest, found, key, shortest=1) -> None:  # type: ignore[no-untyped-def]
    """Scan `sequence` left to right, taking at each position the longest key of `terms` found there."""
    i, size = 0, len(sequence)
    while i < size:
        for n in range(min(longest, size - i), shortest - 1, -1):
            hit = terms.get(key(sequence[i : i + n]))
            if hit:
                found |= hit
                i += n
                break
        else:
            i += 1


class Vectorizer:
    """TF-IDF over feature tokens: sublinear tf, smoothed idf, each family L2-normalised and weighted."""

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(FAMILY_WEIGHTS if weights is None else weights)
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.family = np.zeros(0, dtype=np.int16)
        self._families: list[str] = []
        self._family_weights = np.zeros(0)

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def fit_transform(self, docs: Iterable[Iterable[str]], min_df: int = 1) -> sp.csr_matrix:
        """Learn the vocabulary and idf from `docs` (consumed once) and return their matrix.

        Tokens found in fewer than `min_df` documents are left out of the vocabulary.
        """
        vocabulary: dict[str, int] = {}
        counts = self._count(docs, vocabulary, grow=True)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        if min_df > 1:
            keep = df >= min_df
            remap = np.cumsum(keep) - 1
            mask = keep[counts.indices]
            indices = remap[counts.indices[mask]].astype(np.int32)
            rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[mask]
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=counts.shape[0]))])
            counts = sp.csr_matrix((counts.data[mask], indices, indptr), shape=(counts.shape[0], int(keep.sum())))
            vocabulary = {t: int(remap[i]) for t, i in vocabulary.items() if keep[i]}
            df = df[keep]
        self.vocabulary = vocabulary
        n_docs = counts.shape[0]
        self.idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        self._families = sorted({t[0] for t in vocabulary} | set(self.weights))
        family_index = {f: i for i, f in enumerate(self._families)}
        family = np.zeros(self.size, dtype=np.int16)
        for token, index in vocabulary.items():
            family[index] = family_index[token[0]]
        self.family = family
        self._family_weights = np.array([self.weights.get(f, 1.0) for f in self._families])
        return self._weigh(counts)

    def transform(self, docs: Iterable[Iterable[str]]) -> sp.csr_matrix:
        """The documents as a CSR matrix; tokens outside the vocabulary are ignored."""
        return self._weigh(self._count(docs, self.vocabulary, grow=False))

    @staticmethod
    def _count(docs: Iterable[Iterable[str]], vocabulary: dict[str, int], grow: bool) -> sp.csr_matrix:
        """Term counts as CSR, built row by row (compact: no intermediate coordinate lists)."""
        indptr = array("q", [0])
        indices = array("i")
        data = array("f")
        for doc in docs:
            counts: Counter[int] = Counter()
            for token in doc:
                index = vocabulary.get(token)
                if index is None:
                    if not grow:
                        continue
                    index = vocabulary[token] = len(vocabulary)
                counts[index] += 1
            for index in sorted(counts):
                indices.append(index)
                data.append(counts[index])
            indptr.append(len(indices))
        n_docs = len(indptr) - 1
        return sp.csr_matrix(
            (np.frombuffer(data, dtype=np.float32).astype(np.float64), np.frombuffer(indices, dtype=np.int32).copy(), np.frombuffer(indptr, dtype=np.int64).copy()),
            shape=(n_docs, len(vocabulary)),
        )

    def transform_one(self, doc: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one document, the fast path for a single message."""
        vocabulary = self.vocabulary
        counts: Counter[int] = Counter()
        for token in doc:
            index = vocabulary.get(token)
            if index is not None:
                counts[index] += 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        families = self.family[idx]
        norms = np.sqrt(np.bincount(families, weights=values * values, minlength=len(self._families)))
        scale = np.divide(self._family_weights, norms, out=np.zeros_like(norms), where=norms > 0)
        return idx, values * scale[families]

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf x idf, then each (document, family) block scaled to its family weight (in place)."""
        n_docs = counts.shape[0]
        values = counts.data  # float64, owned by `counts`
        np.log(values, out=values)
        values += 1.0
        values *= self.idf[counts.indices]
        n_families = len(self._families)
        key = np.repeat(np.arange(n_docs, dtype=np.int64) * n_families, np.diff(counts.indptr))
        key += self.family[counts.indices]
        norms = np.bincount(key, weights=values * values, minlength=n_docs * n_families).astype(np.float64)
        np.sqrt(norms, out=norms)
        weights = np.tile(self._family_weights, n_docs)
        scale = np.divide(weights, norms, out=np.zeros_like(norms), where=norms > 0)
        del weights, norms
        values *= scale[key]
        return counts
