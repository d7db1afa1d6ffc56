"""Command line: ``mojaz ask|check|chat|start`` (same as ``python -m bot …``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import render
from bot.briefs import BriefsError
from bot.engine import Engine
from bot.settings import Settings

CHAT_HELLO = "موجز — اسأل عن العراق وسوريا والفصائل وسقوط الأسد والانسحاب الأمريكي. اكتب «خروج» للإنهاء."
CHAT_EXIT = {"خروج", "exit", "quit", "q"}


def _engine(settings: Settings) -> Engine:
    try:
        return Engine(settings.briefs_dir, settings.seeds_dir, settings.synonyms_file)
    except BriefsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None


def cmd_check(settings: Settings) -> int:
    """Validate the briefs and their evidence; print counts, or every problem and exit 1."""
    snap = _engine(settings).snapshot
    print(
        f"{len(snap.briefs)} briefs, {snap.fact_count} facts, {len(snap.dated_facts())} dated (version {snap.version})"
    )
    for sid, n in snap.facts_per_source().items():
        print(f"  {sid} {snap.sources[sid].file}: {n} facts")
    return 0


def cmd_ask(settings: Settings, question: str) -> int:
    engine = _engine(settings)
    print(render.answer(engine.search(question), dict(engine.snapshot.sources), render.PLAIN))
    return 0


def cmd_chat(settings: Settings) -> int:
    """An interactive console chat over the same engine the bot uses."""
    engine = _engine(settings)
    print(CHAT_HELLO)
    while True:
        try:
            line = input("؟ ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line in CHAT_EXIT:
            return 0
        if line:
            print(render.answer(engine.search(line), dict(engine.snapshot.sources), render.PLAIN), end="\n\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mojaz", description="Mojaz: short, sourced Arabic briefings.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question and print the briefing")
    ask.add_argument("question", nargs="+")
    sub.add_parser("check", help="validate the briefs and their evidence")
    sub.add_parser("chat", help="interactive console chat")
    sub.add_parser("start", help="what `make run` runs: the console chat")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "ask":
        return cmd_ask(settings, " ".join(args.question))
    if args.command == "check":
        return cmd_check(settings)
    return cmd_chat(settings)
