"""The one message catalog and its one lookup, `text(key, language, **values)`.

Topic modules in `bot.i18n.texts` hold the lines; they are combined here at import, refusing a key
defined twice. `text` picks the language, the plural form (Babel's CLDR rules, by the count named in
the entry) and fills the placeholders. What it returns is a `Message`: a `str` that also remembers
its catalog key and values, so a reply made from it can say which message it is (tests assert keys,
not sentences) while every caller that expects a string keeps working unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType, ModuleType
from typing import Any, Self

from bot.i18n.entries import Entry, Plural
from bot.i18n.formats import plural_category
from bot.i18n.texts import TOPICS
from bot.settings import Language

# Each language's name in itself, for the language menu and agent cards: the same whatever the
# reader's language, so a plain table rather than catalog entries.
LANGUAGE_NAMES: dict[Language, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


class Message(str):
    """A line of the catalog, filled in: a `str` carrying the `key` and `values` it was made from.

    A `str` subclass rather than a new type so that the hundreds of call sites that concatenate,
    compare, render or store the bot's lines need no change; the key travels with the text as far
    as the text is passed on unchanged (an f-string or `join` gives a plain `str` again).
    """

    key: str
    values: dict[str, object]

    def __new__(cls, text: str, key: str, values: Mapping[str, object] | None = None) -> Self:
        made = super().__new__(cls, text)
        made.key = key
        made.values = dict(values or {})
        return made

    def __getnewargs__(self) -> tuple[str, str, dict[str, object]]:  # type: ignore[override]
        # copy / deepcopy / pickle rebuild through __new__, which needs the key too.
        return (str(self), self.key, self.values)


def _combine(topics: tuple[ModuleType, ...]) -> dict[str, Entry]:
    """One table from the topic modules, keys prefixed with each topic's namespace; no key twice."""
    table: dict[str, Entry] = {}
    for topic in topics:
        prefix = f"{topic.NAMESPACE}." if topic.NAMESPACE else ""
        for short, entry in topic.TEXTS.items():
            key = prefix + short
            if key in table:
                raise ValueError(f"message key defined twice: {key} (again in {topic.__name__})")
            table[key] = entry
    return table


CATALOG: Mapping[str, Entry] = MappingProxyType(_combine(TOPICS))

# Messages made during the current conversation turn, when someone collects them (see `collect`).
_made: ContextVar[list[Message] | None] = ContextVar("bot_i18n_made", default=None)
# A turn makes a few dozen; the cap only matters for a task that collects and then runs for long.
_MAX_MADE = 500


def text(key: str, language: Language, **values: object) -> Message:
    """The catalog's line `key` in `language`, in the plural form its count needs, placeholders filled.

    Placeholders are filled only when values are given, so a line can be shown with its `{brand}`
    untouched (as the old per-package lookups did).
    """
    line = CATALOG[key][language]
    if isinstance(line, Plural):
        if line.count not in values:
            raise KeyError(f"{key} needs the count {line.count!r} to choose its plural form")
        count: Any = values[line.count]
        form = line.forms.get(plural_category(count, language), line.forms["other"])
    else:
        form = line
    message = Message(form.format(**values) if values else form, key, values)
    made = _made.get()
    if made is not None and len(made) < _MAX_MADE:
        made.append(message)
    return message


def namespace(prefix: str) -> Mapping[str, Entry]:
    """A read-only view of one topic's entries under their short keys ("booking" -> {"intro": ...}).

    For code that asks "is there a line for status.X?" in its own namespace; it is the catalog seen
    through a prefix, not another table.
    """
    return _Namespace(prefix)


class _Namespace(Mapping[str, Entry]):
    def __init__(self, prefix: str) -> None:
        self._prefix = f"{prefix}." if prefix else ""

    def __getitem__(self, short: str) -> Entry:
        return CATALOG[self._prefix + short]

    def __iter__(self) -> Iterator[str]:
        return (key[len(self._prefix) :] for key in CATALOG if key.startswith(self._prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def collect() -> list[Message]:
    """Start recording the messages made from now on in this task; returns the (growing) record.

    A conversation turn calls it so that a reply assembled by string operations ("problem\\nquestion",
    lines joined) can still be traced to the catalog message it is made from (`made_from`).
    """
    made: list[Message] = []
    _made.set(made)
    return made


def made_from(reply: str, made: list[Message]) -> Message | None:
    """The message `reply` is made from: itself if it is one, else the longest recorded one it starts with.

    "Starts with" (a whole line of it) because an assembled reply leads with the line that explains it (a refusal before
    the question asked again, "booked" before the next steps); "longest" so that a line nested at the
    start of another (a summary inside "please confirm") yields the outer one.
    """
    if isinstance(reply, Message):
        return reply
    best: Message | None = None
    for message in made:
        # Whole lines only: an operator's question that merely begins like a short label ("是否…" after a
        # "是" button was made) is not that label.
        whole = reply == message or (reply.startswith(message) and reply[len(message)] in "\n ")
        if message and whole and (best is None or len(message) > len(best)):
            best = message
    return best
