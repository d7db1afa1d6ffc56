"""Small measuring helpers: repeated runs summarised as a median with its spread, percentiles, RSS."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Spread:
    """A figure measured ``n`` times: the median, and the lowest and highest run."""

    median: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no runs")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, digits: int = 1, n: bool = False) -> str:
        """``12.3 (11.9–13.0)``: the median and the range of the runs, or ``12.3 (1 run)``."""
        text = f"{self.median:.{digits}f}"
        text += f" ({self.lo:.{digits}f}–{self.hi:.{digits}f})" if self.n > 1 else " (1 run)"
        return text + (f" n={self.n}" if n else "")

    def to_json(self, digits: int = 3) -> dict[str, float | int]:
        return {
            "median": round(self.median, digits),
            "lo": round(self.lo, digits),
            "hi": round(self.hi, digits),
            "n": self.n,
        }


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def repeat(run: Callable[[], T], runs: int, budget_s: float, min_runs: int = 1) -> list[T]:
    """Call ``run`` up to ``runs`` times, stopping early once ``budget_s`` is spent (after ``min_runs``)."""
    out: list[T] = []
    start = time.perf_counter()
    while len(out) < runs and (len(out) < min_runs or time.perf_counter() - start < budget_s):
        out.append(run())
    return out


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now (``/proc/PID/statm``), in MiB."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE / 2**20


def peak_rss_mb(pid: int | str = "self") -> float:
    """The process's peak resident memory so far (``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [title] if title else []
    out += [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(out)
