"""Safe YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` keeps the last of two equal keys and forgets line numbers, and its
implicit typing turns ``source: 004`` into the integer 4. Here every scalar stays the string
the editor wrote (only an empty value or ``null`` is ``None``), duplicate keys and aliases are
errors, and each value's line is recorded so validation errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.reader import ReaderError

Path_ = tuple[str | int, ...]

_NULLS = {"", "~", "null", "Null", "NULL"}
# Limits enforced *while* PyYAML composes, before a hostile file can cost much: real brief files
# have about one node per 55 bytes (2,000 in the largest), so 100,000 is what 5 MB of genuine
# briefs could hold; briefs nest four levels deep.
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


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing too many or too deeply nested nodes as it composes them.

    ``yaml.compose`` builds the whole node graph before anything can inspect it, so checking
    afterwards is too late: a 5 MB file of one-letter list items is 2.4 million nodes (about
    1.5 GB and minutes of CPU), and a few hundred levels of nesting overflow Python's stack
    (``RecursionError``, which is not a YAML error and escaped every handler).
    """

    def __init__(self, stream: str, max_nodes: int, max_depth: int) -> None:
        super().__init__(stream)
        self.nodes_left = max_nodes
        self.depth_left = max_depth

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        self.nodes_left -= 1
        self.depth_left -= 1
        try:
            if self.nodes_left < 0:
                raise YamlError(mark.line + 1, "file has too many YAML nodes")
            if self.depth_left < 0:
                raise YamlError(mark.line + 1, "YAML nested too deeply")
            if self.check_event(yaml.AliasEvent):
                raise YamlError(mark.line + 1, ALIASES)  # at the alias itself, before any expansion
            return super().compose_node(parent, index)
        finally:
            self.depth_left += 1


def parse(text: str, max_nodes: int | None = None) -> Document:
    """Parse one YAML document; raise ``YamlError`` on syntax errors, aliases, tags or excessive size.

    Duplicate keys do not stop parsing: they are collected in ``Document.problems`` so that
    every one of them is reported at once.
    """
    try:
        loader = _BoundedLoader(text, MAX_NODES if max_nodes is None else max_nodes, MAX_DEPTH)
    except ReaderError as exc:  # the reader refuses control characters before parsing starts
        line = text.count("\n", 0, exc.position) + 1
        raise YamlError(line, f"invalid YAML: control character U+{exc.character:04X} is not allowed") from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    doc = Document(data=None, lines={(): 1})
    if root is None:
        return doc
    builder = _Builder(doc)
    doc.data = builder.build(root, ())
    return doc


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.seen: set[int] = set()  # aliases are refused while composing; this is a second guard

    def build(self, node: yaml.Node, path: Path_) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            raise YamlError(line, ALIASES)
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag.startswith("!"):
                raise YamlError(line, f"YAML tag {node.tag} is not allowed")
            if node.style is None and node.value in _NULLS:
                return None
            return node.value
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, child in enumerate(node.value):
                self.doc.lines[(*path, i)] = child.start_mark.line + 1
                items.append(self.build(child, (*path, i)))
            return items
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                    raise YamlError(key_line, "keys must be plain names (no merge keys or complex keys)")
                key = key_node.value
                if key in out:
                    self.doc.problems.append(YamlError(key_line, f"duplicate key '{key}' (the first one is kept)"))
                    continue
                self.doc.lines[(*path, key)] = key_line
                out[key] = self.build(value_node, (*path, key))
            return out
        raise YamlError(line, "unsupported YAML node")
