"""Command line: ``mojaz ask|check|chat|run|start`` (same as ``python -m bot …``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import render
from bot.briefs import BriefsError
from bot.engine import Engine
from bot.settings import Settings, SettingsError, load_settings

CHAT_HELLO = "موجز — اسأل عن العراق وسوريا والفصائل وسقوط الأسد والانسحاب الأمريكي. اكتب «خروج» للإنهاء."
CONNECT_HINT = (
    "للتشغيل على تيليغرام: ضع رمز البوت من ‎@BotFather في TELEGRAM_BOT_TOKEN ثم أعد make run (انظر README). / "
    "To run on Telegram: set TELEGRAM_BOT_TOKEN to the token from @BotFather and run make run again (see README)."
)
NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN غير مضبوط: أنشئ بوتًا عند ‎@BotFather وضع رمزه في هذا المتغير (انظر README). / "
    "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token there (see README)."
)
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


def cmd_run(settings: Settings) -> int:
    """The Telegram bot, until SIGINT/SIGTERM; exit 1 with a clear message if it cannot start."""
    if settings.token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    # Imported here so that ask/check/chat do not pay for importing PTB.
    from telegram.error import InvalidToken, TelegramError

    from bot import app, logsafe

    logsafe.setup(settings.log_level, settings.secrets())
    engine = _engine(settings)
    try:
        app.run(settings, engine)
    except InvalidToken:  # PTB's message quotes the token: never print it
        print("رفض تيليغرام رمز البوت: تحقق منه عند ‎@BotFather. / Telegram rejected the bot token.", file=sys.stderr)
        return 1
    except TelegramError as exc:
        message = logsafe.FILTER.redact(str(exc))
        print(f"تعذّر تشغيل البوت / the bot could not start: {message}", file=sys.stderr)
        return 1
    return 0


def cmd_start(settings: Settings) -> int:
    """What ``make run`` runs: the Telegram bot when a token is set, else the console chat."""
    if settings.token is not None:
        return cmd_run(settings)
    print(CONNECT_HINT)
    return cmd_chat(settings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mojaz", description="Mojaz: short, sourced Arabic briefings.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question and print the briefing")
    ask.add_argument("question", nargs="+")
    sub.add_parser("check", help="validate the briefs and their evidence")
    sub.add_parser("chat", help="interactive console chat")
    sub.add_parser("run", help="the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    sub.add_parser("start", help="what `make run` runs: the Telegram bot if TELEGRAM_BOT_TOKEN is set, else the chat")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    if args.command == "ask":
        return cmd_ask(settings, " ".join(args.question))
    if args.command == "check":
        return cmd_check(settings)
    if args.command == "run":
        return cmd_run(settings)
    if args.command == "start":
        return cmd_start(settings)
    return cmd_chat(settings)
