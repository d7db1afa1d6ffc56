"""Bot API requests over aiohttp: the bot's answers, at a small fraction of httpx's CPU per request.

Saturated, the bot spends its CPU per question on search, python-telegram-bot, and the HTTP
client that sends the answer. On httpx the client was a third of it: ~0.65 ms of CPU per
``sendMessage`` on loopback even with one single-connection client per connection (~1.6 ms with
PTB's ``HTTPXRequest`` and a pool of 64: httpcore walks its pool and ``poll``\\s idle connections
on every request), most of it in httpx's, httpcore's and anyio's layers (anyio wraps every read
and write in cancel scopes). aiohttp — aiogram's HTTP client — sends the same request for ~0.15 ms.

``AiohttpRequest`` is a PTB ``BaseRequest`` over one ``aiohttp.ClientSession`` with up to
``size`` keep-alive connections (a free one comes off a per-host queue; none is polled). It keeps what PTB's
``HTTPXRequest`` does: the same TLS context (``httpx.create_ssl_context``: certifi, or
``SSL_CERT_FILE``/``SSL_CERT_DIR``), proxies from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``
with ``NO_PROXY`` (read once per API address, not per request), no redirects, PTB's timeouts,
and ``TimedOut``/``NetworkError`` raised from the client's exception, which ``bot.retry``
classifies. It sends parameters as a UTF-8 JSON body, which the Bot API accepts as well as a
form (percent-encoding every byte of Arabic text cost more than the request). A request waits
for a free connection without a time limit, as an update waits for its turn.

It sends no files: Mojaz uploads nothing, and a method that did would fail loudly here rather
than go out untested.

aiohttp has no write timeout, and its read timeout starts only once the body is written, so the
whole request is also bounded by the connect, write and read timeouts together: a body that
cannot be written times out too — for ``bot.retry`` the same "Telegram may have acted" case as
a read timeout.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import urllib.request
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from httpx import create_ssl_context
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECT_TIMEOUT = 5.0  # seconds; PTB's defaults for HTTPXRequest
WRITE_TIMEOUT = 5.0
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # PTB's "not given, use the default" marker
_JSON = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
_PLAIN = {"User-Agent": BaseRequest.USER_AGENT}

Proxy = tuple[str | None, dict[str, str] | None]  # its URL, and a header with its credentials


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session of up to ``size`` connections."""

    __slots__ = ("_default_timeout", "_free", "_proxies", "_read_timeout", "_session", "_size", "_ssl")

    def __init__(self, size: int, read_timeout: float) -> None:
        self._size = size
        # Waiting for a free connection happens here, outside aiohttp's connect timeout, which
        # would otherwise count the wait (and time a request out before it was ever sent).
        self._free = asyncio.Semaphore(size)
        self._read_timeout = read_timeout
        self._default_timeout = _timeout(CONNECT_TIMEOUT, WRITE_TIMEOUT, read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._ssl: ssl.SSLContext | None = None
        self._proxies: dict[str, Proxy] = {}  # API base URL → its proxy from the environment

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: the session is opened by the first request (it needs the running loop)."""

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

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
        if request_data is not None and request_data.contains_files:
            raise NetworkError("Mojaz sends no files: AiohttpRequest does not upload them")
        if all(isinstance(t, _DEFAULT) for t in (connect_timeout, write_timeout, read_timeout)):
            timeout = self._default_timeout
        else:
            timeout = _timeout(
                _given(connect_timeout, CONNECT_TIMEOUT),
                _given(write_timeout, WRITE_TIMEOUT),
                _given(read_timeout, self._read_timeout),
            )
        proxy, credentials = self._proxy(url)
        headers, body = (_PLAIN, None) if request_data is None else (_JSON, _json_body(request_data))
        if credentials and not url.startswith("https:"):  # a plain-HTTP request to the proxy carries them itself
            headers, credentials = {**headers, **credentials}, None
        try:
            async with self._free:
                response = await self._open().request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    proxy=proxy,
                    proxy_headers=credentials,  # for an https URL: in the CONNECT to the proxy, never to Telegram
                    allow_redirects=False,
                )
                async with response:  # reads the body, then frees the connection for the next request
                    return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientResponseError as exc:  # its text would quote the URL, and with it the token
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc.status}, {exc.message}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if self._ssl is None:  # loading the CA bundle takes ~25 ms
                self._ssl = create_ssl_context()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._size, ssl=self._ssl),
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
                trust_env=False,  # proxies are read once (``_proxy``), not on every request
            )
        return self._session

    def _proxy(self, url: str) -> Proxy:
        base = url.rsplit("/", 1)[0]  # …/bot<token>: every method of one Bot API server shares it
        found = self._proxies.get(base)
        if found is None:
            found = self._proxies[base] = env_proxy(url)
        return found


def env_proxy(url: str) -> Proxy:
    """The proxy the environment sets for ``url`` and its credentials: ``HTTPS_PROXY`` for https
    URLs, ``HTTP_PROXY`` for http, else ``ALL_PROXY``; none for hosts ``NO_PROXY`` names."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None, None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None, None
    if "://" not in proxy:
        proxy = "http://" + proxy
    given = urlsplit(proxy)
    if given.username is None:
        return proxy, None
    # aiohttp takes a proxy's credentials as a header (``AiohttpRequest.do_request``), not from its URL.
    credentials = f"{unquote(given.username)}:{unquote(given.password or '')}".encode()
    header = {"Proxy-Authorization": "Basic " + base64.b64encode(credentials).decode()}
    return given._replace(netloc=given.netloc.rpartition("@")[2]).geturl(), header


def _timeout(connect: float | None, write: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # ``connect`` bounds resolving, connecting, TLS and the proxy (never a wait for a free
    # connection: see ``_free``); ``sock_read`` the wait for each chunk of the response once the
    # body is out; ``total`` the whole request, since nothing bounds writing the body.
    total = connect + write + read if connect is not None and write is not None and read is not None else None
    return aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)


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
