"""Synonym groups from ``config/synonyms.yaml``: different names for the same thing.

Each group becomes one search key (``~0``, ``~1``…) added wherever any of its spellings
occurs, in briefs and queries alike, so «داعش» finds a fact that says «تنظيم الدولة».
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.arabic import normalize, tokenize
from bot.yamlfile import YamlError, parse


@dataclass(frozen=True)
class Synonyms:
    """Normalised phrases (as token tuples) mapped to their group key."""

    phrases: dict[tuple[str, ...], str]
    longest: int
    starts: frozenset[str] = frozenset()  # first words of all phrases: most tokens start none

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        phrases: dict[tuple[str, ...], str] = {}
        for n, group in enumerate(groups):
            for spelling in group:
                toks = tuple(tokenize(normalize(spelling)))
                if toks:
                    phrases.setdefault(toks, f"~{n}")
        return cls(phrases, max((len(p) for p in phrases), default=0), frozenset(p[0] for p in phrases))

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        """Read the YAML list of groups; a missing file means no synonyms."""
        if not path.exists():
            return cls({}, 0)
        doc = parse(path.read_text(encoding="utf-8"))
        data = doc.data or []
        if not isinstance(data, list) or not all(isinstance(g, list) for g in data):
            raise YamlError(1, f"{path}: expected a list of lists of spellings")
        return cls.from_groups(data)

    def spans(self, tokens: Sequence[str]) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, key)`` spans of synonym phrases, longest match first."""
        out = []
        i = 0
        while i < len(tokens):
            if tokens[i] not in self.starts:
                i += 1
                continue
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = self.phrases.get(tuple(tokens[i : i + size]))
                if key:
                    out.append((i, i + size, key))
                    i += size
                    break
            else:
                i += 1
        return out
