"""``python -m benchmarks``: quality, search at scale, reload, and the bot end to end, in one run.

Prints one table per section as it finishes, then the targets of issue 5 with what was measured;
``--json PATH`` also writes the headline figures (and every detail) for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import quality
from benchmarks.measure import Spread, table
from bot.briefs import load
from bot.settings import Settings
from bot.synonyms import Synonyms
from tests.questionset import load_questions

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("shipped", "1000", "10000", "100000")
QUICK_SIZES = ("shipped", "300")  # --quick: a synthetic set small enough for the smoke test
SECTIONS = ("quality", "scale", "reload", "bot")


def _spread(data: dict[str, Any], digits: int = 1) -> str:
    return Spread(data["median"], data["lo"], data["hi"], data["n"]).fmt(digits)


def _ratio(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}×" if value >= 10 else f"{value:.1f}×" if value >= 1 else f"{value:.2f}×"


def _worker(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> ARGS`` in a fresh process; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def scale_tables(results: dict[str, dict[str, Any]]) -> str:
    rows = []
    for size, r in results.items():
        for system in ("mojaz", "naive", "bm25"):
            s = r[system]
            rows.append(
                [
                    size if system == "mojaz" else "",
                    {"mojaz": "Mojaz", "naive": "naive fuzzy", "bm25": "BM25"}[system],
                    f"{s['queries']}×{s['runs']}",
                    _spread(s["p50_ms"], 2),
                    _spread(s["p99_ms"], 2),
                    _spread(s["max_ms"], 2),
                    _ratio(s.get("ratio_p50")),
                    _ratio(s.get("ratio_p99")),
                ]
            )
    latency = table(
        ["size", "system", "q×runs", "p50 ms", "p99 ms", "max ms", "p50 ÷ Mojaz", "p99 ÷ Mojaz"],
        rows,
        "Search latency per question: median of the runs (min–max); ratios on the same questions, same process",
    )
    rows = [
        [
            size,
            str(r["briefs"]),
            str(r["facts"]),
            _spread(r["build_s"], 2),
            f"{r['rss_mb']:.0f}",
            f"{r['index_mb']:.0f}",
            str(r["vocabulary"]),
            f"{r['mojaz']['top1']:.1%}",
            f"{r['bm25']['build_s']:.1f}",
        ]
        for size, r in results.items()
    ]
    build = table(
        ["size", "briefs", "facts", "index build s", "RSS MB", "index MB", "vocabulary", "Mojaz top-1", "BM25 build s"],
        rows,
        "Index build (median of runs, min–max) and memory of a fresh process holding the briefs and Mojaz's index",
    )
    return latency + "\n\n" + build


def bot_table(bot: dict[str, Any]) -> str:
    rows = [
        [name, str(s["asked"]), str(s["dropped"]), _spread(s["per_second"]), _spread(s["p50_ms"]), _spread(s["p99_ms"])]
        for name, s in bot["scenarios"].items()
    ]
    return table(
        ["scenario (python -m bot run ↔ fake Bot API)", "asked", "dropped", "answered/s", "p50 ms", "p99 ms"],
        rows,
        "Through the bot: update queued → sendMessage / answerInlineQuery received; median of runs (min–max)",
    ) + (
        f"\nCPU during the limiter-off scenarios: bot {bot['cpu_s']['bot']} s, fake API + load generator "
        f"{bot['cpu_s']['fake_api_and_load']} s. Requests the fake API rejected: {bot['rejected_by_fake_api']}."
    )


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """The figures issue 5 names, each the median of its runs (null when not measured in this run)."""
    scale: dict[str, Any] = report.get("scale", {})
    reload: dict[str, Any] = report.get("reload", {})
    bot: dict[str, Any] = report.get("bot", {})
    scenarios: dict[str, Any] = bot.get("scenarios", {})

    def by_size(*path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for size in dict.fromkeys((*SIZES, *scale)):
            value: Any = scale.get(size)
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            out[size] = value
        return out

    def pick(key: str, *words: str, unless: str = "") -> float | None:
        for name, s in scenarios.items():
            if all(w in name for w in words) and not (unless and unless in name):
                value: float = s[key]["median"]
                return value
        return None

    reload_ms: dict[str, Any] = {"shipped": None, "10000": None}
    reload_ms.update({size: r["reload_ms"]["median"] for size, r in reload.items()})
    return {
        "search_p99_ms": by_size("mojaz", "p99_ms", "median"),
        "naive_p99_ms": by_size("naive", "p99_ms", "median"),
        "bm25_p99_ms": by_size("bm25", "p99_ms", "median"),
        "index_build_s": by_size("build_s", "median"),
        "rss_mb": by_size("rss_mb"),
        "quality": report.get("quality"),
        "quality_at_mojaz_refusal": report.get("quality_at_mojaz_refusal"),
        "quality_ranked_first": report.get("quality_ranked_first"),
        "bot_updates_per_s": pick("per_second", "closed loop (capacity)"),
        "bot_p99_ms_50_chats": pick("p99_ms", "chats, open loop", unless="limiter on"),
        "bot_p99_ms_limited": pick("p99_ms", "limiter on"),
        "inline_p99_ms": pick("p99_ms", "inline", "open loop"),
        "start_s": bot.get("start_s", {}).get("median"),
        "reload_ms": reload_ms,
        "bot_rss_mb": bot.get("peak_rss_mb", {}).get("median"),
    }


def targets(head: dict[str, Any], report: dict[str, Any]) -> str:
    """Issue 5's targets next to what this run measured."""
    rows: list[list[str]] = []

    skipped = report.get("skipped", {})

    def check(
        target: str, value: float | None, ok: bool | None, unit: str = "", digits: int = 1, step: str = ""
    ) -> None:
        missing = "skipped (budget)" if step in skipped else "not measured"
        shown = missing if value is None else f"{value:.{digits}f}{unit}"
        rows.append([target, shown, "-" if value is None or ok is None else ("yes" if ok else "NO")])

    q = head.get("quality")
    if q:
        styles = [s for s in q["mojaz"] if s != "all"]
        worst = min(styles, key=lambda s: q["mojaz"][s] - max(q["naive"][s], q["bm25"][s]))
        lead = 100 * (q["mojaz"][worst] - max(q["naive"][worst], q["bm25"][worst]))
        check(f"quality: Mojaz ≥ both baselines on every style (worst: {worst})", lead, lead >= 0, " pts")
        for style in quality.BASELINE_STYLES:
            if style in q["mojaz"]:
                lead = 100 * (q["mojaz"][style] - max(q["naive"][style], q["bm25"][style]))
                check(f"quality: ≥ 10 points ahead of the better baseline on {style}", lead, lead >= 10, " pts")
    for size, limit in (("shipped", 2.0), ("10000", 10.0), ("100000", 50.0)):
        p99 = head["search_p99_ms"].get(size)
        check(f"search p99 ≤ {limit:g} ms at {size}", p99, p99 is not None and p99 <= limit, " ms", 2, f"scale {size}")
    ten = report.get("scale", {}).get("10000", {}).get("naive")
    ratio = min(ten["ratio_p50"], ten["ratio_p99"]) if ten else None
    check("≥ 10× faster than naive fuzzy at 10000 (smaller of p50, p99 ratios)", ratio, ratio and ratio >= 10, "×")
    v = head["bot_updates_per_s"]
    check("bot capacity ≥ 300 updates/s, limiter off", v, v is not None and v >= 300, "/s", 0)
    v = head["bot_p99_ms_50_chats"]
    check("bot p99 ≤ 50 ms, 50 chats (open loop), limiter off", v, v is not None and v <= 50, " ms")
    v = head["bot_p99_ms_limited"]
    check("bot p99 ≤ 100 ms, limiter on, 25 questions/s from 50 chats", v, v is not None and v <= 100, " ms")
    dropped = sum(s["dropped"] for n, s in report.get("bot", {}).get("scenarios", {}).items() if "limiter on" in n)
    check("…and nothing dropped", dropped if "bot" in report else None, dropped == 0, "", 0)
    v = head["start_s"]
    check("start (process launch → first getUpdates) ≤ 2 s", v, v is not None and v <= 2, " s", 2)
    v = head["reload_ms"].get("shipped")
    check("reload of the shipped briefs ≤ 300 ms", v, v is not None and v <= 300, " ms", 0)
    v = head["reload_ms"].get("10000")
    check(
        "reload of 10000 briefs ≤ 5 s (incl. evidence check)",
        v and v / 1000,
        v is not None and v <= 5000,
        " s",
        1,
        "reload 10000",
    )
    v = head["bot_rss_mb"]
    check("bot peak RSS ≤ 150 MB with the shipped briefs", v, v is not None and v <= 150, " MB", 0)
    return table(["target (issue 5)", "measured (median)", "met"], rows, "Targets")


