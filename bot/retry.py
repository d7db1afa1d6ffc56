"""Delivering every Bot API call the bot makes, through a network and a Telegram that fail.

Out of the box python-telegram-bot sends each request once: a ``sendMessage`` that meets an
HTTP 500, a dropped connection or a proxy's error page raises, and the answer is gone.
``ReliableRequest`` wraps the bot's ``BaseRequest`` (``bot.transport``; PTB's public extension point
for networking, so every call passes through it: answers, button answers, inline answers, edits,
the command menu) and retries with bounded, jittered exponential backoff.

The policy is **at-least-once, bounded**:

* A failure after which Telegram cannot have acted — HTTP 5xx (JSON or a proxy's error page), a
  connection refused, a connection closed before any response, a timeout while connecting — is
  retried up to ``RetryPolicy.attempts`` times.
* HTTP 429 is retried after Telegram's ``retry_after`` here only when PTB's ``AIORateLimiter`` is
  off; with it on, the 429 passes through so the rate limiter can pause *all* requests.
* A failure after which Telegram may have acted without telling us — a read or write timeout
  (the request was sent, no response came back), or a 2xx response whose body is unreadable —
  is *ambiguous*. Re-sending a message then risks showing it twice; not re-sending risks losing
  the answer, which the user cannot tell from being ignored. There is no idempotency key in the
  Bot API, so exactly-once is impossible. Mojaz re-sends (a duplicate briefing is a nuisance, a
  lost one is a failure) but at most ``ambiguous_resends`` times, with twice the read timeout
  (a slow Telegram usually accepted the first copy; more copies would only multiply), and
  counts and logs every such re-send as a possible duplicate.
* Calls that are harmless to repeat (answering a button or an inline query, editing a message,
  setting the command menu) get the full budget after ambiguous failures too, and Telegram's
  "query is too old" / "message is not modified" after an ambiguous attempt means the first
  attempt worked: it is reported as success.
* ``sendChatAction`` («typing…») is never retried: it is cosmetic, and late it is wrong.
* ``getUpdates`` goes through its own request object: PTB's updater retries it for ever.

Nothing here logs a URL: every Bot API URL contains the token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.stats import Stats

log = logging.getLogger(__name__)

# Calls that are not worth repeating: a late «typing…» is wrong, and getUpdates has PTB's own loop.
NO_RETRY = frozenset({"sendChatAction", "getUpdates"})
# Telegram's answer when a repeated call finds the first one already done (matched case-insensitively).
ALREADY_DONE = {
    "answerCallbackQuery": "query is too old",
    "answerInlineQuery": "query is too old",
    "editMessageText": "message is not modified",
    "editMessageReplyMarkup": "message is not modified",
}
_DONE = b'{"ok":true,"result":true}'
MAX_READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The defaults bridge an outage of about 15 s (0.5 + 1 + 2 + 4 + 8 s of waiting)."""

    attempts: int = 6  # per call, the first included
    first_delay: float = 0.5  # seconds before the first retry; doubled each time
    max_delay: float = 8.0
    ambiguous_resends: int = 1  # re-sends of a message after Telegram may have accepted it
    max_retry_after: float = 60.0  # a 429 asking for a longer wait is given up (and logged)

    def delay(self, retry: int) -> float:
        """Backoff before retry number ``retry`` (1-based), jittered so that many callers do not retry in step."""
        ceiling = min(self.max_delay, self.first_delay * 2 ** (retry - 1))
        return float(ceiling * random.uniform(0.5, 1.0))


class Kind(Enum):
    UNSENT = "Telegram did not act"  # safe to repeat
    AMBIGUOUS = "Telegram may have acted"
    RETRY_AFTER = "flood control"


@dataclass(frozen=True)
class Failure:
    """One failed attempt: what kind, said how (for the log), and how long Telegram asked us to wait."""

    kind: Kind
    reason: str
    wait: float = 0.0
    timed_out: bool = False


def is_idempotent(method: str) -> bool:
    """Whether doing the call twice has the same effect as once: everything but sending messages."""
    return not (method.startswith(("send", "forward", "copy")) and method != "sendChatAction")


def api_method(url: str) -> str:
    """``https://…/bot<token>/sendMessage`` → ``sendMessage`` (the only part of a URL that may be logged)."""
    return url.rsplit("/", 1)[-1]


def classify_exception(exc: Exception) -> Failure | None:
    """What a transport error (``bot.transport``) means for a retry, or ``None`` if it is not a network failure."""
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        if isinstance(cause, aiohttp.ConnectionTimeoutError):
            return Failure(Kind.UNSENT, "timed out before the request was sent")
        return Failure(Kind.AMBIGUOUS, "timed out waiting for Telegram's response", timed_out=True)
    if isinstance(exc, NetworkError) and isinstance(cause, _CONNECTION_FAILED):
        # Refused, reset, closed before any response, or a response that is not HTTP: Telegram answers
        # within milliseconds once it has a request, so no response means it did not get (or take) this one.
        return Failure(Kind.UNSENT, f"connection failed ({type(cause).__name__})")
    return None


