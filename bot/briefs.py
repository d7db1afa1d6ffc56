"""Loading ``briefs/*.yaml`` into an immutable, evidence-checked snapshot.

All-or-nothing: every problem in every file is collected and reported with file, line and
field, and on any problem no snapshot is returned, so a running bot keeps the one it has.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from bot.schema import Brief, Fact
from bot.seeds import Seeds, Source
from bot.yamlfile import Document, Path_, YamlError, parse

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the briefs, located precisely enough to fix without searching."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class BriefsError(Exception):
    """Raised when the briefs cannot be loaded; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the briefs:\n" + "\n".join(map(str, self.problems)))


@dataclass(frozen=True)
class LoadedFile:
    """A brief file as a load read it: the digest of its bytes, and its briefs with their place in it."""

    digest: bytes
    briefs: tuple[tuple[Brief, Path_], ...]


@dataclass(frozen=True)
class Snapshot:
    """An immutable set of validated briefs; replaced whole on reload, never edited."""

    briefs: tuple[Brief, ...]
    sources: Mapping[str, Source]
    version: str
    by_id: Mapping[str, Brief] = field(init=False)
    files: Mapping[str, LoadedFile] = field(default_factory=dict, repr=False)  # by file name, for the next load

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({b.id: b for b in self.briefs}))

    @property
    def fact_count(self) -> int:
        return sum(len(b.facts) for b in self.briefs)

    def facts_per_source(self) -> dict[str, int]:
        """How many facts cite each document (every document listed, zero included)."""
        counts = Counter(f.source for b in self.briefs for f in b.facts)
        return {sid: counts.get(sid, 0) for sid in self.sources}

    def dated_facts(self) -> list[tuple[Brief, Fact]]:
        """Every fact with a date, oldest first: the chronology (sorted once per snapshot)."""
        return list(self._chronology)

    @cached_property
    def _chronology(self) -> tuple[tuple[Brief, Fact], ...]:
        dated = [(b, f) for b in self.briefs for f in b.facts if f.date]
        return tuple(sorted(dated, key=lambda bf: (bf[1].date or "", bf[0].id)))


def load(briefs_dir: Path, seeds_dir: Path, previous: Snapshot | None = None) -> Snapshot:
    """Load and check every ``*.yaml`` file in ``briefs_dir``; raise ``BriefsError`` listing all problems.

    A file whose bytes are those ``previous`` read gives the briefs it gave then, without being
    parsed and validated again: reading a file is a function of its name and bytes, and a reload
    usually follows an edit to one file of many (at 10,000 briefs, parsing and validating all 46 MB
    took 3 s of a reload). Every brief is still cross-checked, its evidence included.
    """
    problems: list[Problem] = []
    try:
        seeds = Seeds.load(seeds_dir)
    except (OSError, ValueError) as exc:
        raise BriefsError([Problem(str(seeds_dir), 1, "", f"cannot read the source documents: {exc}")]) from None
    files = sorted(briefs_dir.glob("*.yaml")) if briefs_dir.is_dir() else []
    if not files:
        raise BriefsError([Problem(str(briefs_dir), 1, "", "no *.yaml brief files found")])

    known = previous.files if previous is not None else {}
    loaded: dict[str, LoadedFile] = {}
    located: list[_Located] = []
    digest = hashlib.sha256()
    for path in files:
        name = _display(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(name, 1, "", f"cannot read file: {exc.strerror}"))
            continue
        digest.update(name.encode() + b"\0" + raw)
        file_digest = hashlib.sha256(raw).digest()
        same = known.get(name)
        if same is not None and same.digest == file_digest:
            lines = _Lines(raw=raw)
            briefs: list[_Located] = [(b, name, lines, base) for b, base in same.briefs]
        else:
            briefs, file_problems = _read_file(name, raw)
            problems.extend(file_problems)
        located.extend(briefs)
        loaded[name] = LoadedFile(file_digest, tuple((b, base) for b, _, _, base in briefs))

    problems.extend(_cross_check(located, seeds))
    if problems:
        raise BriefsError(problems)
    return Snapshot(
        briefs=tuple(b for b, *_ in located),
        sources=seeds.sources,
        version=digest.hexdigest()[:12],
        files=loaded,
    )


