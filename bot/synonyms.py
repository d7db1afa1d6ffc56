"""Synonym groups from ``config/synonyms.yaml``: different names for the same thing.

Each group becomes one search key (``~0``, ``~1``…) added wherever any of its spellings
occurs, in briefs and queries alike, so «داعش» finds a fact that says «تنظيم الدولة».
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from pathlib import Path

from bot.arabic import normalize, tokenize
from bot.yamlfile import YamlError, parse

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Synonyms:
    """Normalised phrases (as token tuples) mapped to their group key."""

    phrases: dict[tuple[str, ...], str]
    # Derived from ``phrases`` for the scan: most spellings are one word, found by one lookup per token;
    # only a token that begins a longer spelling (a few hundred of the vocabulary) needs phrases tried.
    single: dict[str, str] = field(init=False)  # one-word spelling → its group key
    longer: dict[str, tuple[int, ...]] = field(init=False)  # first word → its longer spellings' lengths, longest first

    def __post_init__(self) -> None:
        single = {p[0]: key for p, key in self.phrases.items() if len(p) == 1}
        lengths: dict[str, set[int]] = {}
        for p in self.phrases:
            if len(p) > 1:
                lengths.setdefault(p[0], set()).add(len(p))
        object.__setattr__(self, "single", single)
        object.__setattr__(self, "longer", {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()})

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        phrases: dict[tuple[str, ...], str] = {}
        for n, group in enumerate(groups):
            for spelling in group:
                toks = tuple(tokenize(normalize(spelling)))
                if toks:
                    phrases.setdefault(toks, f"~{n}")
        return cls(phrases)

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        """Read the YAML list of groups; a missing file means no synonyms."""
        if not path.exists():
            return cls({})
        doc = parse(path.read_text(encoding="utf-8"))
        data = doc.data or []
        if not isinstance(data, list) or not all(isinstance(g, list) for g in data):
            raise YamlError(1, f"{path}: expected a list of lists of spellings")
        return cls.from_groups(data)

    def spans(self, tokens: Sequence[str], phrases: Sequence[Span] | None = None) -> list[Span]:
        """Non-overlapping ``(start, end, key)`` spans of synonym phrases, longest match first.

        ``phrases`` is ``phrase_spans(tokens)`` when the caller has it already.
        """
        single = self.single
        out: list[Span] = []
        at = 0
        for start, end, key in self.phrase_spans(tokens) if phrases is None else phrases:
            out += [(i, i + 1, single[t]) for i, t in enumerate(tokens[at:start], at) if t in single]
            out.append((start, end, key))
            at = end
        out += [(i, i + 1, single[t]) for i, t in enumerate(tokens[at:], at) if t in single]
        return out

    def phrase_spans(self, tokens: Sequence[str]) -> list[Span]:
        """The spans of spellings of two words or more, as ``spans`` finds them.

        Scanning left to right, a token starts the longest spelling that begins there; only such
        a span can cover a later token, so the others are one-word spellings wherever they are free.
        """
        longer = self.longer
        if longer.keys().isdisjoint(tokens):
            return []
        out: list[Span] = []
        free = 0  # the first token not inside a span found so far
        for i in compress(count(), map(longer.__contains__, tokens)):
            if i < free:
                continue
            for size in longer[tokens[i]]:
                key = self.phrases.get(tuple(tokens[i : i + size])) if i + size <= len(tokens) else None
                if key:
                    out.append((i, i + size, key))
                    free = i + size
                    break
        return out
