"""The shapes of a catalog entry, kept apart from the catalog so topic modules can import them freely.

An entry maps each language to either a plain line or a `Plural`: the same line in the forms that
language's CLDR plural rules need (English "one"/"other", Chinese only "other"), chosen at lookup time
by the number passed under the placeholder the `Plural` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import Language


@dataclass(frozen=True)
class Plural:
    """One line in several plural forms, chosen by the value of placeholder `count`.

    Forms are CLDR category names ("zero", "one", "two", "few", "many", "other"); "other" is required
    because every CLDR locale has it and it is the fallback.
    """

    count: str
    forms: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "other" not in self.forms:
            raise ValueError(f"plural line for {{{self.count}}} lacks the 'other' form")


def plural(count: str, **forms: str) -> Plural:
    """`plural("minutes", one="about {minutes} minute", other="about {minutes} minutes")`."""
    return Plural(count=count, forms=dict(forms))


# One language's line; an entry (that line in every language); a topic's table of entries by key.
Line = str | Plural
Entry = Mapping[Language, Line]
Table = Mapping[str, Entry]
