"""Synonym groups that bridge the words customers use: 备用机 / 备机 / loaner, 保修 / 保固 / warranty.

The package ships a domain lexicon for after-sales service (`bot/knowledge/lexicon.yaml`); an operator
can add groups of their own in `knowledge/lexicon.yaml`. Each file is a YAML list of lists of terms.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml


def parse_lexicon(path: Path, document: object) -> tuple[list[frozenset[str]], list[KnowledgeError]]:
    """Validate one lexicon file: a list of groups, each a list of at least two terms."""
    if document is None:
        return [], []
    if not isinstance(document, list):
        return [], [KnowledgeError(path, 1, "a lexicon file must be a YAML list of synonym groups (lists of terms)")]
    groups: list[frozenset[str]] = []
    errors: list[KnowledgeError] = []
    for position, group in enumerate(document, start=1):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(t, (str, int)) and str(t).strip() for t in group):
            errors.append(KnowledgeError(path, None, f"synonym group #{position} must be a list of at least two terms"))
            continue
        groups.append(frozenset(str(t).strip() for t in group))
    return groups, errors


def load_lexicon(directory: Path) -> tuple[list[frozenset[str]], list[KnowledgeError]]:
    """The built-in lexicon plus the operator's `lexicon.yaml` if the directory has one."""
    builtin = resources.files("bot.knowledge").joinpath("lexicon.yaml")
    with resources.as_file(builtin) as path:
        groups, errors = parse_lexicon(path, read_yaml(path)[0])
    operator_file = directory / "lexicon.yaml"
    if operator_file.exists():
        document, parse_errors = read_yaml(operator_file)
        more, more_errors = parse_lexicon(operator_file, document)
        groups += more
        errors += parse_errors + more_errors
    return groups, errors