def reload_table(reload: dict[str, Any]) -> str:
    rows = [
        [
            size,
            str(r["briefs"]),
            str(r["files"]),
            f"{r['megabytes']:.1f}",
            _spread(r["first_load_ms"], 0),
            _spread(r["first_load_cpu_ms"], 0),
            _spread(r["reload_ms"], 0),
            _spread(r["reload_cpu_ms"], 0),
        ]
        for size, r in reload.items()
    ]
    return table(
        ["briefs", "count", "files", "YAML MB", "first load ms", "CPU ms", "/reload ms", "CPU ms"],
        rows,
        "Load (Engine: YAML, schema, cross-checks, evidence check, index): the first load, from nothing, and\n"
        "/reload (Engine.reload) after one brief of one file was edited, reusing what is unchanged; median (min–max)",
    )


def profile(size: str) -> int:
    """cProfile of building the index and of searching every question at one size: where the time goes.

    Above 10000 briefs the build is not profiled (it is linear in the briefs and would take many
    minutes under the profiler): profile it at 10000.
    """
    import cProfile
    import pstats

    from benchmarks import synth
    from benchmarks.systems import Mojaz

    settings = Settings()
    shipped = load(settings.briefs_dir, settings.seeds_dir)
    synonyms = Synonyms.load(settings.synonyms_file)
    briefs = shipped.briefs if size == "shipped" else synth.briefs(shipped.briefs, int(size))
    questions = load_questions()

    def build() -> Mojaz:
        return Mojaz(briefs, shipped.sources, synonyms)

    def show(what: str, prof: cProfile.Profile) -> None:
        print(f"\n=== {what} ===")
        pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(14)

    prof = cProfile.Profile()
    if len(briefs) <= 10_000:
        mojaz = prof.runcall(build)
        show(f"building the index of {len(briefs)} briefs", prof)
    else:
        mojaz = build()
    prof = cProfile.Profile()
    prof.runcall(lambda: [mojaz.search(q.q) for q in questions])
    show(f"searching {len(questions)} questions among {len(briefs)} briefs", prof)
    return 0


