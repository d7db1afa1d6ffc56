"""Posting lists in flat arrays, so a query's first-stage scoring is a few vector operations.

With a dict per key, scoring loops in Python over every brief a query word appears in; at 10,000
briefs a common word such as «العراق» is in most of them, and that loop was two thirds of a search.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int32]
Weights = npt.NDArray[np.float64]


class Postings:
    """For each index key, the briefs it occurs in and the best field weight it has there."""

    def __init__(self, per_brief: Sequence[Sequence[tuple[float, Collection[str]]]]) -> None:
        """From each brief's keys, grouped by their weight there (a key in one group a brief), briefs in order.

        Built in bulk: every (key, brief, weight) triple goes into flat arrays, and one stable sort
        by key groups them into per-key runs with the briefs in order. At 10,000 briefs that is five
        million triples, which a dict of per-key dicts had filled one Python statement at a time.
        """
        self.briefs = len(per_brief)
        groups = list(chain.from_iterable(per_brief))
        keys = list(chain.from_iterable(k for _, k in groups))
        codes = {key: code for code, key in enumerate(dict.fromkeys(keys))}
        # Numpy sorts integers of 16 bits by radix, several times faster than wider ones.
        dtype = np.uint16 if len(codes) <= 2**16 else np.int32
        of_key = np.fromiter(map(codes.__getitem__, keys), dtype=dtype, count=len(keys))
        order = np.argsort(of_key, kind="stable")
        sizes = np.fromiter((len(k) for _, k in groups), dtype=np.int64, count=len(groups))
        group_of = np.repeat(np.arange(self.briefs, dtype=np.int32), [len(p) for p in per_brief])
        self._ids: Ids = np.repeat(group_of, sizes)[order]
        weights = np.fromiter((w for w, _ in groups), dtype=np.float64, count=len(groups))
        self._weights: Weights = np.repeat(weights, sizes)[order]
        ends = np.cumsum(np.bincount(of_key, minlength=len(codes))).tolist()
        self._span: dict[str, tuple[int, int]] = dict(zip(codes, zip([0, *ends][:-1], ends, strict=True), strict=True))

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
