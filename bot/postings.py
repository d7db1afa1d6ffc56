"""Posting lists in flat arrays, so a query's first-stage scoring is a few vector operations.

With a dict per key, scoring loops in Python over every brief a query word appears in; at 10,000
briefs a common word such as «العراق» is in most of them, and that loop was two thirds of a search.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int32]
Weights = npt.NDArray[np.float64]


class Postings:
    """For each index key, the briefs it occurs in and the best field weight it has there."""

    def __init__(self, lists: Mapping[str, Mapping[int, float]], briefs: int) -> None:
        self.briefs = briefs
        total = sum(len(p) for p in lists.values())
        self._ids: Ids = np.empty(total, dtype=np.int32)
        self._weights: Weights = np.empty(total, dtype=np.float64)
        self._span: dict[str, tuple[int, int]] = {}
        start = 0
        for key, posting in lists.items():
            end = start + len(posting)
            self._ids[start:end] = np.fromiter(posting.keys(), dtype=np.int32, count=len(posting))
            self._weights[start:end] = np.fromiter(posting.values(), dtype=np.float64, count=len(posting))
            self._span[key] = (start, end)
            start = end

    def __contains__(self, key: object) -> bool:
        return key in self._span

    def __iter__(self) -> Iterator[str]:
        return iter(self._span)

    def frequency(self, key: str) -> int:
        """How many briefs the key occurs in."""
        start, end = self._span[key]
        return end - start

    def matches(self, keys: Sequence[str]) -> tuple[Ids, Weights]:
        """Briefs holding any of the keys (one term's spellings), each with its best weight among them."""
        if len(keys) == 1:
            start, end = self._span[keys[0]]
            return self._ids[start:end], self._weights[start:end]
        best = np.zeros(self.briefs, dtype=np.float64)
        for key in keys:
            start, end = self._span[key]
            ids = self._ids[start:end]
            best[ids] = np.maximum(best[ids], self._weights[start:end])
        found = np.flatnonzero(best).astype(np.int32)
        return found, best[found]
