"""``python -m benchmarks --quick`` runs end to end and writes every headline figure of issue 5.

A smoke test only, to keep the suite working: it asserts no timings (those belong to ``make bench``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.questionset import STYLES

SIZED = ("search_p99_ms", "naive_p99_ms", "bm25_p99_ms", "index_build_s", "rss_mb")
SCALARS = ("bot_updates_per_s", "bot_p99_ms_50_chats", "bot_p99_ms_limited", "inline_p99_ms", "start_s", "bot_rss_mb")


def test_quick_benchmarks_run_and_write_the_headline_keys(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Answer quality" in proc.stdout and "Targets" in proc.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in SIZED:
        assert set(data[key]) >= {"shipped", "1000", "10000", "100000"}, key
        assert isinstance(data[key]["shipped"], float | int), key  # measured even in --quick
    for key in SCALARS:
        assert isinstance(data[key], float | int), key
    assert set(data["reload_ms"]) >= {"shipped", "10000"}
    assert isinstance(data["reload_ms"]["shipped"], float | int)
    for system in ("mojaz", "naive", "bm25"):
        assert set(data["quality"][system]) == {*STYLES, "all"}
        assert all(0 <= v <= 1 for v in data["quality"][system].values())
    same = data["quality_at_mojaz_refusal"]
    assert same["mojaz"] == data["quality"]["mojaz"]
    for system in ("naive", "bm25"):  # compared at Mojaz's operating point: refusing at least as often
        assert same[system]["out_of_scope"] >= same["mojaz"]["out_of_scope"]
