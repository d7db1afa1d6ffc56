"""Running the real bot (``bot.app.build_application``) against ``FakeBotAPI`` over loopback HTTP.

``running_bot`` starts the Application the way ``run_polling`` does (initialize, post_init,
start_polling, start) and stops it the same way. Each ``send_*`` helper pushes one update and
waits until the bot has *finished handling it*: a last-group ``TypeHandler`` sets an event per
update id after every other handler (and the error handler) has run, so tests never sleep and
can assert silence as precisely as speech.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx._transports.default as httpx_transport
import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot import transport
from bot.app import ALLOWED_UPDATES, READ_TIMEOUT, App, build_application
from bot.engine import Engine
from bot.handlers import Handlers
from bot.retry import RetryPolicy
from bot.settings import Settings
from bot.stats import Stats
from tests.fakebotapi import Call, Chat, FakeBotAPI, User

TOKEN = "987654321:AAHfake-test-token_0123456789abcdefXYZ"
ADMIN = User(1001, "مشرفة التحرير", "editor_admin")
USER = User(2002, "سارة الصحفية", "sara_reader")
STRANGER = User(3003, "Zed Outsider", "zed_outsider")
PRIVATE = Chat(USER.id, "private", first_name=USER.first_name)
ADMIN_CHAT = Chat(ADMIN.id, "private", first_name=ADMIN.first_name)
GROUP = Chat(-1001234567890, "supergroup", title="غرفة الأخبار")
TIMEOUT = 10.0  # seconds; only reached when something is broken
HANDLED_GROUP = 10_000
# The production policy with millisecond waits: tests exercise every retry without waiting for real backoff.
FAST_RETRY = RetryPolicy(first_delay=0.001, max_delay=0.005)
POLL_TIMEOUT = 10  # seconds a getUpdates request waits for updates (PTB's run_polling default)

ENV_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "BOT_ADMIN_IDS",
    "BOT_RATE_LIMIT",
    "BRIEFS_DIR",
    "SEEDS_DIR",
    "SYNONYMS_FILE",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET",
    "LOG_LEVEL",
)


def isolate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not pick up a developer's real token or ``config/bot.yaml``; and they start bots fast.

    Every Application builds httpx clients, and each loads the CA bundle into a new TLS context
    (~25 ms, half of a test bot's start-up) although the tests speak plain HTTP on loopback. One
    verified context, built the same way, is shared instead.
    """
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_CONFIG_FILE", "/nonexistent/bot.yaml")
    monkeypatch.setattr(httpx_transport, "create_ssl_context", _shared_ssl_context)
    monkeypatch.setattr(transport, "create_ssl_context", _shared_ssl_context)


_build_ssl_context = httpx_transport.create_ssl_context


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    return _build_ssl_context()


def _shared_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    if verify is True and cert is None and trust_env:
        return _default_ssl_context()
    return _build_ssl_context(verify=verify, cert=cert, trust_env=trust_env)


@dataclass
class Exchange:
    """The API calls the bot made while handling one update."""

    update_id: int
    calls: list[Call]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[Call]:
        return self.of("sendMessage")

    @property
    def replies(self) -> list[dict[str, Any]]:
        """The messages the bot sent (as the API returned them), in order."""
        return [c.result for c in self.sent if c.ok]

    @property
    def reply(self) -> dict[str, Any]:
        """The one message the bot sent; fails if it sent none or several."""
        assert len(self.replies) == 1, [r["text"][:80] for r in self.replies]
        return self.replies[0]

    @property
    def html(self) -> str:
        return "\n\n".join(c.params["text"] for c in self.sent)

    @property
    def text(self) -> str:
        """What a reader sees: the plain text of every message sent or edited."""
        return "\n\n".join(c.result["text"] for c in [*self.sent, *self.of("editMessageText")] if c.ok)

    @property
    def answer(self) -> dict[str, Any]:
        (call,) = self.of("answerCallbackQuery")
        return call.params

    @property
    def inline(self) -> dict[str, Any]:
        (call,) = self.of("answerInlineQuery")
        return call.params


def readable(text: str) -> str:
    """Text without the Unicode isolates that keep Latin runs and numbers in order inside Arabic."""
    return text.replace("\u2068", "").replace("\u2069", "")


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in buttons(message)]


