"""The operator's own small talk: merge a built-in intent into the operator intent that means the same.

Knowledge bases often define their own greeting, thanks, goodbye or "a person, please" under their own
ids (`chat.hello`). Next to the built-in `smalltalk.greeting` the two intents split the votes: "你好" may
go to either, and "did you mean" offers both. So at load time an operator intent that reads as a built-in
one absorbs it: the built-in's example questions and keywords join the operator's intent, the built-in is
dropped, and its id becomes an alias of the operator's. The operator's id, title and answer are kept; a
built-in that hands off (a person, please) makes the merged intent hand off too.

When does an operator intent O read as a built-in B? Each example question of O looks for its closest
example among all other intents with rapidfuzz `ratio` (the matcher's own fuzzy scorer), counted in
units of meaning: a Chinese character, a Latin word (by letters, "speak german" would be close to "speak
to an agent"). An example is compared whole and clause by clause, since small talk is often a courtesy
phrase plus filler (好的，再见 / 明白了，多谢). The example counts for B when its closest example is B's
(a tie goes to the operator's intent) and more than half of the units are in common (`CLOSE`: the two
share more than they differ). A match on one clause does not count when the rest of the example is
itself close to another example of O: O's examples then share content of their own and the courtesy
phrase is only an opening (您好，请问保修期多久 in a warranty intent). O merges with the built-in most of
its counted examples read as when at least `MIN_VOTES` of them, and at least `SHARE` of all its examples,
do, and one of them reads as it whole: an intent that is a greeting has a bare greeting among its
examples; one where two customers happened to open with "hey," (hey, I need a table for two) does not.

The constants were checked on CLINC150 (English, 150 intents; train, val and test splits each taken as a
knowledge base), never on a test knowledge base: its greeting, goodbye and thank_you intents have 10% to
27% of their examples reading as the built-in (at least 2 in every split), and every other intent at
most 3.3% (never more than 2 examples, and 1 in the smaller splits). One example is never enough: in a
knowledge base of 5 to 8 examples an intent, a single stray match would merge; two are (on CLINC150 the
chance of a stray match is below 0.1% an example). `SHARE` sits between 3.3% and 10% for intents with
many examples.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rapidfuzz import fuzz, process

from bot.nlu.normalize import is_cjk, normalize

__all__ = ["CLOSE", "MIN_VOTES", "SHARE", "Merge", "find_merges", "merge_builtins"]

CLOSE = 50.0  # rapidfuzz ratio (in units) an example must exceed to be close: more in common than not
MIN_VOTES = 2  # examples of an operator intent that must read as the built-in to merge ...
SHARE = 0.05  # ... and the share of all its examples they must make (for intents with many examples)
# Clause boundaries in the raw text: punctuation of both scripts (spaces alone split English words).
_CLAUSE = re.compile(r"[,，.。!！?？;；:：、~～…]+")


@dataclass(frozen=True)
class Merge:
    """One built-in intent merged into an operator intent."""

    builtin_id: str
    operator_id: str
    share: float  # the operator intent's examples that read as the built-in


class _Units:
    """Texts as units of meaning: each Chinese character, each Latin word, one character per unit.

    Compared letter by letter, English is noisy ("speak german" shares most letters with "speak to an
    agent"); compared word by word it is not. Chinese has no spaces, and its characters carry meaning of
    their own (谢, 见), so they are the units there. Each distinct unit is written as one character of its
    own, so that rapidfuzz compares plain strings (fast) unit by unit.
    """

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        codes = self._codes
        out: list[str] = []
        for piece in normalize(text).split():
            for unit in piece if is_cjk(piece[0]) else (piece,):
                code = codes.get(unit)
                if code is None:
                    code = codes[unit] = chr(0x10000 + len(codes) % 0x100000)  # past 1M units, shared codes
                out.append(code)
        return "".join(out)


class _Example:
    """An example question in units, whole and by clause (when it has more than one)."""

    __slots__ = ("clauses", "whole")

    def __init__(self, question: str, units: _Units) -> None:
        clauses = [c for c in (units(p) for p in _CLAUSE.split(question)) if c]
        self.whole = "".join(clauses)
        self.clauses = clauses if len(clauses) > 1 else []


def _rest_is_own(example: _Example, clause: str, siblings: Sequence[_Example]) -> bool:
    """True when what is left of the example without `clause` is close to another example of its intent."""
    rest = "".join(p for p in example.clauses if p != clause)
    if not rest:
        return False
    for sibling in siblings:
        if sibling is not example and any(fuzz.ratio(rest, t) > CLOSE for t in [sibling.whole, *sibling.clauses]):
            return True
    return False


def _builtin_reading(example: _Example, texts: list[str], owners: list[str]) -> tuple[str, float, str | None] | None:
    """The built-in intent holding the example's closest built-in example: (id, ratio, clause matched)."""
    best: tuple[str, float, str | None] | None = None
    for part in [example.whole, *example.clauses]:
        found = process.extractOne(part, texts, scorer=fuzz.ratio, processor=None, score_cutoff=CLOSE + 1e-9)
        if found is not None and (best is None or found[1] > best[1]):
            best = (owners[found[2]], found[1], None if part is example.whole else part)
    return best


def _beaten(example: _Example, score: float, pool: list[str], owners: list[int], own: int, n_own: int) -> bool:
    """True when an example of another operator intent is at least as close: ties go to the operator."""
    for part in [example.whole, *example.clauses]:
        # The intent's own examples can take at most n_own places: one more shows whether another reaches it.
        found = process.extract(part, pool, scorer=fuzz.ratio, processor=None, score_cutoff=score, limit=n_own + 1)
        if any(owners[i] != own for _, _, i in found):
            return True
    return False


def find_merges(operator: Sequence[Any], builtin: Sequence[Any]) -> list[Merge]:
    """Which built-in intent reads as which operator intent (entries with `id` and `questions`).

    A built-in merges into one operator intent at most (the one with the largest share), and an operator
    intent absorbs one built-in at most; an operator intent that starts a flow never merges. Cost: every
    operator example against the few built-in ones; only the examples that read as a built-in are then
    compared with the rest of the knowledge base (rapidfuzz, in C).
    """
    units = _Units()
    builtin_texts: list[str] = []
    builtin_owners: list[str] = []
    for b in builtin:
        for question in b.questions:
            if text := units(question):
                builtin_texts.append(text)
                builtin_owners.append(b.id)
    examples = [[e for e in (_Example(q, units) for q in entry.questions) if e.whole] for entry in operator]
    pool = [e.whole for own in examples for e in own]
    owners = [index for index, own in enumerate(examples) for _ in own]
    proposals: list[Merge] = []
    for index, entry in enumerate(operator):
        own = examples[index]
        if entry.flow is not None or not own:
            continue
        readings = [(e, r) for e in own if (r := _builtin_reading(e, builtin_texts, builtin_owners)) is not None]
        if len(readings) < max(MIN_VOTES, SHARE * len(own)):
            continue
        votes: Counter[str] = Counter()
        whole: set[str] = set()  # built-ins some example reads as whole, not through one clause
        for example, (builtin_id, score, clause) in readings:
            if _beaten(example, score, pool, owners, index, len(own)):
                continue
            if clause is not None and _rest_is_own(example, clause, own):
                continue
            votes[builtin_id] += 1
            if clause is None:
                whole.add(builtin_id)
        if votes:
            builtin_id, count = votes.most_common(1)[0]
            if builtin_id in whole and count >= MIN_VOTES and count / len(own) >= SHARE:
                proposals.append(Merge(builtin_id, entry.id, count / len(own)))
    chosen: list[Merge] = []
    taken: set[str] = set()
    for merge in sorted(proposals, key=lambda m: -m.share):
        if merge.builtin_id not in taken and merge.operator_id not in taken:
            chosen.append(merge)
            taken |= {merge.builtin_id, merge.operator_id}
    order = {entry.id: i for i, entry in enumerate(operator)}
    return sorted(chosen, key=lambda m: order[m.operator_id])


def merge_builtins(operator: Sequence[Any], builtin: Sequence[Any]) -> tuple[list[Any], list[Any], list[Merge]]:
    """Apply `find_merges`: (operator entries, with built-ins absorbed; built-ins left; the merges made)."""
    merges = find_merges(operator, builtin)
    by_builtin = {b.id: b for b in builtin}
    into = {m.operator_id: by_builtin[m.builtin_id] for m in merges}
    merged = []
    for entry in operator:
        source = into.get(entry.id)
        if source is None:
            merged.append(entry)
            continue
        seen = {normalize(q) for q in entry.questions}
        added: list[str] = []
        for question in source.questions:  # the built-in's examples the operator did not write already
            if normalize(question) not in seen:
                seen.add(normalize(question))
                added.append(question)
        keywords = entry.keywords + tuple(k for k in source.keywords if k not in entry.keywords)
        merged.append(
            replace(
                entry,
                questions=entry.questions + tuple(added),
                keywords=keywords,
                handoff=entry.handoff or source.handoff,
                merged=entry.merged + (source.id,),
                merged_questions=entry.merged_questions + tuple(added),
            )
        )
    left = [b for b in builtin if b.id not in {m.builtin_id for m in merges}]
    return merged, left, merges
