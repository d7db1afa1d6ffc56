"""Reload time through the real loader (YAML, schema, cross-checks and the evidence check) plus the index.

``python -m benchmarks.reload SIZE [--runs N] [--budget S]`` prints one JSON object. ``shipped``
reloads ``briefs/``; a number writes the shipped files plus synthetic briefs up to that many
(``benchmarks/synth.py``: every quote verbatim from its document, so the evidence check passes)
to a temporary folder first. The first sample is the engine's first load, the others are
``Engine.reload()`` with the previous briefs still live, as in the bot.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.measure import Spread, repeat, timed
from bot.briefs import load
from bot.engine import Engine
from bot.settings import Settings


def measure(folder: Path, settings: Settings, runs: int, budget: float) -> dict[str, Any]:
    start = time.perf_counter()
    engine = Engine(folder, settings.seeds_dir, settings.synonyms_file)
    first = time.perf_counter() - start
    more = repeat(lambda: timed(engine.reload), runs - 1, budget - first, min_runs=0)  # the first load counts too
    return {
        "briefs": len(engine.snapshot.briefs),
        "files": len(list(folder.glob("*.yaml"))),
        "megabytes": round(sum(p.stat().st_size for p in folder.glob("*.yaml")) / 2**20, 1),
        "reload_ms": Spread.of([1000 * t for t in (first, *more)]).to_json(),
    }


def run(size: str, runs: int, budget: float) -> dict[str, Any]:
    settings = Settings()
    if size == "shipped":
        return measure(settings.briefs_dir, settings, runs, budget)
    shipped = load(settings.briefs_dir, settings.seeds_dir)
    with tempfile.TemporaryDirectory(prefix="mojaz-bench-") as tmp:
        synth.write_yaml(settings.briefs_dir, Path(tmp), shipped.briefs, int(size))
        return measure(Path(tmp), settings, runs, budget)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reload")
    parser.add_argument("size", help='"shipped" or a number of briefs')
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds after which no further run starts")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.size, args.runs, args.budget)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
