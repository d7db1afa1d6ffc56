"""Running the bot as users run it: ``python -m bot run|start`` in a subprocess, and webhook mode."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot import cli
from bot.app import ALLOWED_UPDATES, App, build_application, webhook_options
from bot.engine import Engine
from bot.settings import Settings
from tests.conftest import FIXTURE_BRIEFS, ROOT
from tests.fakebotapi import FakeBotAPI
from tests.harness import PRIVATE, TIMEOUT, TOKEN, USER, isolate_env

PROCESS_TIMEOUT = 60.0  # a cold interpreter imports PTB and builds the index; only reached if broken


async def launch(**kwargs: Any) -> asyncio.subprocess.Process:
    """``python -m bot run`` from the repository root, as an operator starts it."""
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, **kwargs)


@dataclass
class Running:
    """A ``python -m bot run`` process, its log so far, and an event set once a line contains ``watch``."""

    proc: asyncio.subprocess.Process
    log: list[str]
    seen: asyncio.Event


@asynccontextmanager
async def running(env: dict[str, str], watch: str) -> AsyncIterator[Running]:
    """The bot as a subprocess whose stderr is drained as it comes (DEBUG output would fill the pipe).

    The test ends it (a signal); if the test fails first, the process is killed here.
    """
    proc = await launch(env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    bot = Running(proc, [], asyncio.Event())

    async def read_log() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            bot.log.append(raw.decode(errors="replace"))
            if watch in bot.log[-1]:
                bot.seen.set()

    reader = asyncio.create_task(read_log())
    try:
        yield bot
        await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        reader.cancel()


def bot_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_"))}
    env.update(BRIEFS_DIR=str(FIXTURE_BRIEFS), BOT_CONFIG_FILE="/nonexistent/bot.yaml", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


async def test_python_m_bot_run_answers_reloads_on_sighup_and_stops_on_sigterm() -> None:
    async with FakeBotAPI(TOKEN) as fake:
        env = bot_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url, LOG_LEVEL="DEBUG")
        async with running(env, watch="reloaded:") as bot:
            await fake.wait_for(lambda c: c.method == "setMyCommands", PROCESS_TIMEOUT)
            fake.push({"message": fake.user_message(PRIVATE, USER, "متى سقط نظام الأسد؟")})
            answer = await fake.wait_for(lambda c: c.method == "sendMessage", TIMEOUT)
            assert answer.ok and answer.result["text"].startswith("سقوط نظام الأسد")

            bot.proc.send_signal(signal.SIGHUP)
            await asyncio.wait_for(bot.seen.wait(), TIMEOUT)
            bot.proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.proc.wait(), TIMEOUT) == 0
    log = "".join(bot.log)
    assert f"Mojaz @{fake.me.username}: 5 briefs, 12 facts" in log and "long polling" in log
    assert TOKEN.split(":")[1] not in log
    assert "[REDACTED]" in log  # PTB logs the API URL at DEBUG: it was there, and it was redacted
    assert not fake.rejected


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_env(monkeypatch)
    monkeypatch.setenv("BRIEFS_DIR", str(FIXTURE_BRIEFS))


@pytest.mark.usefixtures("cli_env")
def test_start_without_a_token_is_the_console_chat_plus_one_line_on_telegram(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("متى سقط نظام الأسد؟\nخروج\n"))
    assert cli.main(["start"]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first == cli.CONNECT_HINT and "TELEGRAM_BOT_TOKEN" in first
    assert "سقوط نظام الأسد" in "\n".join(rest)


@pytest.mark.usefixtures("cli_env")
def test_run_without_a_token_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err


@pytest.mark.usefixtures("cli_env")
def test_invalid_settings_are_reported_without_echoing_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "12345:this-secret-is-too-short")
    monkeypatch.setenv("BOT_ADMIN_IDS", "12,abc")
    monkeypatch.setenv("BOT_RATE_LIMIT", "maybe")
    assert cli.main(["run"]) == 2
    out = capsys.readouterr()
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_ADMIN_IDS", "BOT_RATE_LIMIT"):
        assert name in out.err
    assert "this-secret" not in out.err + out.out and "abc" not in out.err


async def test_a_rejected_token_is_reported_without_printing_it() -> None:
    wrong = "111111111:" + "W" * 35
    async with FakeBotAPI(TOKEN) as fake:  # knows only TOKEN: answers 401 to anything else
        proc = await launch(
            env=bot_env(TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=fake.base_url, LOG_LEVEL="DEBUG"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), PROCESS_TIMEOUT)
    assert proc.returncode == 1
    output = (stdout + stderr).decode()
    assert "rejected the bot token" in output and "W" * 35 not in output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Webhook:
    """A bot serving a webhook on loopback, and an event set when any update reaches its handlers."""

    app: App
    settings: Settings
    port: int
    handled: asyncio.Event


@asynccontextmanager
async def serving_webhook(engine: Engine, fake: FakeBotAPI, secret: str) -> AsyncIterator[Webhook]:
    """The real Application in webhook mode (``start_webhook``, as ``run_webhook`` does), stopped after."""
    port = free_port()
    settings = Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake.base_url,
        webhook_url="https://bot.example.org/mojaz/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=secret,
        briefs_dir=Path(engine.briefs_dir),
    )
    app = build_application(settings, engine)
    handled = asyncio.Event()

    async def mark(update: Update, context: object) -> None:
        handled.set()

    app.add_handler(TypeHandler(Update, mark), group=10_000)
    await app.initialize()
    assert app.updater is not None
    try:
        await app.updater.start_webhook(**webhook_options(settings), allowed_updates=ALLOWED_UPDATES)
        await app.start()
        yield Webhook(app, settings, port, handled)
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


async def test_webhook_mode_accepts_only_requests_with_the_secret_header(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_env(monkeypatch)
    async with FakeBotAPI(TOKEN) as fake, serving_webhook(engine, fake, "s3cret-Header_value") as hook:
        assert fake.webhook["url"] == hook.settings.webhook_url
        assert fake.webhook["secret_token"] == "s3cret-Header_value"

        update = {"update_id": 1, "message": fake.user_message(PRIVATE, USER, "متى سقط نظام الأسد؟")}
        url = f"http://127.0.0.1:{hook.port}/mojaz/hook"
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            assert (missing.status_code, wrong.status_code) == (403, 403)
            assert not hook.handled.is_set()
            right = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Header_value"}
            )
            assert right.status_code == 200
        answer = await fake.wait_for(lambda c: c.method == "sendMessage", TIMEOUT)
        assert answer.result["text"].startswith("سقوط نظام الأسد")
