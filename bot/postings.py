"""Posting lists in flat arrays, so a query's first-stage scoring is a few vector operations.

With a dict per key, scoring loops in Python over every brief a query word appears in; at 10,000
briefs a common word such as «العراق» is in most of them, and that loop was two thirds of a search.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int32]
Weights = npt.NDArray[np.float64]


Groups = Sequence[tuple[float, Collection[str]]]  # a brief's keys by their weight there, each key in one group


class Postings:
    """For each index key, the briefs it occurs in and the best field weight it has there."""

    def __init__(self, per_brief: Sequence[Groups], reuse: tuple[Postings, Mapping[int, int]] | None = None) -> None:
        """From each brief's keys grouped by weight, in brief order.

        ``reuse`` is the postings these replace, and the briefs whose entries to take from them
        (each brief's position here mapped to its position there; its groups here are empty).
        Built in bulk: every (key, brief, weight) triple goes into flat arrays, and stable sorts
        group them into per-key runs with the briefs in order. At 10,000 briefs that is five
        million triples, which a dict of per-key dicts had filled one Python statement at a time.
        """
        self.briefs = len(per_brief)
        groups = list(chain.from_iterable(per_brief))
        keys = list(chain.from_iterable(k for _, k in groups))
        sizes = np.fromiter((len(k) for _, k in groups), dtype=np.int64, count=len(groups))
        ids = np.repeat(np.repeat(np.arange(self.briefs, dtype=np.int32), [len(p) for p in per_brief]), sizes)
        weights = np.repeat(np.fromiter((w for w, _ in groups), dtype=np.float64, count=len(groups)), sizes)
        kept: list[str] = []
        if reuse is not None and reuse[1]:
            kept, kept_key, kept_ids, kept_weights = reuse[0]._moved(reuse[1])
        codes = {key: code for code, key in enumerate(dict.fromkeys(chain(kept, keys)))}
        dtype = _small(len(codes))
        key_of = np.fromiter(map(codes.__getitem__, keys), dtype=dtype, count=len(keys))
        if kept:
            kept_code = np.fromiter(map(codes.__getitem__, kept), dtype=dtype, count=len(kept))
            key_of = np.concatenate([kept_code[kept_key], key_of])
            ids = np.concatenate([kept_ids, ids])
            weights = np.concatenate([kept_weights, weights])
            order = np.argsort(ids.astype(_small(self.briefs)), kind="stable")  # now in brief order…
            order = order[np.argsort(key_of[order], kind="stable")]  # …then by key
        else:
            order = np.argsort(key_of, kind="stable")  # the triples are in brief order already
        self._ids: Ids = ids[order]
        self._weights: Weights = weights[order]
        ends = np.cumsum(np.bincount(key_of, minlength=len(codes))).tolist()
        runs = zip(codes, [0, *ends][:-1], ends, strict=True)
        self._span: dict[str, tuple[int, int]] = {key: (start, end) for key, start, end in runs if end > start}

    def _moved(self, reused: Mapping[int, int]) -> tuple[list[str], npt.NDArray[np.intp], Ids, Weights]:
        """The reused briefs' entries at their new positions: the keys, each entry's key among them, ids, weights."""
        new_position = np.full(self.briefs, -1, dtype=np.int32)
        new_position[np.fromiter(reused.values(), dtype=np.intp, count=len(reused))] = list(reused)
        runs = sorted(self._span.items(), key=lambda run: run[1])  # the keys in the order of their runs
        lengths = [end - start for _, (start, end) in runs]
        key_of = np.repeat(np.arange(len(runs)), lengths)
        moved = new_position[self._ids]
        keep = moved >= 0
        return [key for key, _ in runs], key_of[keep], moved[keep], self._weights[keep]

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


def _small(count: int) -> type[np.unsignedinteger[Any]]:
    """The narrowest type for codes below ``count``: numpy sorts 16-bit integers by radix, several times faster."""
    return np.uint16 if count <= 2**16 else np.uint32
