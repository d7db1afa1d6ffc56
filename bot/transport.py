"""Bot API requests over httpx that stay cheap however many connections are open.

PTB's ``HTTPXRequest`` costs more client CPU than answering the question, for two reasons:

* httpcore walks its whole pool on every request and every response: each connection is
  checked, each idle one with a ``poll`` system call, and the idle count is recomputed per idle
  connection. With the 64 connections that hide Telegram's round trip, a 50-chat burst on
  loopback spent 2.5–4.9 ms of client CPU per ``sendMessage``.
* It sends parameters form-encoded: every byte of Arabic text percent-escaped by
  ``urllib`` in Python (and unescaped the same way at the other end).

``Lanes`` gives each connection its own ``httpx.AsyncClient`` with a pool of one — a *lane* —
and hands a request the free lane used last (its connection is the warmest), opening a new
lane only when all are busy, up to ``size``; and it sends parameters as a UTF-8 JSON body,
which the Bot API accepts as well. Timeouts, TLS, proxies from the environment, and the
errors ``bot.retry`` classifies (``TimedOut``/``NetworkError`` raised from httpx's
exceptions) are as with ``HTTPXRequest``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpx
from httpx import create_ssl_context
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for HTTPXRequest, in seconds.
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0  # uploads
POOL_TIMEOUT = 1.0  # a lane's one connection is never shared, so this is never waited for
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # PTB's "not given, use the default" marker
_JSON = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
_FORM = {"User-Agent": BaseRequest.USER_AGENT}


class Lanes(BaseRequest):
    """Up to ``size`` single-connection httpx clients, the most recently used free one first."""

    __slots__ = ("_free", "_idle", "_lanes", "_read_timeout", "_ssl", "size")

    def __init__(self, size: int, read_timeout: float) -> None:
        self.size = size
        self._read_timeout = read_timeout
        self._free = asyncio.Semaphore(size)
        self._idle: list[httpx.AsyncClient] = []  # a stack: the last lane put back is the next one used
        self._lanes: list[httpx.AsyncClient] = []
        self._ssl: ssl.SSLContext | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: lanes are opened when requests need them."""

    async def shutdown(self) -> None:
        lanes, self._lanes, self._idle = self._lanes, [], []
        for lane in lanes:
            await lane.aclose()

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
        files = request_data.multipart_data if request_data is not None and request_data.contains_files else None
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, CONNECT_TIMEOUT),
            read=_given(read_timeout, self._read_timeout),
            write=_given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT),
            pool=_given(pool_timeout, POOL_TIMEOUT),
        )
        async with self._free:
            lane = self._idle.pop() if self._idle else self._open()
            try:
                if request_data is None:
                    response = await lane.request(method, url, headers=_FORM, timeout=timeout)
                elif files:
                    response = await lane.request(
                        method, url, headers=_FORM, timeout=timeout, data=request_data.json_parameters, files=files
                    )
                else:
                    body = _json_body(request_data)
                    response = await lane.request(method, url, headers=_JSON, timeout=timeout, content=body)
            except httpx.TimeoutException as exc:
                raise TimedOut from exc
            except httpx.HTTPError as exc:
                raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
            finally:
                if not lane.is_closed:  # not closed by a shutdown meanwhile
                    self._idle.append(lane)
        return response.status_code, response.content

    def _open(self) -> httpx.AsyncClient:
        if self._ssl is None:  # one TLS context for all lanes: loading the CA bundle takes ~25 ms
            self._ssl = create_ssl_context()
        lane = httpx.AsyncClient(verify=self._ssl, limits=httpx.Limits(max_connections=1))
        self._lanes.append(lane)
        return lane


def _given(value: Any, default: float) -> float | None:
    """A timeout PTB passed, or ``default`` when it passed its "use the default" marker."""
    if isinstance(value, _DEFAULT):
        return default
    return None if value is None else float(value)


def _json_body(request_data: RequestData) -> bytes:
    """The parameters as JSON, UTF-8 (a third the size of ``\\u`` escapes for Arabic)."""
    try:
        return json.dumps(request_data.parameters, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: only the escaped form is valid
        return json.dumps(request_data.parameters).encode()
