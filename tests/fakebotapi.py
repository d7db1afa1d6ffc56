"""A small, strict, in-process fake of the Telegram Bot API, for end-to-end tests over real HTTP.

It listens on 127.0.0.1 (a free port), speaks the Bot API's JSON at ``/bot<token>/<method>``
(form-encoded or JSON bodies, as PTB and curl send them) and records every call. Tests push
updates, which ``getUpdates`` serves with Telegram's offset semantics and long polling, and
assert on what the bot sent.

It is as strict as Telegram where a real bot could go wrong: HTML that Telegram cannot parse,
text over 4096 characters (UTF-16 units, after parsing), callback data over 64 bytes, inline
answers with over 50 results, duplicate or missing ids or titles, editing a message into
itself, answering a query twice, replying to unknown messages, writing to unknown chats or to
users who blocked the bot. Rejections are 400/403 with Telegram's error JSON, and are kept in
``rejected`` so tests can assert there were none.

All calls go through ``FakeBotAPI.dispatch``, which is also where faults are injected
(``inject``): per method, an HTTP error (500, 502, 429 with ``retry_after``), a dropped
connection, a malformed body, or a response held until the client gives up — each either
before the method runs (Telegram did nothing) or after (Telegram acted, but the bot never
hears so). ``hold``/``release`` park calls until a test lets them through, to make "in flight"
exact rather than a matter of timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64
INLINE_RESULTS_LIMIT = 50
CALLBACK_ANSWER_LIMIT = 200

JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "scope",
        "button",
        "entities",
    }
)
INT_PARAMS = frozenset({"message_id", "offset", "limit", "timeout", "cache_time", "max_connections"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Telegram's HTML: https://core.telegram.org/bots/api#html-style
_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "tg-spoiler": set(),
    "span": {"class"},
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>]+)))?")
_SPECIAL = re.compile(r"[<&>]")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?")
_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")
_PARAM = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _json(payload: dict[str, Any]) -> bytes:
    """JSON as Telegram sends it: UTF-8, or ``\\u`` escapes where a string holds a lone surrogate."""
    try:
        return json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(payload).encode()


class ApiError(Exception):
    """A Bot API error: HTTP status plus Telegram's description."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    """Length in UTF-16 units, as Telegram counts; a lone surrogate (JSON can carry one) counts as one."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_offset(text: str, index: int) -> int:
    return utf16_len(text[:index])