class _Lines:
    """Where things are in one file. A file whose briefs were reused is parsed again only if a problem is in it."""

    def __init__(self, doc: Document | None = None, raw: bytes = b"") -> None:
        self._doc = doc
        self._raw = raw

    def line_of(self, path: Path_) -> int:
        if self._doc is None:
            self._doc = parse(self._raw.decode("utf-8"))
        return self._doc.line_of(path)


_Located = tuple[Brief, str, _Lines, Path_]  # a brief, its file, where things are in that file, its place there


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_file(name: str, raw: bytes) -> tuple[list[_Located], list[Problem]]:
    if len(raw) > MAX_FILE_BYTES:
        return [], [Problem(name, 1, "", f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [Problem(name, line, "", f"not valid UTF-8 (byte {exc.start})")]
    if "\t" in text:
        line = text[: text.index("\t")].count("\n") + 1
        return [], [Problem(name, line, "", "tab character: indent YAML with spaces")]
    try:
        doc = parse(text)
    except YamlError as exc:
        return [], [Problem(name, exc.line, "", exc.message)]
    problems = [Problem(name, p.line, "", p.message) for p in doc.problems]
    if doc.data is None:
        return [], [*problems, Problem(name, 1, "", "file is empty: write one brief or a list of briefs")]
    data = doc.data if isinstance(doc.data, list) else [doc.data]
    items: list[tuple[Any, Path_]] = [(item, (i,) if data is doc.data else ()) for i, item in enumerate(data)]
    out: list[_Located] = []
    lines = _Lines(doc)
    for item, base in items:
        label = _label(item, base)
        if not isinstance(item, dict):
            problems.append(Problem(name, doc.line_of(base), label, "a brief must be a mapping of fields"))
            continue
        try:
            out.append((Brief.model_validate(item), name, lines, base))
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                path = base + loc
                problems.append(Problem(name, doc.line_of(path), f"{label}.{_dotted(loc)}", _message(err)))
    return out, problems


def _label(item: Any, base: Path_) -> str:
    """How a brief is named in errors: its id when it has a usable one, else its position."""
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return str(item["id"])
    return f"[{base[0]}]" if base else "brief"


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see README «Writing a brief»)"
    if err["type"] == "missing":
        return "required field is missing"
    return str(err["msg"])


def _cross_check(located: list[_Located], seeds: Seeds) -> Iterator[Problem]:
    first: dict[str, _Located] = {}
    for entry in located:
        brief, name, lines, base = entry
        other = first.setdefault(brief.id, entry)
        if other is not entry:
            _, other_name, other_lines, other_base = other
            at = f"{other_name}:{other_lines.line_of((*other_base, 'id'))}"
            yield Problem(name, lines.line_of((*base, "id")), f"{brief.id}.id", f"duplicate id (first defined at {at})")
    for brief, name, lines, base in located:
        for i, rel in enumerate(brief.related):
            if rel not in first:
                yield Problem(
                    name, lines.line_of((*base, "related", i)), f"{brief.id}.related[{i}]", f"no brief has id '{rel}'"
                )
        for i, fact in enumerate(brief.facts):
            where = (*base, "facts", i)
            if fact.source not in seeds.sources:
                known = ", ".join(sorted(seeds.sources))
                yield Problem(
                    name,
                    lines.line_of((*where, "source")),
                    f"{brief.id}.facts[{i}].source",
                    f"unknown document '{fact.source}' (known: {known})",
                )
            elif not seeds.contains(fact.source, fact.evidence):
                yield Problem(
                    name,
                    lines.line_of((*where, "evidence")),
                    f"{brief.id}.facts[{i}].evidence",
                    f"quote not found in document {fact.source} ({seeds.sources[fact.source].file})",
                )
