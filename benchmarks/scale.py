"""Search latency, index build time and memory at one size, run in a fresh process per size.

``python -m benchmarks.scale SIZE [--quick]`` prints one JSON object. A fresh process per size keeps
the memory figure honest (nothing left over from a bigger set) and the sizes independent.

Latency is per question of the question set (``tests/questions``), timed around the call that
ranks and decides (``Index.search`` for Mojaz; best match plus threshold for the baselines), with
the garbage collector on, as in the bot. Each run goes over a sample of the questions; a figure is
the median of the runs with their range. Slow systems get a smaller sample, always a subset of
Mojaz's sample at that size, so every ratio compares the same questions in the same process.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import synth
from benchmarks.measure import Spread, percentile, repeat, rss_mb, timed
from benchmarks.systems import BM25, Mojaz, Naive
from bot.briefs import load
from bot.schema import Brief
from bot.search import Result
from bot.settings import Settings
from bot.synonyms import Synonyms
from tests.questionset import Question, load_questions


@dataclass(frozen=True)
class Plan:
    """How hard to measure one size: runs and time budgets (seconds) per measurement."""

    builds: int
    build_budget: float
    runs: int
    mojaz_budget: float
    mojaz_sample: int
    naive_budget: float
    bm25_budget: float


PLANS = {
    "shipped": Plan(7, 5, 7, 8, 10_000, 8, 4),
    "1000": Plan(5, 10, 5, 10, 10_000, 10, 4),
    "10000": Plan(3, 40, 3, 30, 10_000, 12, 6),
    "100000": Plan(2, 0, 2, 40, 120, 30, 8),
}
QUICK = Plan(2, 1, 2, 1, 40, 1, 1)


@dataclass
class Latency:
    """Per-run seconds of each sampled question (``runs[r][k]`` is question ``sample[k]`` in run ``r``)."""

    sample: list[int]
    runs: list[list[float]]
    first: list[object]  # what each sampled question returned in the first run

    def spread(self, p: float) -> Spread:
        return Spread.of([percentile(r, p) * 1000 for r in self.runs])

    def per_question(self, subset: Sequence[int]) -> list[float]:
        """Each question's median seconds over the runs, for the questions in ``subset``."""
        pos = {q: k for k, q in enumerate(self.sample)}
        return [sorted(r[pos[q]] for r in self.runs)[len(self.runs) // 2] for q in subset]

    def summary(self) -> dict[str, Any]:
        return {
            "queries": len(self.sample),
            "runs": len(self.runs),
            "p50_ms": self.spread(50).to_json(),
            "p99_ms": self.spread(99).to_json(),
            "max_ms": self.spread(100).to_json(),
        }


def evenly(pool: Sequence[int], n: int) -> list[int]:
    """``n`` items spread evenly over ``pool`` (all of it when ``n`` is at least its length)."""
    if n >= len(pool):
        return list(pool)
    return [pool[round(i * (len(pool) - 1) / max(n - 1, 1))] for i in range(n)]


def measure(
    search: Callable[[str], object],
    questions: Sequence[Question],
    pool: Sequence[int],
    budget: float,
    runs: int,
    cap: int,
) -> Latency:
    """Time ``search`` over a sample of ``pool`` that fits the budget about twice, for up to ``runs`` runs."""
    probe = timed(lambda: search(questions[pool[0]].q))  # also the warm-up
    sample = evenly(pool, max(3, min(cap, int(budget / 2 / max(probe, 1e-6)))))

    def one_run() -> tuple[list[float], list[object]]:
        times, answers = [], []
        for i in sample:
            q = questions[i].q
            start = time.perf_counter()
            answers.append(search(q))
            times.append(time.perf_counter() - start)
        return times, answers

    results = repeat(one_run, runs, budget, min_runs=min(2, runs) if probe * len(sample) < budget else 1)
    return Latency(sample, [t for t, _ in results], results[0][1])


def run(size: str, quick: bool, naive_threshold: float, bm25_threshold: float) -> dict[str, Any]:
    """Every scale figure for one size (``"shipped"`` or a number of briefs) as JSON-ready data."""
    settings = Settings()
    shipped = load(settings.briefs_dir, settings.seeds_dir)
    synonyms = Synonyms.load(settings.synonyms_file)
    sources = shipped.sources
    plan = QUICK if quick else PLANS.get(size, PLANS["10000"])
    questions = load_questions()
    out: dict[str, Any] = {"size": size}

    start = time.perf_counter()
    briefs: tuple[Brief, ...] = shipped.briefs if size == "shipped" else synth.briefs(shipped.briefs, int(size))
    out["generate_s"] = round(time.perf_counter() - start, 2)
    out["briefs"] = len(briefs)
    out["facts"] = sum(len(b.facts) for b in briefs)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    mojaz = Mojaz(briefs, sources, synonyms)
    first_build = time.perf_counter() - start
    after = rss_mb()
    out["rss_mb"] = round(after, 1)
    out["index_mb"] = round(after - before, 1)
    out["vocabulary"] = len(mojaz.index.vocabulary)
    budget = plan.build_budget - first_build  # the first build counts against the budget too
    more = repeat(lambda: timed(lambda: Mojaz(briefs, sources, synonyms)), plan.builds - 1, budget, min_runs=0)
    out["build_s"] = Spread.of([first_build, *more]).to_json()
    out["first_build_s"] = round(first_build, 2)
    gc.collect()

    log = sys.stderr
    print(f"  [{size}] {len(briefs)} briefs indexed in {first_build:.1f} s; timing searches…", file=log, flush=True)
    everything = list(range(len(questions)))
    mine = measure(mojaz.search, questions, everything, plan.mojaz_budget, plan.runs, plan.mojaz_sample)
    out["mojaz"] = mine.summary()
    out["mojaz"]["top1"] = _top1(questions, mine)

    naive = Naive(briefs, sources)
    naive.threshold = naive_threshold
    print(f"  [{size}] naive fuzzy over {len(naive.texts)} texts…", file=log, flush=True)
    out["naive"] = _versus(naive.search, questions, mine, plan.naive_budget, plan.runs)
    del naive
    start = time.perf_counter()
    bm25 = BM25(briefs, sources)
    bm25.threshold = bm25_threshold
    print(f"  [{size}] bm25 indexed in {time.perf_counter() - start:.1f} s…", file=log, flush=True)
    out["bm25"] = _versus(bm25.search, questions, mine, plan.bm25_budget, plan.runs)
    out["bm25"]["build_s"] = round(time.perf_counter() - start, 2)
    return out


def _versus(
    search: Callable[[str], object], questions: Sequence[Question], mine: Latency, budget: float, runs: int
) -> dict[str, Any]:
    """A baseline's latency on a subset of Mojaz's sample, and its ratios to Mojaz on exactly those questions."""
    theirs = measure(search, questions, mine.sample, budget, runs, len(mine.sample))
    base = theirs.per_question(theirs.sample)
    ours = mine.per_question(theirs.sample)
    out = theirs.summary()
    out["ratio_p50"] = round(percentile(base, 50) / percentile(ours, 50), 2)
    out["ratio_p99"] = round(percentile(base, 99) / percentile(ours, 99), 2)
    return out


def _top1(questions: Sequence[Question], lat: Latency) -> float:
    """Share of the sampled questions Mojaz answered right (out of scope: refused) among this many briefs."""
    right = 0
    for i, result in zip(lat.sample, lat.first, strict=True):
        assert isinstance(result, Result)
        found = result.best.brief.id if result.best is not None and result.decision == "found" else None
        right += found == questions[i].brief
    return round(right / len(lat.sample), 4)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale")
    parser.add_argument("size", help='"shipped" or a number of briefs')
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--naive-threshold", type=float, default=0.0, help="as tuned by the quality section")
    parser.add_argument("--bm25-threshold", type=float, default=0.0, help="as tuned by the quality section")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.size, args.quick, args.naive_threshold, args.bm25_threshold)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
