"""Reload time through the real loader (YAML, schema, cross-checks and the evidence check) plus the index.

``python -m benchmarks.reload SIZE [--runs N] [--budget S]`` prints one JSON object. ``shipped``
copies ``briefs/`` to a temporary folder; a number writes the shipped files plus synthetic briefs up
to that many (``benchmarks/synth.py``: every quote verbatim from its document, so the evidence check
passes) there. Two figures, wall and CPU time, because they are different things:

- the first load, ``Engine(...)``: everything read, parsed, checked and indexed from nothing (as at
  start-up);
- ``Engine.reload()`` as an admin's /reload runs it, with the previous briefs live, after an edit:
  before each reload one brief's summary in one file is changed. The reload reads again only the
  files whose bytes changed and analyses again only the briefs that changed (see ``bot/briefs.py``
  and ``bot/search.py``); every brief is still cross-checked, evidence included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from benchmarks import synth
from benchmarks.measure import Spread, repeat
from bot.briefs import load
from bot.engine import Engine
from bot.schema import Brief
from bot.settings import Settings
from bot.yamlfile import parse

T = TypeVar("T")
EDIT = " وتتابع التطورات"  # appended to a summary and taken off again, reload after reload


def measure(folder: Path, settings: Settings, runs: int, budget: float) -> dict[str, Any]:
    start = time.perf_counter()
    engine, first = _timed(lambda: Engine(folder, settings.seeds_dir, settings.synonyms_file))
    edit = _editor(folder)

    def reload() -> Timed:
        edit()
        return _timed(engine.reload)[1]

    reloads = repeat(reload, runs, budget - (time.perf_counter() - start))
    return {
        "briefs": len(engine.snapshot.briefs),
        "files": len(list(folder.glob("*.yaml"))),
        "megabytes": round(sum(p.stat().st_size for p in folder.glob("*.yaml")) / 2**20, 1),
        "first_load_ms": Spread.of([1000 * first.wall]).to_json(),
        "first_load_cpu_ms": Spread.of([1000 * first.cpu]).to_json(),
        "reload_ms": Spread.of([1000 * r.wall for r in reloads]).to_json(),
        "reload_cpu_ms": Spread.of([1000 * r.cpu for r in reloads]).to_json(),
    }


class Timed(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU time: on a shared machine, the steadier figure


def _timed(fn: Callable[[], T]) -> tuple[T, Timed]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, Timed(time.perf_counter() - wall, time.process_time() - cpu)


def _editor(folder: Path) -> Callable[[], None]:
    """What an editor does before a /reload: one brief's summary in one file, changed (then changed back)."""
    path = sorted(folder.glob("*.yaml"))[-1]
    items = parse(path.read_text(encoding="utf-8")).data  # every scalar a string, as the loader reads it
    n = next(i for i, item in enumerate(items) if len(item["summary"] + EDIT) <= 600)
    summary = items[n]["summary"]
    count = 0

    def edit() -> None:
        nonlocal count
        count += 1
        items[n]["summary"] = summary + EDIT if count % 2 else summary
        Brief.model_validate(items[n])  # still a valid brief
        path.write_text(synth.dump(items), encoding="utf-8")

    return edit


def run(size: str, runs: int, budget: float) -> dict[str, Any]:
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="mojaz-bench-") as tmp:
        if size == "shipped":
            shutil.copytree(settings.briefs_dir, tmp, dirs_exist_ok=True)
        else:
            shipped = load(settings.briefs_dir, settings.seeds_dir)
            synth.write_yaml(settings.briefs_dir, Path(tmp), shipped.briefs, int(size))
        return measure(Path(tmp), settings, runs, budget)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reload")
    parser.add_argument("size", help='"shipped" or a number of briefs')
    parser.add_argument("--runs", type=int, default=5, help="reloads after the first load (at least one)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds after which no further reload starts")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.size, args.runs, args.budget)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
