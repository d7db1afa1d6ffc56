"""Logging that never shows the bot token.

httpx logs every request URL at INFO, and the URL of every Bot API call contains the token
(``…/bot<token>/sendMessage``); tracebacks of network errors can carry it too. ``httpx`` and
``httpcore`` are set to WARNING, and every log record is redacted when it is created: a filter
on a handler would miss handlers added later (journald, pytest's caplog), and a filter on a
logger would miss records propagated from its children.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any

# Telegram bot tokens: the bot's numeric id, a colon, and a 35-character secret.
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "[REDACTED]"
NOISY_LOGGERS = ("httpx", "httpcore")


class RedactFilter(logging.Filter):
    """Replaces token-shaped strings and the configured secrets in a record's message and traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets.update(s for s in secrets if s)

    def redact(self, text: str) -> str:
        text = TOKEN_SHAPE.sub(REDACTED, text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let logging report it as usual
            return True
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


FILTER = RedactFilter()
_installed = False


def install(secrets: Iterable[str] = ()) -> RedactFilter:
    """Redact every log record from now on (idempotent; secrets accumulate) and quieten httpx."""
    global _installed
    FILTER.add(secrets)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    return FILTER


def setup(level: str, secrets: Iterable[str] = ()) -> None:
    """Logging for ``python -m bot run``: one line per record on stderr, redacted."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(FILTER)
