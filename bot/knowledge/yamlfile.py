"""YAML reading that keeps line numbers, so every error can point at the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.tokens import ScalarToken

from bot.knowledge.errors import KnowledgeError

LINE_KEY = "__line__"
_BREAKS = "\0 \t\r\n\x85\u2028\u2029"


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping read from YAML that also knows the line of each of its keys (`key_lines`)."""

    key_lines: dict[Any, int]


class _LineConstructor(yaml.constructor.SafeConstructor):
    """Safe construction that records, in each mapping, the 1-based line where it starts (and of each key)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key_node, deep=deep) for key_node, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {sorted(map(str, duplicates))[0]!r}", node.start_mark
            )
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.key_lines = {key: key_node.start_mark.line + 1 for key, (key_node, _) in zip(keys, node.value, strict=True)}
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    def construct_line_map(self, node: yaml.MappingNode) -> Any:
        data = LineDict()
        data.key_lines = {}
        yield data  # first, so that anchors and aliases to this mapping work
        value = self.construct_mapping(node)
        data.update(value)
        data.key_lines = value.key_lines

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
        # 2026-02-30 looks like a date to YAML but is none: a line-numbered error, not a ValueError.
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None


_LineConstructor.add_constructor("tag:yaml.org,2002:map", _LineConstructor.construct_line_map)
_LineConstructor.add_constructor("tag:yaml.org,2002:timestamp", _LineConstructor.construct_checked_timestamp)


try:  # PyYAML built with libyaml (its wheels are)
    from yaml.cyaml import CParser
except ImportError:  # pragma: no cover - a PyYAML without libyaml reads with _LineLoader only
    CParser = None

if CParser is not None:

    class _FastLineLoader(CParser, _LineConstructor, yaml.resolver.Resolver):
        """libyaml's parser (C: ten times faster on a knowledge base of thousands of entries) with the
        same construction. On any error the file is read again by `_LineLoader`, whose errors name the
        problem the way the operator's messages expect (and which parses what libyaml might refuse).
        libyaml is the more lenient on tabs (`a:<TAB>b` loads); with a PyYAML built without it such a
        file is refused, with its line."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _LineConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover
    _FastLineLoader = None


class _LineLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _LineConstructor,
    yaml.resolver.Resolver,
):
    """PyYAML's pure-Python safe loader with the line-recording construction and YAML 1.2's "?"."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _LineConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def scan_plain(self) -> ScalarToken:
        """PyYAML's plain-scalar scanner with YAML 1.2's rule for "?" (adapted from PyYAML, MIT licence).

        YAML 1.1 ends an unquoted text at "?" inside {...}, so `en: Your account number?}` (a question
        in the shape the README shows) is a syntax error; YAML 1.2 allows it, and so do we. Nothing else
        changes: ",", "[", "]", "{", "}" and ": " still end the text there.
        """
        chunks: list[str] = []
        start_mark = self.get_mark()
        end_mark = start_mark
        indent = self.indent + 1
        spaces: list[str] = []
        while True:
            length = 0
            if self.peek() == "#":
                break
            while True:
                ch = self.peek(length)
                if (
                    ch in _BREAKS
                    or (ch == ":" and self.peek(length + 1) in _BREAKS + (",[]{}" if self.flow_level else ""))
                    or (self.flow_level and ch in ",[]{}")
                ):
                    break
                length += 1
            if length == 0:
                break
            self.allow_simple_key = False
            chunks.extend(spaces)
            chunks.append(self.prefix(length))
            self.forward(length)
            end_mark = self.get_mark()
            spaces = self.scan_plain_spaces(indent, start_mark)
            if not spaces or self.peek() == "#" or (not self.flow_level and self.column < indent):
                break
        return ScalarToken("".join(chunks), True, start_mark, end_mark)


def read_yaml(path: Path) -> tuple[Any, list[KnowledgeError]]:
    """Parse one file; a syntax error becomes a KnowledgeError with its line instead of an exception."""
    text, errors = _read_text(path)
    if text is None:
        return None, errors
    if _FastLineLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLineLoader), []  # noqa: S506 - a safe constructor
        except yaml.YAMLError:
            pass
    try:
        return yaml.load(text, Loader=_LineLoader), []  # noqa: S506 - a safe constructor
    except yaml.YAMLError as exc:
        return None, [_syntax_error(path, exc)]


def compose_yaml(path: Path) -> tuple[yaml.Node | None, list[KnowledgeError]]:
    """One file's node tree: each value's text as written and its line, before YAML 1.1 reads `no` as
    false, `12:30` as 750 or `0123` as 83. For files whose values are all texts (a list of messages)."""
    text, errors = _read_text(path)
    if text is None:
        return None, errors
    try:
        return yaml.compose(text, Loader=_LineLoader), []  # noqa: S506 - composing builds no objects
    except yaml.YAMLError as exc:
        return None, [_syntax_error(path, exc)]


def _read_text(path: Path) -> tuple[str | None, list[KnowledgeError]]:
    try:
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [KnowledgeError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [KnowledgeError(path, None, f"cannot read: {exc.strerror}")]


def _syntax_error(path: Path, exc: yaml.YAMLError) -> KnowledgeError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        return KnowledgeError(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}")
    return KnowledgeError(path, None, f"invalid YAML: {exc}")


def line_of(value: Any) -> int | None:
    """The line a mapping started on, if the loader recorded it."""
    return value.get(LINE_KEY) if isinstance(value, dict) else None


def key_line(mapping: Any, key: Any) -> int | None:
    """The line of `key` in a mapping read by `read_yaml` (falls back to the mapping's own line)."""
    lines = getattr(mapping, "key_lines", None) or {}
    return lines.get(key) or line_of(mapping)