def _projected_scale(size: str, done: dict[str, Any]) -> float | None:
    """Seconds the scale worker for ``size`` should take, scaled linearly from the largest size measured."""
    if not size.isdigit():
        return None
    measured = [k for k in done if k.isdigit() and int(k) < int(size)]
    if not measured:
        return None
    base = max(measured, key=int)
    r, factor = done[base], int(size) / int(base)
    grows: float = (
        r["generate_s"] + r["first_build_s"] + r["bm25"]["build_s"] + 5 * r["naive"]["p50_ms"]["median"] / 1000
    )
    return factor * grows + 90  # plus the fixed time budgets of the latency runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="a few iterations at small sizes (smoke test)")
    parser.add_argument("--sizes", help=f"comma-separated sizes (default: {','.join(SIZES)})")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from {','.join(SECTIONS)}")
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds for the whole run (default 300): the 100000-brief size and the 10000-brief reload, run last, "
        "are skipped (and said so) when their projected time would overrun it",
    )
    parser.add_argument("--full", action="store_true", help="no budget: measure every size whatever it takes")
    parser.add_argument("--profile", metavar="SIZE", help="instead: cProfile index build and search at SIZE")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile)
    started = time.perf_counter()
    budget = float("inf") if args.full or args.quick else args.budget
    sections = set(args.sections.split(","))
    sizes = args.sizes.split(",") if args.sizes else (QUICK_SIZES if args.quick else SIZES)
    settings = Settings()
    shipped = load(settings.briefs_dir, settings.seeds_dir)
    questions = load_questions()
    report: dict[str, Any] = {
        "meta": {
            "quick": args.quick,
            "budget_s": None if budget == float("inf") else budget,
            "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)),
            "date": time.strftime("%Y-%m-%d %H:%M"),
        },
        "skipped": {},
    }

    steps: dict[str, float] = report["meta"].setdefault("step_s", {})

    def took(step: str, since: float) -> None:
        steps[step] = round(time.perf_counter() - since, 1)

    def affordable(step: str, projected: float | None) -> bool:
        left = budget - (time.perf_counter() - started)
        if projected is None or projected <= left:
            return True
        reason = f"projected {projected:.0f} s, {max(left, 0):.0f} s of the {budget:.0f} s budget left (--full runs it)"
        report["skipped"][step] = reason
        _note(f"{step}: skipped, {reason}")
        return False

    thresholds = {"naive": 0.0, "bm25": 0.0}
    if sections & {"quality", "scale"}:
        _note("quality: the question set against Mojaz, naive fuzzy and BM25…")
        since = time.perf_counter()
        q = quality.run(shipped, Synonyms.load(settings.synonyms_file), questions[::4] if args.quick else questions)
        thresholds = q.thresholds
        report["quality"] = quality.to_json(q.tallies)
        report["quality_at_mojaz_refusal"] = quality.to_json({"mojaz": q.tallies["mojaz"], **q.at_refusal})
        report["quality_ranked_first"] = {s: {k: round(v, 4) for k, v in by.items()} for s, by in q.ranked.items()}
        report["quality_detail"] = {
            "thresholds": q.thresholds,
            "thresholds_at_mojaz_refusal": q.refusal_thresholds,
            "untuned_all": q.untuned,
            "facts": {s: [t["all"].facts_shown, t["all"].facts_asked] for s, t in q.tallies.items()},
        }
        took("quality", since)
    big = "300" if args.quick else "10000"  # the reload from synthetic YAML
    small = [s for s in sizes if s != "100000"]
    scale: dict[str, Any] = {}
    reload: dict[str, Any] = {}

    def scale_step(size: str) -> None:
        if affordable(f"scale {size}", _projected_scale(size, scale)):
            _note(f"scale: {size} briefs (fresh process)…")
            since = time.perf_counter()
            flags = [f"--naive-threshold={thresholds['naive']}", f"--bm25-threshold={thresholds['bm25']}"]
            scale[size] = _worker("scale", size, *flags, *(["--quick"] if args.quick else []))
            took(f"scale {size}", since)

    def reload_step(size: str) -> None:
        projected = None
        if size != "shipped" and "shipped" in reload:
            r = reload["shipped"]
            # The first load is linear in the briefs and the longest part; then writing YAML and the reloads.
            projected = int(size) / r["briefs"] * r["first_load_ms"]["median"] / 1000 + 15
        if affordable(f"reload {size}", projected):
            _note(f"reload: {size} briefs from YAML (fresh process)…")
            since = time.perf_counter()
            runs, seconds = (1, 1.0) if args.quick else ((7, 5.0) if size == "shipped" else (3, 20.0))
            reload[size] = _worker("reload", size, f"--runs={runs}", f"--budget={seconds}")
            took(f"reload {size}", since)

    if "scale" in sections:
        for size in small:
            scale_step(size)
    if "reload" in sections:
        reload_step("shipped")
    if "bot" in sections:
        from benchmarks import botload

        _note("bot: python -m bot run against the fake Bot API…")
        since = time.perf_counter()
        report["bot"] = botload.run([q.q for q in questions], args.quick)
        took("bot", since)
    # The expensive steps last, so that the budget decides about them with everything else measured.
    if "reload" in sections:
        reload_step(big)
    if "scale" in sections and "100000" in sizes:
        scale_step("100000")
    if scale:
        report["scale"] = scale
    if reload:
        report["reload"] = reload

    if args.quick:
        print("--quick: a smoke run; its samples are too small for its figures to mean anything.\n")
    if "quality" in report:
        print(quality.report(q) + "\n")
    if scale:
        print(scale_tables(scale) + "\n")
    if reload:
        print(reload_table(reload) + "\n")
    if "bot" in report:
        print(bot_table(report["bot"]) + "\n")
    head = headline(report)
    print(targets(head, report))
    for step, reason in report["skipped"].items():
        print(f"skipped: {step} — {reason}")
    elapsed = time.perf_counter() - started
    report["meta"]["seconds"] = round(elapsed, 1)
    kind = "quick" if args.quick else "full" if args.full else f"budgeted ({budget:.0f} s)"
    parts = ", ".join(f"{k} {v:.0f} s" for k, v in steps.items())
    print(f"\n{kind} run: {elapsed:.0f} s on {report['meta']['cpus']} CPUs ({parts})")
    if args.json:
        args.json.write_text(json.dumps({**head, "details": report}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