class TestBot:
    """What a test talks to: send a message, a command, an inline query, or press a button."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, fake: FakeBotAPI, app: App) -> None:
        self.fake = fake
        self.app = app
        self._handled: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def _mark_handled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self._handled[update.update_id].set()

    @property
    def username(self) -> str:
        assert self.fake.me.username
        return self.fake.me.username

    @property
    def handlers(self) -> Handlers:
        handlers: Handlers = self.app.bot_data["handlers"]
        return handlers

    @property
    def stats(self) -> Stats:
        return self.handlers.stats

    async def send(self, update: dict[str, Any]) -> Exchange:
        mark = len(self.fake.calls)
        uid = self.fake.push(update)
        await self.handled(uid)
        return Exchange(uid, self.fake.calls[mark:])

    async def handled(self, uid: int, timeout: float = TIMEOUT) -> None:
        """Wait until the bot has finished handling update ``uid`` (its error handler included)."""
        await asyncio.wait_for(self._handled[uid].wait(), timeout)
        del self._handled[uid]

    async def send_all(self, updates: Iterable[dict[str, Any]], timeout: float = TIMEOUT) -> list[int]:
        """Push many updates at once (the bot handles them concurrently); wait until every one is handled."""
        uids = [self.fake.push(update) for update in updates]
        await asyncio.wait_for(asyncio.gather(*(self.handled(uid, timeout) for uid in uids)), timeout)
        return uids

    async def send_text(
        self, text: str, chat: Chat = PRIVATE, user: User = USER, reply_to: dict[str, Any] | None = None
    ) -> Exchange:
        return await self.send({"message": self.fake.user_message(chat, user, text, reply_to)})

    async def send_command(
        self, command: str, args: str = "", chat: Chat = PRIVATE, user: User = USER, suffix: str | None = None
    ) -> Exchange:
        """``/command args``; ``suffix`` adds ``@botname`` as Telegram clients do in groups."""
        text = f"/{command}" + (f"@{suffix}" if suffix else "") + (f" {args}" if args else "")
        return await self.send_text(text, chat, user)

    async def send_inline(self, query: str, user: User = USER) -> Exchange:
        return await self.send({"inline_query": self.fake.inline_query(user, query)})

    async def press_button(self, message: dict[str, Any], label: str, user: User = USER) -> Exchange:
        """Press the button labelled ``label`` under ``message`` (as it is now, after any edits)."""
        current = self.fake.message(message["chat"]["id"], message["message_id"])
        matching = [b for b in buttons(current) if b["text"] == label]
        assert matching, f"no button {label!r} in {labels(current)}"
        return await self.press_data(current, matching[0]["callback_data"], user)

    async def press_data(self, message: dict[str, Any], data: str, user: User = USER) -> Exchange:
        """A button press with arbitrary callback data, as a modified client could send."""
        current = self.fake.message(message["chat"]["id"], message["message_id"])
        return await self.send({"callback_query": self.fake.callback_query(user, current, data)})

    def assert_clean(self) -> None:
        """Telegram accepted everything, and every message was HTML without link previews."""
        assert not self.fake.rejected, [(c.method, c.error) for c in self.fake.rejected]
        for call in self.fake.calls:
            if call.method in ("sendMessage", "editMessageText"):
                assert call.params.get("parse_mode") == "HTML", call.params
                assert call.params.get("link_preview_options") == {"is_disabled": True}, call.params


@asynccontextmanager
async def running_bot(
    engine: Engine,
    *,
    admins: frozenset[int] = frozenset({ADMIN.id}),
    rate_limit: bool = True,
    retry: RetryPolicy = FAST_RETRY,
    read_timeout: float = READ_TIMEOUT,
    poll_timeout: int = POLL_TIMEOUT,
    before_start: Callable[[FakeBotAPI], None] | None = None,
) -> AsyncIterator[TestBot]:
    """The real Application, polling a fresh fake server; stopped (and checked) on exit.

    ``before_start`` may prepare the server (e.g. inject faults into ``getMe`` or ``setMyCommands``)
    before the bot makes its first call.
    """
    async with FakeBotAPI(TOKEN) as fake:
        if before_start is not None:
            before_start(fake)
        settings = Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
            bot_admin_ids=admins,
            bot_rate_limit=rate_limit,
            briefs_dir=engine.briefs_dir,
            webhook_url=None,
        )
        app = build_application(settings, engine, Stats(), retry=retry, read_timeout=read_timeout)
        bot = TestBot(fake, app)
        app.add_handler(TypeHandler(Update, bot._mark_handled), group=HANDLED_GROUP)
        await app.initialize()
        try:
            if app.post_init:  # run_polling calls it between initialize() and start_polling()
                await app.post_init(app)
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
            await app.start()
            yield bot
        finally:
            if app.updater and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)
        bot.assert_clean()


def write_long_brief(folder: Path, seeds: Path, n_facts: int = 12) -> str:
    """Add a brief with many long facts, quoting document 000 verbatim, to ``folder``; return its id.

    The fixture briefs have at most three short facts each, so nothing there needs «المزيد» or a
    message split; this one does (its evidence alone is over 4096 characters).
    """
    doc = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    lines = [line.strip() for line in doc.splitlines() if 250 <= len(line.strip()) <= 700]
    assert len(lines) >= n_facts
    facts = [
        {"text": line[:280].rsplit(" ", 1)[0] + "…", "evidence": line, "source": "000"} for line in lines[:n_facts]
    ]
    brief = {
        "id": "long-read",
        "kind": "topic",
        "title": "قراءة مطولة في مقال نون بوست",
        "summary": "موجز تجريبي طويل يقتبس فقرات كاملة من مقال نون بوست.",
        "facts": facts,
        "aliases": ["القراءة المطولة"],
        "related": ["fall-of-assad"],
    }
    (folder / "long.yaml").write_text(json.dumps([brief], ensure_ascii=False, indent=1), encoding="utf-8")
    return "long-read"
