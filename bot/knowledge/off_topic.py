"""Messages that are none of this desk's business, listed by the operator so the bot does not guess.

`knowledge/off_topic.yaml` (optional) is a YAML list of customer messages the knowledge base must not
answer ("帮我订一张去上海的机票", "can you lend me money"). The matcher trains them with the shipped
background sentences as its out-of-scope class (`IntentMatcher.from_knowledge`): a message like one of
them gets a low confidence and is handed on ("I did not understand", then a person) instead of being
answered with the nearest FAQ entry. One too close to an intent's own text would fight it: it is left
out, and `kb check` says which and why.

Each item is read as written: `- no`, `- 12:30` or `- 0123` are the texts "no", "12:30" and "0123",
not YAML 1.1's false, 750 and 83.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import yaml

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import compose_yaml
from bot.nlu.background import close_to
from bot.nlu.normalize import normalize

FILE_NAMES = ("off_topic.yaml", "off_topic.yml")
MAX_LENGTH = 500  # characters: a customer message, not a document
_NULL = "tag:yaml.org,2002:null"  # an empty item (`-`, `- ~`, `- null`): no message


class OffTopic(NamedTuple):
    """One message of the list, and where it is written."""

    text: str
    file: Path
    line: int


def parse_off_topic(path: Path, root: yaml.Node | None) -> tuple[list[OffTopic], list[KnowledgeError]]:
    """Validate one off-topic file (its node tree, see `compose_yaml`): a list of non-empty texts."""
    if root is None:
        return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [KnowledgeError(path, root.start_mark.line + 1, "an off-topic file must be a YAML list of customer messages")]
    messages: list[OffTopic] = []
    errors: list[KnowledgeError] = []
    for position, node in enumerate(root.value, start=1):
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.ScalarNode):
            errors.append(KnowledgeError(
                path, line, f"item #{position} must be a message on its own (quote it if it has ': ' or starts with '[' or '{{')",
            ))
            continue
        text = "" if node.tag == _NULL else node.value.strip()
        if not text:
            errors.append(KnowledgeError(path, line, f"item #{position} is empty"))
        elif len(text) > MAX_LENGTH:
            errors.append(KnowledgeError(path, line, f"item #{position} is longer than {MAX_LENGTH} characters"))
        else:
            messages.append(OffTopic(text, path, line))
    return messages, errors


def load_off_topic(directory: Path) -> tuple[list[OffTopic], list[KnowledgeError]]:
    """The operator's off-topic messages, if the directory has the file (none otherwise)."""
    present = [directory / name for name in FILE_NAMES if (directory / name).is_file()]
    if not present:
        return [], []
    if len(present) > 1:
        return [], [KnowledgeError(present[1], None, f"{present[0].name} is there too: keep one off-topic file")]
    root, errors = compose_yaml(present[0])
    if errors:
        return [], errors
    return parse_off_topic(present[0], root)


def unlike_intents(
    messages: Sequence[OffTopic], texts: Iterable[tuple[str, str]]
) -> tuple[list[str], list[KnowledgeError]]:
    """The messages to train, and a warning for each one left out: close to one of the intents' `texts`
    ((intent id, text) pairs: what the matcher trains for each intent), it would fight that intent."""
    if not messages:
        return [], []
    owner = {normalize(text): (entry_id, text) for entry_id, text in texts}
    known = sorted(key for key in owner if key)
    kept: list[str] = []
    warnings: list[KnowledgeError] = []
    for message in messages:
        if not normalize(message.text):
            warnings.append(KnowledgeError(message.file, message.line, f"{message.text!r} has no words to match: left out"))
            continue
        close = close_to(message.text, known)
        if close is None:
            kept.append(message.text)
            continue
        entry_id, text = owner[close]
        warnings.append(KnowledgeError(
            message.file, message.line,
            f"{message.text!r} is too close to {text!r} (intent {entry_id}) to count as off topic: left out",
        ))
    return kept, warnings