# aiohttp's errors of the connection (refused, reset, closed, TLS, proxy) and of the response's HTTP
# (raised only for a malformed response: the transport never asks aiohttp to raise for a status).
_CONNECTION_FAILED = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)


def classify_response(code: int, payload: bytes, retry_after: bool) -> Failure | None:
    """What an HTTP response means for a retry, or ``None`` when it is final (success or a refusal)."""
    try:
        body = json.loads(payload.decode("utf-8", "replace"))
    except ValueError:
        body = None
    if 200 <= code <= 299:
        if isinstance(body, dict):
            return None
        return Failure(Kind.AMBIGUOUS, f"HTTP {code} with a body that is not JSON")
    if code == 429:
        wait = _retry_after(body)
        return Failure(Kind.RETRY_AFTER, f"HTTP 429, retry after {wait:g} s", wait=wait) if retry_after else None
    if code >= 500:  # Telegram's own error, or a proxy's error page in front of it
        page = "" if isinstance(body, dict) else " with a body that is not JSON"
        return Failure(Kind.UNSENT, f"HTTP {code}{page}")
    return None  # a refusal (400, 403…): repeating it would be refused again


def _retry_after(body: Any) -> float:
    params = body.get("parameters") if isinstance(body, dict) else None
    value = params.get("retry_after") if isinstance(params, dict) else None
    return float(value) if isinstance(value, (int, float)) and value >= 0 else 1.0


def _already_done(method: str, code: int, payload: bytes) -> bool:
    marker = ALREADY_DONE.get(method)
    return marker is not None and code == 400 and marker in payload.decode("utf-8", "replace").lower()


class ReliableRequest(BaseRequest):
    """PTB's request object with retries; see the module docstring for the policy."""

    __slots__ = ("_inner", "handle_retry_after", "policy", "stats")

    def __init__(
        self, inner: BaseRequest, policy: RetryPolicy, stats: Stats, *, handle_retry_after: bool = False
    ) -> None:
        self._inner = inner
        self.policy = policy
        self.stats = stats
        self.handle_retry_after = handle_retry_after

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = api_method(url)
        if name in NO_RETRY:
            return await self._inner.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        idempotent = is_idempotent(name)
        attempt, retries, ambiguous = 1, 0, 0
        while True:
            try:
                code, payload = await self._inner.do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
                )
            except (TimedOut, NetworkError) as exc:
                failure = classify_exception(exc)
                if failure is None:
                    raise
                outcome: BaseException | tuple[int, bytes] = exc
            else:
                if ambiguous and _already_done(name, code, payload):
                    log.info("%s: the earlier attempt had worked (Telegram: already done)", name)
                    return 200, _DONE
                failure = classify_response(code, payload, self.handle_retry_after)
                if failure is None:
                    return code, payload
                outcome = (code, payload)

            if failure.kind is Kind.AMBIGUOUS:
                ambiguous += 1
            wait = self._next_wait(failure, attempt, ambiguous, idempotent)
            if wait is None:
                self.stats.undelivered += 1
                log.warning("%s failed: %s; gave up after %d attempt(s)", name, failure.reason, attempt)
                if isinstance(outcome, BaseException):
                    raise outcome
                if failure.kind is Kind.AMBIGUOUS:  # an unreadable success: PTB would call it a bad response
                    raise NetworkError(f"{name}: Telegram's response could not be read (HTTP {outcome[0]})")
                return outcome
            retries += 1
            self.stats.retries += 1
            if failure.kind is Kind.AMBIGUOUS and not idempotent:
                self.stats.possible_duplicates += 1
                log.warning(
                    "%s: %s; sending it again (at-least-once): the chat may see this message twice",
                    name,
                    failure.reason,
                )
            else:
                log.info("%s failed: %s; retry %d in %.2f s", name, failure.reason, retries, wait)
            if failure.timed_out:
                read_timeout = self._longer(read_timeout)
            if wait > 0:
                await asyncio.sleep(wait)
            attempt += 1

    def _next_wait(self, failure: Failure, attempt: int, ambiguous: int, idempotent: bool) -> float | None:
        """Seconds to wait before trying again, or ``None`` to give up."""
        if attempt >= self.policy.attempts:
            return None
        if failure.kind is Kind.AMBIGUOUS and not idempotent and ambiguous > self.policy.ambiguous_resends:
            return None
        if failure.kind is Kind.RETRY_AFTER:
            return failure.wait if failure.wait <= self.policy.max_retry_after else None
        return self.policy.delay(attempt)

    def _longer(self, read_timeout: Any) -> float | None:
        """Twice the read timeout (bounded): Telegram is slow, so give the next attempt the time it needs."""
        current = read_timeout if isinstance(read_timeout, (int, float)) else self._inner.read_timeout
        return None if current is None else min(MAX_READ_TIMEOUT, 2 * float(current))
