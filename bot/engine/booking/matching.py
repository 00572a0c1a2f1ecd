"""Understanding short answers: product types, models, cities and centres (fuzzy, via rapidfuzz), compared
in the canonical form of `bot.engine.answers.words` (the little words of a conversation live there).

Everything is compared in one canonical form: NFKC, lower case, Simplified Chinese, no spaces or
punctuation ("Acme X20-Pro" -> "acmex20pro", "廣州市" -> "广州市"). City names also match their pinyin,
so "beijing", "Beijing" and "北京市" all find 北京.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from bot.engine.answers.words import key, words
from bot.knowledge.catalog import Catalog, ProductModel, ProductType, ServiceCentre

T = TypeVar("T")

BRAND_WORDS = ("acme",)
SUGGEST_SCORE = 65.0  # below: not even a "did you mean"
ACCEPT_SCORE = 92.0  # at or above (and clearly ahead of the next): taken without asking
CLOSER_SCORE = 85.0  # a name this close beats a shorter name merely contained in the answer


@dataclass(frozen=True)
class Match(Generic[T]):
    """What a fuzzy lookup found: sure (take it) or suggestions to confirm ("did you mean")."""

    sure: T | None
    suggestions: tuple[T, ...] = ()


def _boundary_pattern(spaced: str) -> re.Pattern[str]:
    """A name found inside a sentence only as whole words: "x20 pro" in "my x20 pro broke", not "x20" in "x20pr"."""
    parts = [re.escape(p) for p in spaced.split()]
    return re.compile(r"(?<![a-z0-9])" + r"\s*".join(parts) + r"(?![a-z0-9])")


class FuzzyIndex(Generic[T]):
    """Names (and aliases) pointing to items; an exact or contained name wins, else the closest ones."""

    def __init__(self, entries: Iterable[tuple[str, T]], strip: Sequence[str] = ()) -> None:
        self.strip = tuple(key(s) for s in strip)
        self.names: list[str] = []  # compact keys
        self.patterns: list[re.Pattern[str]] = []
        self.items: list[T] = []
        for name, item in entries:
            for variant in self._variants(words(name)):
                compact = variant.replace(" ", "")
                if compact and compact not in self.names:
                    self.names.append(compact)
                    self.patterns.append(_boundary_pattern(variant))
                    self.items.append(item)

    def _variants(self, spaced: str) -> list[str]:
        variants = [spaced]
        for word in self.strip:
            if spaced.startswith(word) and len(spaced.replace(" ", "")) > len(word) + 1:
                variants.append(spaced[len(word) :].strip())
        return variants

    def _query(self, text: str) -> str:
        query = key(text)
        for word in self.strip:
            if query.startswith(word) and len(query) > len(word):
                query = query[len(word) :]
        return query

    def contained(self, text: str, min_size: int = 2) -> list[T]:
        """Items whose longest name appears in the text as whole words (CJK: anywhere)."""
        spaced = words(text)
        inside = [(len(n), i) for i, n in enumerate(self.names) if len(n) >= min_size and self.patterns[i].search(spaced)]
        if not inside:
            return []
        longest = max(inside)[0]
        return list({id(self.items[i]): self.items[i] for size, i in inside if size == longest}.values())

    def lookup(self, text: str, *, contained: bool = True, min_contained: int = 2) -> Match[T]:
        query = self._query(text)
        if not query:
            return Match(None)
        if query in self.names:
            return Match(self.items[self.names.index(query)])
        scored: dict[int, tuple[float, T]] = {}
        for _, score, index in process.extract(query, self.names, scorer=fuzz.ratio, limit=12):
            item = self.items[index]
            if score >= SUGGEST_SCORE and score > scored.get(id(item), (0.0, item))[0]:
                scored[id(item)] = (score, item)
        ranked = sorted(scored.values(), key=lambda pair: -pair[0])
        if contained:
            inside = self.contained(text, min_contained)
            if len(inside) == 1:
                # "X20 pr" contains "X20" but is closer to "X20 Pro": ask rather than guess.
                if ranked and ranked[0][1] is not inside[0] and ranked[0][0] >= CLOSER_SCORE:
                    return Match(None, (ranked[0][1], inside[0]))
                return Match(inside[0])
        if not ranked:
            return Match(None)
        if ranked[0][0] >= ACCEPT_SCORE and (len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= 8):
            return Match(ranked[0][1])
        return Match(None, tuple(item for _, item in ranked[:3]))


@lru_cache(maxsize=8)
def _indexes(catalog: Catalog) -> tuple[FuzzyIndex[ProductType], FuzzyIndex[ProductModel], FuzzyIndex[str]]:
    types = FuzzyIndex(
        [(part, t) for t in catalog.types for name in t.name.values() for part in (name, *name.split("/"))]
        + [(alias, t) for t in catalog.types for alias in t.aliases]
    )
    models = FuzzyIndex(
        [(m.name, m) for m in catalog.models] + [(alias, m) for m in catalog.models for alias in m.aliases],
        strip=BRAND_WORDS,
    )
    cities: list[tuple[str, str]] = []
    for centre in catalog.centres:
        for name in (*centre.city.values(), *centre.city_aliases):
            cities.append((name, centre.city_key))
            cities.append((name.rstrip("市"), centre.city_key))
        cities.append(("".join(lazy_pinyin(centre.city["zh-Hans"])), centre.city_key))
    return types, models, FuzzyIndex(cities)


def match_type(catalog: Catalog, text: str) -> ProductType | None:
    found = _indexes(catalog)[0].lookup(text)
    if found.sure is not None:
        return found.sure
    return found.suggestions[0] if len(found.suggestions) == 1 else None


def match_model(catalog: Catalog, text: str, type_id: str | None = None) -> Match[ProductModel]:
    """A model by name; with `type_id`, a sure match of another type is still returned (the customer knows best)."""
    found = _indexes(catalog)[1].lookup(text, min_contained=3)
    if found.sure is not None or type_id is None:
        return found
    same_type = tuple(m for m in found.suggestions if m.type_id == type_id)
    return Match(None, same_type or found.suggestions)


def model_in_text(catalog: Catalog, text: str) -> ProductModel | None:
    """A model named inside a sentence ("我的X20 Pro屏幕碎了"), no guessing."""
    found = _indexes(catalog)[1].contained(text, min_size=3)
    return found[0] if len(found) == 1 else None


def type_in_text(catalog: Catalog, text: str) -> ProductType | None:
    """A product type named inside a sentence ("my laptop is broken"), no guessing."""
    found = _indexes(catalog)[0].contained(text)
    return found[0] if len(found) == 1 else None


def match_city(catalog: Catalog, text: str) -> Match[str]:
    """A city key ("beijing") from any way of writing it."""
    return _indexes(catalog)[2].lookup(text)


def match_centre(centres: Sequence[ServiceCentre], text: str) -> ServiceCentre | None:
    """A centre among `centres` by district or name ("朝阳", "Haidian", "浦东服务中心")."""
    entries: list[tuple[str, ServiceCentre]] = []
    for centre in centres:
        for name in (*centre.district.values(), *centre.name.values()):
            entries.append((name, centre))
            stripped = re.sub(r"(新区|新區|区|區|district)$", "", name.strip(), flags=re.IGNORECASE)
            entries.append((stripped, centre))
    found = FuzzyIndex(entries).lookup(text)
    if found.sure is not None:
        return found.sure
    return found.suggestions[0] if len(found.suggestions) == 1 else None


def centre_in_text(centres: Sequence[ServiceCentre], text: str) -> ServiceCentre | None:
    """A district named in a city answer ("北京朝阳", "Haidian, Beijing")."""
    entries = [
        (re.sub(r"(新区|新區|区|區)$", "", name.strip()), centre) for centre in centres for name in centre.district.values()
    ]
    found = FuzzyIndex(entries).contained(text)
    return found[0] if len(found) == 1 else None


# -- the little words -------------------------------------------------------------------------------
