"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` keeps the last of two equal keys and forgets line numbers, and its
implicit typing turns ``source: 004`` into the integer 4. Here every scalar stays the string
the editor wrote (only an empty value or ``null`` is ``None``), duplicate keys and aliases are
errors, and each value's line is recorded so validation errors can point at it.

The data is built straight from the parser's event stream, checking the limits at every event.
The events come from libyaml (C) when PyYAML has it: PyYAML's own scanner, in pure Python, was
four fifths of a reload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent
from yaml.reader import ReaderError

Path_ = tuple[str | int, ...]

_NULLS = {"", "~", "null", "Null", "NULL"}
# Limits enforced *while* parsing, before a hostile file can cost much: real brief files have
# about one node per 55 bytes (2,000 in the largest), so 100,000 is what 5 MB of genuine briefs
# could hold; briefs nest four levels deep.
MAX_NODES = 100_000
MAX_DEPTH = 32
ALIASES = "YAML anchors and aliases (&, *) are not allowed in briefs"


class YamlError(Exception):
    """A problem in the YAML text itself, with the 1-based line where it was found."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """Parsed YAML data plus the line of every mapping key and sequence item."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[YamlError] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        """The line of the deepest part of ``path`` that exists in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class _Events(Protocol):
    """A YAML parser as both PyYAML and libyaml offer it: one text's events, one at a time."""

    def get_event(self) -> Any: ...

    def dispose(self) -> None: ...


_LIBYAML: Callable[[str], _Events] | None = yaml.CSafeLoader if yaml.__with_libyaml__ else None


def parse(text: str, max_nodes: int | None = None) -> Document:
    """Parse one YAML document; raise ``YamlError`` on syntax errors, aliases, tags or excessive size.

    Duplicate keys do not stop parsing: they are collected in ``Document.problems`` so that
    every one of them is reported at once.
    """
    limit = MAX_NODES if max_nodes is None else max_nodes
    if _LIBYAML is not None:
        try:
            return _build(_LIBYAML(text), limit)
        except (yaml.YAMLError, UnicodeEncodeError):
            pass  # libyaml words syntax errors its own way and cannot take a lone surrogate: PyYAML reports both
    try:
        events = yaml.SafeLoader(text)
    except ReaderError as exc:  # the reader refuses control characters before parsing starts
        line = text.count("\n", 0, exc.position) + 1
        raise YamlError(line, f"invalid YAML: control character U+{exc.character:04X} is not allowed") from None
    try:
        return _build(events, limit)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"invalid YAML: {exc}") from None


def _build(events: _Events, max_nodes: int) -> Document:
    try:
        return _Builder(events, max_nodes, MAX_DEPTH).document()
    finally:
        events.dispose()


class _Builder:
    """Builds the data from the events, refusing a hostile file at the event that makes it so.

    Too many nodes, too deep a nesting, an alias or a reused anchor stop parsing at once, so
    memory and recursion stay bounded (a 5 MB file of one-letter list items would be 2.4 million
    nodes). A tag or a complex key is refused only once the whole document has parsed, so a
    syntax error anywhere in the file is reported first.
    """

    def __init__(self, events: _Events, max_nodes: int, max_depth: int) -> None:
        self.next = events.get_event
        self.nodes_left = max_nodes
        self.max_depth = max_depth
        self.anchors: set[str] = set()
        self.lines: dict[Path_, int] = {(): 1}
        self.problems: list[YamlError] = []
        self.refusal: YamlError | None = None

    def document(self) -> Document:
        self.next()  # the stream's start
        event = self.next()
        data = None
        if type(event) is not StreamEndEvent:
            data = self.node(self.next(), (), 1, True)  # `event` started the document
            self.next()  # the document's end
            event = self.next()
            if type(event) is not StreamEndEvent:
                raise YamlError(event.start_mark.line + 1, "invalid YAML: but found another document")
        if self.refusal is not None:
            raise self.refusal
        return Document(data, self.lines, self.problems)

    def refuse(self, line: int, message: str) -> None:
        if self.refusal is None:
            self.refusal = YamlError(line, message)

    def node(self, event: Any, path: Path_, depth: int, keep: bool) -> Any:
        """The value that starts with ``event``, its events consumed; built (and its lines kept) only if ``keep``."""
        self.nodes_left -= 1
        if self.nodes_left < 0 or depth > self.max_depth or event.anchor is not None:
            self.check(event, depth)
        kind = type(event)
        if kind is ScalarEvent:
            if not keep:
                return None
            tag = event.tag
            if tag is not None and tag != "!" and tag.startswith("!"):
                self.refuse(event.start_mark.line + 1, f"YAML tag {tag} is not allowed")
            value = event.value
            return None if not event.style and value in _NULLS else value  # plain: PyYAML's style is None, libyaml's ""
        if kind is SequenceStartEvent:
            return self.sequence(path, depth + 1, keep)
        return self.mapping(path, depth + 1, keep)

    def check(self, event: Any, depth: int) -> None:
        """Refuse the node that exceeds a limit or is an alias; note an anchor (only an alias would use it)."""
        line = event.start_mark.line + 1
        if self.nodes_left < 0:
            raise YamlError(line, "file has too many YAML nodes")
        if depth > self.max_depth:
            raise YamlError(line, "YAML nested too deeply")
        if type(event) is AliasEvent:
            raise YamlError(line, ALIASES)  # at the alias itself, before any expansion
        if event.anchor in self.anchors:
            raise YamlError(line, "invalid YAML: second occurrence")
        self.anchors.add(event.anchor)

    def sequence(self, path: Path_, depth: int, keep: bool) -> list[Any]:
        items: list[Any] = []
        next_event = self.next
        while type(event := next_event()) is not SequenceEndEvent:
            if keep:
                item = (*path, len(items))
                self.lines[item] = event.start_mark.line + 1
                items.append(self.node(event, item, depth, True))
            else:
                self.node(event, path, depth, False)
        return items

    def mapping(self, path: Path_, depth: int, keep: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        next_event = self.next
        while type(key_event := next_event()) is not MappingEndEvent:
            self.node(key_event, path, depth, False)
            value_event = next_event()
            if not keep:
                self.node(value_event, path, depth, False)
                continue
            key_line = key_event.start_mark.line + 1
            if type(key_event) is not ScalarEvent or key_event.value == "<<":
                self.refuse(key_line, "keys must be plain names (no merge keys or complex keys)")
                self.node(value_event, path, depth, False)
            elif key_event.value in out:
                self.problems.append(YamlError(key_line, f"duplicate key '{key_event.value}' (the first one is kept)"))
                self.node(value_event, path, depth, False)
            else:
                key: str = key_event.value
                self.lines[(*path, key)] = key_line
                out[key] = self.node(value_event, (*path, key), depth, True)
        return out