def parse_html(text: str) -> str:
    """Telegram's HTML parse: the plain text, or ``ApiError`` worded as Telegram words it.

    Plain runs are copied whole up to the next ``<``, ``&`` or ``>`` (the benchmarks send hundreds
    of answers a second through this; a character at a time cost most of the fake's CPU).
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        special = _SPECIAL.search(text, i)
        if special is None:
            out.append(text[i:])
            break
        out.append(text[i : special.start()])
        i = special.start()
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise bad(f"can't parse entities: Unsupported start tag at byte offset {len(text[:i].encode())}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in _TAGS:
                raise bad(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {i}')
            if closing:
                if not stack or stack[-1] != name:
                    raise bad(f'can\'t parse entities: Unexpected end tag "{name}" at byte offset {i}')
                stack.pop()
            else:
                found = {
                    a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
                    for a in _ATTR.finditer(attrs)
                }
                if set(found) - _TAGS[name]:
                    raise bad(f'can\'t parse entities: unsupported attribute of tag "{name}" at byte offset {i}')
                if name == "a" and not unescape(found.get("href", "")).strip():
                    raise bad("can't parse entities: empty URL in a link")
                if name == "span" and found.get("class") != "tg-spoiler":
                    raise bad(f'can\'t parse entities: Unsupported start tag "span" at byte offset {i}')
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise bad(f"can't parse entities: Unsupported HTML entity at byte offset {i}")
            out.append(unescape(m.group(0)))
            i = m.end()
        else:
            raise bad(f"can't parse entities: character '>' must be escaped at byte offset {i}")
    if stack:
        raise bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def check_text(text: Any, parse_mode: Any, what: str = "message") -> str:
    """Validate message text as Telegram does; return the plain text a client would show."""
    if not isinstance(text, str) or not text.strip():
        raise bad(f"{what} text is empty")
    if parse_mode is None:
        plain = text
    elif str(parse_mode).lower() == "html":
        plain = parse_html(text)
    else:
        raise bad(f"unsupported parse_mode {parse_mode!r} (the fake speaks only HTML)")
    if not plain.strip():
        raise bad(f"{what} text is empty")
    if utf16_len(plain) > TEXT_LIMIT:
        raise bad(f"{what} is too long")
    return plain


def check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise bad("can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise bad("BUTTON_TEXT_EMPTY")
            kinds = set(button) - {"text"}
            if len(kinds) != 1:
                raise bad("can't parse inline keyboard button: exactly one of the optional fields must be used")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_LIMIT:
                    raise bad("BUTTON_DATA_INVALID")
            elif "url" in button:
                parts = urlsplit(str(button["url"]))
                if parts.scheme not in ("http", "https", "tg") or not (parts.netloc or parts.scheme == "tg"):
                    raise bad("BUTTON_URL_INVALID")
    return markup


FaultKind = Literal["status", "drop", "malformed", "slow"]


@dataclass(frozen=True)
class Fault:
    """What goes wrong with one request.

    ``status``: an HTTP error with Telegram's JSON (``retry_after`` for 429). ``drop``: the
    connection is closed without a response. ``malformed``: a body that is not JSON, with
    ``status`` (200: a garbled success; 502: a proxy's HTML error page). ``slow``: no response
    until the client gives up (its read timeout) and closes the connection. ``after``: Telegram
    carried the method out before the fault hit its response — the ambiguous case for the bot.
    """

    kind: FaultKind
    status: int = 500
    retry_after: int | None = None
    after: bool = False

    def describe(self) -> str:
        when = "after the method ran" if self.after else "before the method ran"
        what = {
            "status": f"HTTP {self.status}" + (f" retry_after={self.retry_after}" if self.retry_after else ""),
            "drop": "dropped connection",
            "malformed": f"malformed body (HTTP {self.status})",
            "slow": "no response until the client gave up",
        }[self.kind]
        return f"injected fault: {what}, {when}"

    def response(self) -> tuple[int, bytes]:
        """The HTTP status and body the client receives (for ``status`` and ``malformed``)."""
        if self.kind == "malformed":
            if self.status == 200:
                return 200, b'{"ok": true, "result": {"message_id": 1, "te'  # cut off mid-body
            return self.status, b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
        description = _DESCRIPTIONS.get(self.status, "Server Error").format(self.retry_after)
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return self.status, json.dumps(body).encode()


_DESCRIPTIONS = {
    429: "Too Many Requests: retry after {}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
HTTP_500 = Fault("status", 500)
HTTP_502 = Fault("status", 502)
DROP = Fault("drop")
MALFORMED = Fault("malformed", 200)
PROXY_PAGE = Fault("malformed", 502)
SLOW = Fault("slow", after=True)  # Telegram acted, but its response came too late: the ambiguous case
SLOW_LOST = Fault("slow")  # the request itself was lost on the way


def too_many_requests(retry_after: int = 1) -> Fault:
    return Fault("status", 429, retry_after=retry_after)


@dataclass
class Call:
    """One recorded request: the method, its decoded parameters, and what the server answered.

    ``status`` is what the method did: 200 when Telegram carried it out (even if an injected
    ``fault`` then kept the response from the bot), else the error status, or 0 when a fault
    stopped it before it ran.
    """

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    error: str | None = None
    fault: Fault | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        """Telegram carried the call out (a sent message exists), whether or not the bot heard back."""
        return self.status == 200


class _Hangup(Exception):
    """Close the connection without answering (a dropped connection, or a client that gave up)."""


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        return data


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


class FakeBotAPI:
    """The server plus the state a bot can observe: chats, messages, updates, queries."""

    def __init__(self, token: str, username: str = "mojaz_test_bot") -> None:
        self.token = token
        self.me = User(int(token.split(":")[0]), "موجز", username, is_bot=True)
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)
        self._inline_queries: dict[str, bool] = {}  # id → answered
        self._callback_queries: dict[str, bool] = {}
        self._allowed_updates: list[str] | None = None
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._notifications: set[asyncio.Task[None]] = set()
        self.long_polling = asyncio.Event()  # set while a getUpdates request waits for updates
        self.port = 0
        # Fault injection and in-flight control (see ``inject`` and ``hold``).
        self.faulted: list[Call] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self.parked = 0  # calls waiting at a gate right now
        # Observation: every call is passed to each listener; ``record=False`` keeps memory flat in long runs.
        self.listeners: list[Callable[[Call], None]] = []
        self.record = True
        self.confirmed = 0  # getUpdates offset: every update below it has been confirmed by the bot

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- HTTP -------------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await self._read_body(reader, headers)
                try:
                    status, data = await self._route(verb, target, headers, body)
                except _Hangup as hangup:
                    if "slow" in hangup.args:  # keep the client waiting until it gives up and closes
                        while await reader.read(65536):
                            pass
                    break
                reason = {
                    200: "OK",
                    400: "Bad Request",
                    401: "Unauthorized",
                    403: "Forbidden",
                    404: "Not Found",
                    429: "Too Many Requests",
                    500: "Internal Server Error",
                    502: "Bad Gateway",
                }
                kind = "text/html" if data.startswith(b"<") else "application/json"
                writer.write(
                    f"HTTP/1.1 {status} {reason.get(status, 'Error')}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readline()).strip().split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    return body
                body += await reader.readexactly(size)
                await reader.readline()
        length = int(headers.get("content-length") or 0)
        return await reader.readexactly(length) if length else b""

    async def _route(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """The HTTP status and body for one request; raises ``_Hangup`` when a fault says not to answer."""
        url = urlsplit(target)
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", url.path)
        if not m:
            return 404, _json({"ok": False, "error_code": 404, "description": "Not Found"})
        if m.group(1) != self.token:
            return 401, _json({"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = m.group(2)
        try:
            params = self._params(url.query, headers.get("content-type", ""), body)
        except ApiError as exc:
            return exc.status, _json({"ok": False, "error_code": exc.status, "description": exc.description})
        call = await self.dispatch(method, params)
        if call.fault is not None:
            if call.fault.kind in ("drop", "slow"):
                raise _Hangup(call.fault.kind)
            return call.fault.response()
        if call.ok:
            return 200, _json({"ok": True, "result": call.result})
        return call.status, _json({"ok": False, "error_code": call.status, "description": call.error})

    @staticmethod
    def _params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
        raw: dict[str, Any] = dict(parse_qsl(query))
        if body:
            if content_type.startswith("application/json"):
                try:
                    data = json.loads(body)
                except ValueError:
                    raise bad("can't parse JSON request body") from None
                raw.update(data)
            elif content_type.startswith("application/x-www-form-urlencoded"):
                raw.update(parse_qsl(body.decode(), keep_blank_values=True))
            else:
                raise bad(f"the fake accepts JSON or form bodies, not {content_type!r}")
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad(f"can't parse {key} JSON object") from None
            elif isinstance(value, str) and key in INT_PARAMS:
                try:
                    value = int(value)
                except ValueError:
                    raise bad(f"invalid {key} specified") from None
            elif isinstance(value, str) and key == "chat_id" and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif isinstance(value, str) and value in ("true", "false"):
                value = value == "true"
            out[key] = value
        return out

    # -- faults and in-flight control -------------------------------------------------------------
    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (e.g. ``sendMessage``) fail with ``fault``."""
        self._faults.setdefault(method.lower(), deque()).extend([fault] * times)

    def pending_faults(self, method: str | None = None) -> int:
        """Faults injected but not yet hit (for ``method``, or for all methods)."""
        if method is not None:
            return len(self._faults.get(method.lower(), ()))
        return sum(len(q) for q in self._faults.values())

    def hold(self, *methods: str) -> None:
        """Park calls of ``methods`` before they run, until ``release``: requests provably in flight."""
        for method in methods:
            self._gates.setdefault(method.lower(), asyncio.Event())

    def release(self, *methods: str) -> None:
        """Let parked calls of ``methods`` (all held methods when none are named) through, and stop holding."""
        for method in [m.lower() for m in methods] or list(self._gates):
            gate = self._gates.pop(method, None)
            if gate is not None:
                gate.set()

    async def wait_parked(self, count: int, timeout: float = 10.0) -> None:
        """Wait until at least ``count`` calls are parked at a gate."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.parked >= count), timeout)

    async def _park(self, method: str) -> None:
        gate = self._gates.get(method.lower())
        if gate is None:
            return
        async with self._changed:
            self.parked += 1
            self._changed.notify_all()
        try:
            await gate.wait()
        finally:
            self.parked -= 1

    # -- API --------------------------------------------------------------------------------------
    async def dispatch(self, method: str, params: dict[str, Any]) -> Call:
        """Run one API method and record it (also when Telegram would have refused it).

        An injected fault is taken here, in call order: before the method runs (Telegram did
        nothing) or after (it acted; only the response is lost or garbled). Faulted calls are
        kept in ``faulted``, never in ``rejected``, which is for what Telegram would refuse.
        """
        await self._park(method)
        call = Call(method, params)
        queue = self._faults.get(method.lower())
        fault = queue.popleft() if queue else None
        if fault is not None and not fault.after:
            call.status, call.error, call.fault = 0, fault.describe(), fault
        else:
            handler: Callable[[dict[str, Any]], Any] | None = getattr(self, f"_api_{method.lower()}", None)
            try:
                if handler is None:
                    raise ApiError(404, "Not Found")
                result = handler(params)
                call.result = await result if asyncio.iscoroutine(result) else result
            except ApiError as exc:
                call.status, call.error = exc.status, exc.description
                if method.lower() != "getupdates":
                    self.rejected.append(call)
            call.fault = fault
        if fault is not None:
            self.faulted.append(call)
        for listener in self.listeners:
            listener(call)
        if method.lower() != "getupdates" or call.result or fault is not None:
            async with self._changed:
                if self.record:
                    self.calls.append(call)
                self._changed.notify_all()
        return call

    def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.me.to_json(), "can_join_groups": True, "supports_inline_queries": True}

    def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def _api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("commands must be a list of at most 100 BotCommand")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Offset semantics: updates below ``offset`` are confirmed and forgotten; the rest wait to be confirmed."""
        offset, limit, timeout = params.get("offset", 0), params.get("limit", 100), params.get("timeout", 0)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.confirmed = max(self.confirmed, offset)

        def ready() -> list[dict[str, Any]]:
            wanted = self._allowed_updates
            return [u for u in self._updates if wanted is None or any(k in u for k in wanted)][:limit]

        if not ready() and timeout:
            async with self._changed:
                self.long_polling.set()
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait_for(lambda: bool(ready())), timeout)
                finally:
                    self.long_polling.clear()
        return ready()

    def _chat(self, params: dict[str, Any]) -> Chat:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise bad("chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if not self.record:  # long runs: keep only the chats' last messages (what buttons can point at)
            self._forget_old_messages()
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        reply = params.get("reply_parameters")
        replied = None
        if reply is not None:
            replied = self.messages.get((chat.id, int(reply.get("message_id", 0))))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise bad("message to be replied not found")
        message = self._new_message(chat, self.me, plain)
        message["html"] = params["text"]
        if markup:
            message["reply_markup"] = markup
        if replied is not None:
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        return self._public(message)

    def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self.messages.get((chat.id, int(params.get("message_id", 0))))
        if message is None:
            raise bad("message to edit not found")
        if message["from"]["id"] != self.me.id:
            raise bad("message can't be edited")
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        if params["text"] == message.get("html") and markup == message.get("reply_markup"):
            raise bad(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        message.update(text=plain, html=params["text"], edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return self._public(message)

    def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        qid = str(params.get("callback_query_id", ""))
        if self._callback_queries.get(qid, True):
            raise bad("query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text", ""))) > CALLBACK_ANSWER_LIMIT:
            raise bad("MESSAGE_TOO_LONG")
        self._callback_queries[qid] = True
        return True

    def _api_answerinlinequery(self, params: dict[str, Any]) -> bool:
        qid = str(params.get("inline_query_id", ""))
        if self._inline_queries.get(qid, True):
            raise bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise bad("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad("RESULTS_TOO_MUCH")
        ids: set[str] = set()
        for r in results:
            rid = r.get("id")
            if not isinstance(rid, str) or not 1 <= len(rid.encode()) <= 64:
                raise bad("RESULT_ID_INVALID")
            if rid in ids:
                raise bad("RESULT_ID_DUPLICATE")
            ids.add(rid)
            if r.get("type") != "article":
                raise bad(f"the fake knows only article results, not {r.get('type')!r}")
            if not str(r.get("title", "")).strip():
                raise bad("RESULT_TITLE_EMPTY")
            content = r.get("input_message_content")
            if not isinstance(content, dict):
                raise bad("input_message_content is required")
            check_text(content.get("message_text"), content.get("parse_mode"))
            check_markup(r.get("reply_markup"))
        button = params.get("button")
        if button is not None:
            if not str(button.get("text", "")).strip():
                raise bad("BUTTON_TEXT_EMPTY")
            if "start_parameter" in button and not _PARAM.fullmatch(str(button["start_parameter"])):
                raise bad("START_PARAM_INVALID")
        self._inline_queries[qid] = True
        return True

    # -- state helpers ----------------------------------------------------------------------------
    def _forget_old_messages(self, keep: int = 20_000) -> None:
        if len(self.messages) > keep:
            for key in list(self.messages)[: len(self.messages) - keep // 2]:
                del self.messages[key]

    def _new_message(self, chat: Chat, sender: User, text: str) -> dict[str, Any]:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message: dict[str, Any] = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat.to_json(),
            "from": sender.to_json(),
            "text": text,
        }
        self.messages[(chat.id, message["message_id"])] = message
        return message

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as the Bot API returns it (without the fake's own bookkeeping)."""
        return {k: v for k, v in message.items() if k != "html"}

    # -- what tests do ----------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(notify())
        self._notifications.add(task)
        task.add_done_callback(self._notifications.discard)
        return int(update["update_id"])

    def user_message(self, chat: Chat, user: User, text: str, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message from a user, with the entities Telegram would attach (commands, mentions)."""
        self.chats[chat.id] = chat
        message = self._new_message(chat, user, text)
        entities = []
        command_end = 0
        if m := _COMMAND.match(text):
            command_end = m.end()
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))})
        for m in _MENTION.finditer(text, command_end):
            start = utf16_offset(text, m.start())
            entities.append({"type": "mention", "offset": start, "length": utf16_len(m.group(0))})
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._public(reply_to)
        return self._public(message)

    def callback_query(self, user: User, message: dict[str, Any], data: str) -> dict[str, Any]:
        qid = str(next(self._query_ids))
        self._callback_queries[qid] = False
        return {"id": qid, "from": user.to_json(), "chat_instance": "ci", "data": data, "message": message}

    def inline_query(self, user: User, query: str) -> dict[str, Any]:
        qid = str(next(self._query_ids))
        self._inline_queries[qid] = False
        return {"id": qid, "from": user.to_json(), "query": query, "offset": ""}

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return self._public(self.messages[(chat_id, message_id)])

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0, since: int = 0) -> Call:
        """The first recorded call (from index ``since``) matching ``predicate``; waits for it, up to ``timeout``."""

        def find() -> Call | None:
            return next((c for c in self.calls[since:] if predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
        found = find()
        assert found is not None
        return found
