"""Messages that are none of this desk's business, listed by the operator so the bot does not guess.

`knowledge/off_topic.yaml` (optional) is a YAML list of customer messages the knowledge base must not
answer ("帮我订一张去上海的机票", "can you lend me money"). The matcher trains them with the shipped
background sentences as its out-of-scope class: a message like one of them gets a low confidence and
is handed on (a person, or "I did not understand") instead of being answered with the nearest FAQ
entry. Operators add the messages they saw answered wrongly; one close to an example question of
theirs would fight it and is left out, which `kb check` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml
from bot.nlu.background import close_to, known_texts
from bot.nlu.normalize import normalize

FILE_NAMES = ("off_topic.yaml", "off_topic.yml")
MAX_LENGTH = 500  # characters: a customer message, not a document


def parse_off_topic(path: Path, document: object) -> tuple[list[str], list[KnowledgeError]]:
    """Validate one off-topic file: a list of non-empty texts."""
    if document is None:
        return [], []
    if not isinstance(document, list):
        return [], [KnowledgeError(path, 1, "an off-topic file must be a YAML list of customer messages")]
    messages: list[str] = []
    problems: list[tuple[int, str]] = []  # (item number, what is wrong)
    for position, item in enumerate(document, start=1):
        if not isinstance(item, (str, int, float)) or isinstance(item, bool) or not str(item).strip():
            problems.append((position, "must be a message (a non-empty text)"))
        elif len(str(item)) > MAX_LENGTH:
            problems.append((position, f"is longer than {MAX_LENGTH} characters"))
        else:
            messages.append(str(item).strip())
    lines = _item_lines(path) if problems else []
    errors = [
        KnowledgeError(path, lines[position - 1] if position <= len(lines) else None, f"item #{position} {what}")
        for position, what in problems
    ]
    return messages, errors


def load_off_topic(directory: Path) -> tuple[list[str], list[KnowledgeError]]:
    """The operator's off-topic messages, if the directory has the file (none otherwise)."""
    for name in FILE_NAMES:
        path = directory / name
        if path.is_file():
            document, parse_errors = read_yaml(path)
            if parse_errors:
                return [], parse_errors
            return parse_off_topic(path, document)
    return [], []


def _item_lines(path: Path) -> list[int]:
    """The 1-based line of each item of the file's top-level list (for errors that point at it)."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def off_topic_warnings(directory: Path, texts: Iterable[tuple[str, str]], off_topic: Sequence[str]) -> list[KnowledgeError]:
    """An off-topic message close to one of the intents' `texts` ((intent id, example question, keyword
    or title) pairs) is left out of training (the two would fight): say which, and what it is close to."""
    if not off_topic:
        return []
    owner = {normalize(text): (entry_id, text) for entry_id, text in texts}
    known = known_texts(owner)
    path = next((directory / name for name in FILE_NAMES if (directory / name).is_file()), directory / FILE_NAMES[0])
    warnings = []
    for message in off_topic:
        close = close_to(message, known)
        if close is not None:
            entry_id, text = owner[close]
            warnings.append(KnowledgeError(
                path, None, f"{message!r} is too close to {text!r} to count as off topic: left out", entry_id,
            ))
    return warnings
