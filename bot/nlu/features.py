"""Lexical features of a normalised message, and their TF-IDF vectors (scikit-learn).

A message becomes a bag of tokens in several families, each family weighted on its own:

* ``w`` Latin words and ``b`` word bigrams (`screen broken`);
* ``c`` character n-grams of each Latin word with boundary marks (`<scr`, `reen>`), for typos and inflections;
* ``h`` Chinese character n-grams (1 to 3) of each Han run, which stand in for word segmentation;
* ``p`` toneless pinyin syllable bigrams of each Han run, so a homophone typo (宝修 for 保修, 维休 for 维修)
  shares features with the right word;
* ``k`` concept tokens from the synonym lexicon: 备用机, 备机 and "loaner" all yield the same token, which
  bridges Chinese and English. Concept terms are also found by their pinyin (宝修 -> 保修's concept);
* ``g`` gloss tokens (`bot.nlu.gloss`, from the CC-CEDICT dictionary, CC BY-SA 4.0): each Chinese word's
  stemmed English glosses and each English word's stem, so 修 and 修理 both yield ``repair`` and
  "repair my computer" shares ``repair`` and ``comput`` with 修电脑: general language knowledge that no
  knowledge base has to spell out.

`fit_vectorizer` turns those bags into TF-IDF vectors with one scikit-learn `TfidfVectorizer` per family
(sublinear tf, smoothed idf, L2-normalised within the family), joined by a `FeatureUnion` whose
`transformer_weights` say how much each family counts (`FAMILY_WEIGHTS`). A text is tokenised once: its
bag is a dict of families (packed as one string per family, see `pack`), and each family's vectoriser
reads its own from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from bot.nlu.gloss import english_glosses, han_glosses
from bot.nlu.normalize import CJK_RANGES, normalize

__all__ = ["Featurizer", "FAMILIES", "FAMILY_WEIGHTS", "pack", "fit_vectorizer", "vectorize_one", "has_han"]

_HAN_RUN = re.compile(f"[{CJK_RANGES}]+")
_TOKEN = re.compile(f"[{CJK_RANGES}]+|[^\\s{CJK_RANGES}]+")
_HAS_HAN = re.compile(f"[{CJK_RANGES}]")

# The feature families (see the module docstring), and how much each counts once L2-normalised on its own.
# ``g`` = 0.5: best top-1 of 0 / 0.3 / 0.5 / 0.8 / 1.0 in 5-fold cross-validation over the demo knowledge
# base's own example questions (two shuffles); differences there are within a point.
FAMILIES = ("w", "b", "c", "h", "p", "k", "g")
FAMILY_WEIGHTS: dict[str, float] = {"w": 1.0, "b": 0.6, "c": 1.0, "h": 1.0, "p": 0.5, "k": 0.8, "g": 0.5}

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


def has_han(texts: Iterable[str]) -> bool:
    """Whether any of `texts` has a Han character: whether a knowledge base wants the gloss family.

    The ``g`` family bridges Chinese and English; in an all-English corpus it would only repeat each word
    as its stem, counting the words twice (on CLINC150 that lost 14 points of out-of-scope recall at the
    val-picked threshold for no gain in top-1 accuracy), so such a corpus goes without it.
    """
    return any(_HAS_HAN.search(text) for text in texts if isinstance(text, str))


@dataclass
class Featurizer:
    """Turns normalised text into the token bag described in the module docstring."""

    synonyms: Sequence[frozenset[str]] = ()
    char_ngrams: tuple[int, int] = (2, 4)
    han_ngrams: tuple[int, int] = (1, 3)
    pinyin: bool = True
    gloss: bool = False  # the ``g`` family; the matcher turns it on for a corpus with Chinese (`has_han`)
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

    def __call__(self, normalized: str) -> dict[str, list[str]]:
        """The feature tokens of one normalised text by family (every family of `FAMILIES` present, maybe
        empty; repeats count)."""
        words: list[str] = []
        bigrams: list[str] = []
        chars: list[str] = []
        han: list[str] = []
        pinyin: list[str] = []
        glosses: list[str] = []
        lo, hi = self.char_ngrams
        hlo, hhi = self.han_ngrams
        concepts = self.concepts(normalized)
        previous: str | None = None
        for token in _TOKEN.findall(normalized):
            if _HAS_HAN.match(token):
                previous = None
                run = token
                for n in range(hlo, hhi + 1):
                    han.extend(run[i : i + n] for i in range(len(run) - n + 1))
                if self.pinyin:
                    syllables = pinyin_of(run)
                    pinyin.extend(syllables[i] + " " + syllables[i + 1] for i in range(len(syllables) - 1))
                    if len(run) == 1:
                        pinyin.append(syllables[0])
                    if self._pinyin_terms:
                        _longest_matches(syllables, self._pinyin_terms, 6, concepts, tuple, shortest=2)
                if self.gloss:
                    glosses.extend(han_glosses(run))
                continue
            words.append(token)
            if self.gloss:
                glosses.extend(english_glosses(token))
            if previous is not None:
                bigrams.append(previous + " " + token)
            previous = token
            padded = "<" + token + ">"
            for n in range(lo, hi + 1):
                chars.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return {"w": words, "b": bigrams, "c": chars, "h": han, "p": pinyin, "k": [str(c) for c in sorted(concepts)],
                "g": glosses}


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


_SEPARATOR = "\n"  # between the tokens of a packed family


def pack(tokens: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """A featurised text as the vectorisers read it: each family's tokens in one string, newline-separated.

    (No token holds a newline: normalisation turns any run of whitespace into one space.) Fitting needs
    every training text's tokens in memory at once, since each family's vectoriser reads them all in
    turn; one string per family takes a fraction of the memory of a list of small strings (on CLINC150,
    15,000 texts: about 15 MB less peak RSS).
    """
    return {family: _SEPARATOR.join(tokens.get(family, ())) for family in FAMILIES}


class _FamilyTokens:
    """The `analyzer` of one family's TfidfVectorizer: that family's tokens of a packed text."""

    def __init__(self, family: str) -> None:
        self.family = family

    def __call__(self, doc: Mapping[str, str]) -> list[str]:
        text = doc[self.family]
        return text.split(_SEPARATOR) if text else []

    def __repr__(self) -> str:
        return f"_FamilyTokens({self.family!r})"


def fit_vectorizer(docs: Sequence[Mapping[str, str]], *, min_df: int = 1, weights: Mapping[str, float] | None = None):  # type: ignore[no-untyped-def]
    """Fit one TF-IDF vectoriser per feature family on `docs` (packed texts, see `pack`); return the
    fitted `FeatureUnion` of them and the documents' float32 CSR matrix (what `union.transform(docs)` gives).

    Per family: sublinear tf (1 + log tf), smoothed idf (ln((1 + n) / (1 + df)) + 1), tokens found in fewer
    than `min_df` texts left out, each text's vector L2-normalised; the union scales each family by
    its weight (`FAMILY_WEIGHTS`). A family with no token left (no Chinese in an English corpus, no
    synonym lexicon) is dropped from the union rather than failing the fit.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    weights = FAMILY_WEIGHTS if weights is None else weights
    transformers: list[tuple[str, object]] = []
    blocks: list[sp.csr_matrix] = []
    # Each family is fitted on its own (as FeatureUnion.fit_transform does, in sequence) so that one with
    # an empty vocabulary can be dropped instead of aborting the whole union.
    for family in FAMILIES:
        vectorizer = TfidfVectorizer(
            analyzer=_FamilyTokens(family), lowercase=False, sublinear_tf=True, smooth_idf=True, norm="l2",
            min_df=min_df, dtype=np.float32,
        )
        try:
            block = vectorizer.fit_transform(docs)
        except ValueError:  # "empty vocabulary" / "After pruning, no terms remain"
            transformers.append((family, "drop"))
            continue
        vectorizer.stop_words_ = None  # the tokens min_df pruned, kept by sklearn for introspection only
        transformers.append((family, vectorizer))
        block.data *= np.float32(weights.get(family, 1.0))
        blocks.append(block)
    if not blocks:
        raise ValueError("no features: every text is empty")
    union = FeatureUnion(transformers, transformer_weights={f: float(weights.get(f, 1.0)) for f in FAMILIES})
    return union, sp.hstack(blocks, format="csr", dtype=np.float32)


def vectorize_one(union, tokens: Mapping[str, Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(column indices, values) of one featurised text: what `union.transform([pack(tokens)])` gives, faster.

    Every scikit-learn transform call has a fixed cost (input checks, dataframe detection, sparse
    matrices) that dwarfs the work on one short message: about a millisecond a message for the families
    together. So each family's TF-IDF is computed here from its fitted vocabulary and idf, the way
    `fit_vectorizer` configures it (sublinear tf, idf, L2 norm, family weight); a test checks the result
    equals `union.transform`.
    """
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    offset = 0
    for family, vectorizer in union.transformer_list:
        if isinstance(vectorizer, str):  # "drop"
            continue
        vocabulary = vectorizer.vocabulary_
        counts: dict[int, int] = {}
        for token in tokens.get(family, ()):
            column = vocabulary.get(token)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if counts:
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (np.log(tf) + 1.0) * vectorizer.idf_[idx]
            norm = np.sqrt(weights @ weights)
            indices.append(idx + offset)
            values.append((weights * (union.transformer_weights[family] / norm)).astype(np.float32))
        offset += len(vocabulary)
    if not indices:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(indices), np.concatenate(values)
