"""Building and running the Telegram ``Application`` from ``Settings`` and an ``Engine``.

The same builder serves ``python -m bot run`` and the end-to-end tests (which point
``TELEGRAM_API_BASE_URL`` at a fake Bot API server), so the tests exercise the real wiring:
defaults, rate limiter, handlers, error handler and start-up hook.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from bot import logsafe, texts
from bot.engine import Engine
from bot.handlers import Handlers
from bot.retry import ReliableRequest, RetryPolicy
from bot.settings import Settings
from bot.stats import Stats
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)

# Only what the bot handles: Telegram then does not even send the rest (edits, channel posts…).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# RetryAfter (HTTP 429) is retried this many times after waiting what Telegram asks; then the error handler logs it.
RATE_LIMIT_RETRIES = 3
# Seconds to wait for Telegram's response to a call (PTB's default). getUpdates waits this long
# beyond its long-polling timeout.
READ_TIMEOUT = 5.0
# Updates handled at once: 64 in flight hide a 100 ms round trip to Telegram at the rate one CPU
# can answer (about 300 a second); PTB's default of 256 would only add tasks to one event loop.
CONCURRENT_UPDATES = 64
CONNECTIONS = CONCURRENT_UPDATES  # a handler makes one request at a time: answers never wait for a connection

App = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    engine: Engine,
    stats: Stats | None = None,
    *,
    retry: RetryPolicy | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> App:
    """The configured ``Application``: HTML and no link previews by default, concurrent updates, rate limits.

    Every call but getUpdates goes through ``ReliableRequest`` (``bot.retry``), which retries what
    Telegram or the network failed; with the rate limiter off it also waits out 429s itself.
    """
    token = settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    logsafe.install(settings.secrets())  # before the first request: PTB logs the API URL at DEBUG
    stats = stats if stats is not None else Stats()
    handlers = Handlers(engine, settings.bot_admin_ids, stats)
    request = ReliableRequest(
        AiohttpRequest(CONNECTIONS, read_timeout),
        retry or RetryPolicy(),
        stats,
        handle_retry_after=not settings.bot_rate_limit,
    )
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        allow_sending_without_reply=True,  # the question was deleted meanwhile: answer anyway
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .request(request)
        .get_updates_request(HTTPXRequest(connection_pool_size=1, read_timeout=read_timeout))
        .defaults(defaults)
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_on_startup(settings, engine, handlers))
        .post_shutdown(_on_shutdown)
    )
    if settings.telegram_api_base_url and settings.base_file_url:
        builder = builder.base_url(settings.telegram_api_base_url).base_file_url(settings.base_file_url)
    app: App
    if settings.bot_rate_limit:
        app = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES)).build()
    else:
        app = builder.build()
    handlers.register(app)
    app.bot_data["handlers"] = handlers
    return app


def mode(settings: Settings) -> str:
    how = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
    return how + ("" if settings.bot_rate_limit else ", rate limiter off")


def _on_startup(settings: Settings, engine: Engine, handlers: Handlers) -> Any:
    async def on_startup(app: App) -> None:
        """Register the Arabic command menu, log one line saying what is live, and reload on SIGHUP."""
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in texts.COMMANDS.items()])
        snap = engine.snapshot
        log.info(
            "Mojaz @%s: %d briefs, %d facts (version %s), %s",
            app.bot.username,
            len(snap.briefs),
            snap.fact_count,
            snap.version,
            mode(settings),
        )
        if hasattr(signal, "SIGHUP"):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(
                    signal.SIGHUP, lambda: app.create_task(handlers.reload_briefs(), name="SIGHUP reload")
                )

    return on_startup


async def _on_shutdown(app: App) -> None:
    if hasattr(signal, "SIGHUP"):
        with suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments for ``run_webhook``/``start_webhook``; PTB answers 403 to requests without the secret header."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
    }


def run(settings: Settings, engine: Engine) -> None:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook server when ``WEBHOOK_URL`` is set.

    Pending updates are kept (not dropped) so questions sent while the bot was down are answered.
    """
    app = build_application(settings, engine)
    if settings.webhook_url:
        app.run_webhook(**webhook_options(settings), allowed_updates=ALLOWED_UPDATES)
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
