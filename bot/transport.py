"""Bot API connections that stay cheap per request however many are open.

httpcore (under PTB's ``HTTPXRequest``) walks its whole pool on every request and every
response: each connection is checked, each idle one with a ``poll`` system call, and the idle
count is recomputed per idle connection. With the 64 connections the bot needs to hide
Telegram's round trip that bookkeeping cost more CPU than answering the question (profiled:
a 50-chat burst on loopback spent 2.5–4.9 ms of client CPU per ``sendMessage`` with one pool
of 64, 1.4 ms with the requests below).

``Lanes`` gives each connection its own ``HTTPXRequest`` with a pool of one — a *lane* — and
hands a request the lane used last that is free (its connection is the warmest), opening a
new lane only when all are busy, up to ``size``. Everything else stays PTB's and httpx's:
timeouts, TLS, proxies from the environment, the errors ``bot.retry`` classifies.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from httpx import create_ssl_context
from telegram.request import BaseRequest, HTTPXRequest, RequestData


class Lanes(BaseRequest):
    """Up to ``size`` single-connection ``HTTPXRequest`` objects, used most recently used first."""

    __slots__ = ("_free", "_idle", "_lanes", "_read_timeout", "_ssl", "size")

    def __init__(self, size: int, read_timeout: float) -> None:
        self.size = size
        self._read_timeout = read_timeout
        self._free = asyncio.Semaphore(size)
        self._idle: list[HTTPXRequest] = []  # a stack: the last lane put back is the next one used
        self._lanes: list[HTTPXRequest] = []
        self._ssl: ssl.SSLContext | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        """Reopen the lanes a ``shutdown`` closed; new ones are opened when requests need them."""
        for lane in self._lanes:
            await lane.initialize()

    async def shutdown(self) -> None:
        for lane in self._lanes:
            await lane.shutdown()

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
        async with self._free:
            lane = self._idle.pop() if self._idle else self._open()
            try:
                return await lane.do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
                )
            finally:
                self._idle.append(lane)

    def _open(self) -> HTTPXRequest:
        if self._ssl is None:  # one TLS context for all lanes: loading the CA bundle takes ~25 ms
            self._ssl = create_ssl_context()
        lane = HTTPXRequest(connection_pool_size=1, read_timeout=self._read_timeout, httpx_kwargs={"verify": self._ssl})
        self._lanes.append(lane)
        return lane
