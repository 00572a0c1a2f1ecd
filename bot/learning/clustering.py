"""The same question asked by many people is one suggestion: grouping cleaned messages.

Texts are normalised by the bot's own normaliser (full-width, case, Traditional -> Simplified), so
"螢幕壞了" and "屏幕坏了" are compared as one text. Chinese is compared by characters (TF-IDF over
character unigrams and bigrams: Chinese has no spaces and customers' word choices overlap by
characters), English by words (stemmed, without stop words). A new message joins an existing group
when it is close enough (cosine similarity) to one of its messages; the rest are grouped among
themselves by scikit-learn's average-linkage agglomerative clustering at the same distance.

Existing groups keep their identity (a supervisor may be looking at them): new messages only join
them or form new ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.learning.cleaning import PLACEHOLDERS
from bot.nlu.normalize import CJK_RANGES, normalize

__all__ = ["SIMILARITY", "Assignment", "assign", "comparable", "script_of"]

# Cosine similarity at or above which two messages ask the same thing (tuned on paraphrases of the demo
# knowledge base's questions in both languages: tests/learning/test_clustering.py).
SIMILARITY = {"zh": 0.45, "en": 0.5}
_CJK = re.compile(f"[{CJK_RANGES}]")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
# Question words carry no topic: "how do I reset" and "can I reset" ask the same.
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"hi", "hello", "please", "pls", "thanks", "thank", "want", "need", "know"}
# The same in Chinese: question words and particles ("了怎么办" would make every "X 了怎么办" alike).
_ZH_STOP = re.compile("|".join(sorted(
    ["怎么办", "怎么样", "怎么", "什么", "为什么", "可以", "能不能", "请问", "你们", "我们", "我的", "还能",
     "吗", "呢", "吧", "啊", "呀", "了", "的", "还", "请", "谢谢", "您好", "你好"],
    key=len, reverse=True,
)))


@dataclass(frozen=True)
class Assignment:
    """Where a new text goes: an existing group (`group`), or a new group numbered `new` in this batch."""

    group: int | None = None
    new: int | None = None


def script_of(text: str) -> str:
    """"zh" for a message with Chinese characters, else "en": the two are never grouped together."""
    return "zh" if _CJK.search(text) else "en"


def comparable(text: str) -> str:
    """The text as it is compared: placeholders dropped, normalised by the bot's normaliser."""
    return normalize(_PLACEHOLDER.sub(" ", text))


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    try:
        import snowballstemmer

        return snowballstemmer.stemmer("english")
    except ImportError:  # pragma: no cover - installed with the bot's NLU dependencies
        return None


def _english_words(text: str) -> list[str]:
    stemmer = _stemmer()
    words = [w for w in text.split() if w not in _STOP and not _CJK.search(w)]
    return stemmer.stemWords(words) if stemmer is not None else words


def _chinese_characters(text: str) -> list[str]:
    chars = [c for c in _ZH_STOP.sub(" ", text) if not c.isspace()]
    return chars + [a + b for a, b in pairwise(chars)]


def _vectorizer(script: str) -> TfidfVectorizer:
    analyzer = _chinese_characters if script == "zh" else _english_words
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)


def assign(new_texts: Sequence[str], groups: Sequence[tuple[int, Sequence[str]]], script: str) -> list[Assignment]:
    """For each of `new_texts` (one script, already cleaned): the existing group it joins, or a new group.

    `groups`: (group id, some of its texts) for the groups still open to new messages.
    """
    if not new_texts:
        return []
    threshold = SIMILARITY[script]
    members = [(group_id, text) for group_id, texts in groups for text in texts]
    docs = [comparable(t) for t in new_texts] + [comparable(t) for _, t in members]
    try:
        matrix = _vectorizer(script).fit_transform(docs)
    except ValueError:  # nothing but stop words or symbols: each text is a group of its own
        return [Assignment(new=i) for i in range(len(new_texts))]
    new_rows, member_rows = matrix[: len(new_texts)], matrix[len(new_texts):]
    result: list[Assignment | None] = [None] * len(new_texts)
    if members:
        similarity = cosine_similarity(new_rows, member_rows)
        for i, row in enumerate(similarity):
            best = int(np.argmax(row))
            if row[best] >= threshold:
                result[i] = Assignment(group=members[best][0])
    rest = [i for i, a in enumerate(result) if a is None]
    if len(rest) == 1:
        result[rest[0]] = Assignment(new=0)
    elif rest:
        vectors = new_rows[rest].toarray()
        empty = ~vectors.any(axis=1)
        vectors[empty, 0] = 1e-9  # an all-zero row has no cosine distance: keep it alone
        labels = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
        ).fit_predict(vectors)
        for i, label in zip(rest, labels, strict=True):
            result[i] = Assignment(new=int(label))
    return [a for a in result if a is not None]
