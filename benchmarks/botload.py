"""Through the bot: ``python -m bot run`` (the real ``Application``) against the local fake Bot API.

The fake (``tests/fakebotapi.py``) runs in this process and the bot in its own, so each has a core;
they talk HTTP over loopback. A question's latency runs from the moment its update is queued on the
fake (``getUpdates`` long polling hands it over at once) to the moment the fake receives the
``sendMessage`` that answers it; both clocks are this process's ``time.monotonic``.

Scenarios, each repeated (median of the runs, with their range):

- 1 chat, closed loop: one question at a time.
- 50 chats, closed loop: each chat asks again as soon as it is answered — the bot is saturated,
  so questions answered per second is its **capacity** (limiter off).
- 50 chats, open loop at a fixed rate: questions arrive on a clock whether or not earlier ones
  were answered, the way real users ask — limiter off at ``RATE_OFF`` per second, and limiter on
  (PTB's ``AIORateLimiter``, 30 requests/s) at ``RATE_LIMITED`` per second; unanswered questions
  after ``DRAIN_S`` count as dropped.
- inline queries: 1 user closed loop, and 50 users open loop at ``RATE_OFF`` per second.

Start time is from launching the process to its first ``getUpdates``; peak RSS is the bot
process's ``VmHWM`` after the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Spread, peak_rss_mb, percentile
from tests.fakebotapi import Call, Chat, FakeBotAPI, User

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "987654321:AAHfake-bench-token_0123456789abcdefXYZ"
CHATS = 50
RATE_OFF = 50.0  # questions/s offered from 50 chats with the limiter off (each chat asks once a second)
RATE_LIMITED = 25.0  # questions/s offered from 50 chats with the limiter on (each chat every two seconds)
DRAIN_S = 30.0  # an answer later than this after the last question is counted as dropped
START_TIMEOUT_S = 60.0


def _user(n: int) -> tuple[Chat, User]:
    user = User(500_000 + n, f"قارئ {n}", f"reader_{n:03d}")
    return Chat(user.id, "private", first_name=user.first_name), user


class Probe(FakeBotAPI):
    """The fake Bot API, noting the first ``getUpdates`` and when each question gets its answer."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.first_poll: float | None = None
        self.polled = asyncio.Event()
        self._waiting: dict[int, deque[tuple[float, asyncio.Future[float]]]] = defaultdict(deque)
        self._inline: dict[str, tuple[float, asyncio.Future[float]]] = {}

    async def dispatch(self, method: str, params: dict[str, Any]) -> Call:
        name = method.lower()
        if name == "getupdates" and self.first_poll is None:
            self.first_poll = time.monotonic()
            self.polled.set()
        call = await super().dispatch(method, params)
        if call.ok and name == "sendmessage":
            waiting = self._waiting.get(params.get("chat_id", 0))
            if waiting:
                asked, fut = waiting.popleft()
                if not fut.done():
                    fut.set_result(call.at - asked)
        elif call.ok and name == "answerinlinequery":
            entry = self._inline.pop(str(params.get("inline_query_id")), None)
            if entry is not None and not entry[1].done():
                entry[1].set_result(call.at - entry[0])
        return call

    def ask(self, n: int, text: str) -> asyncio.Future[float]:
        """User ``n`` asks ``text`` in their private chat; the future gets the seconds until the answer."""
        chat, user = _user(n)
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        update = {"message": self.user_message(chat, user, text)}
        self._waiting[chat.id].append((time.monotonic(), fut))
        self.push(update)
        return fut

    def ask_inline(self, n: int, text: str) -> asyncio.Future[float]:
        _, user = _user(n)
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        query = self.inline_query(user, text)
        self._inline[query["id"]] = (time.monotonic(), fut)
        self.push({"inline_query": query})
        return fut


@dataclass
class Run:
    """One run of a scenario: latencies of the answered questions, how many were asked, how long it took."""

    latencies: list[float]
    asked: int
    seconds: float

    @property
    def dropped(self) -> int:
        return self.asked - len(self.latencies)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


@dataclass
class Scenario:
    name: str
    runs: list[Run] = field(default_factory=list)

    def spread(self, p: float) -> Spread:
        return Spread.of([percentile(r.latencies, p) * 1000 for r in self.runs])

    def summary(self) -> dict[str, Any]:
        return {
            "asked": sum(r.asked for r in self.runs),
            "dropped": sum(r.dropped for r in self.runs),
            "per_second": Spread.of([r.per_second for r in self.runs]).to_json(),
            "p50_ms": self.spread(50).to_json(),
            "p99_ms": self.spread(99).to_json(),
        }


async def closed_loop(
    ask: Callable[[int, str], asyncio.Future[float]], users: int, total: int, texts: Sequence[str]
) -> Run:
    """``users`` users, each asking again as soon as answered, ``total`` questions in all."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def user(n: int) -> None:
        for k in counter:
            with contextlib.suppress(TimeoutError):
                latencies.append(await asyncio.wait_for(ask(n, texts[k % len(texts)]), DRAIN_S))

    start = time.monotonic()
    await asyncio.gather(*(user(n) for n in range(users)))
    return Run(latencies, total, time.monotonic() - start)


async def open_loop(
    ask: Callable[[int, str], asyncio.Future[float]], users: int, rate: float, seconds: float, texts: Sequence[str]
) -> Run:
    """Questions on a clock, ``rate`` per second round-robin over ``users`` users, for ``seconds``."""
    total = max(1, int(rate * seconds))
    futures: list[asyncio.Future[float]] = []
    start = time.monotonic()
    for k in range(total):
        delay = start + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        futures.append(ask(k % users, texts[k % len(texts)]))
    done, _ = await asyncio.wait(futures, timeout=DRAIN_S)
    latencies = [f.result() for f in futures if f in done]
    for f in futures:
        f.cancel()
    return Run(latencies, total, time.monotonic() - start)


def _env(base_url: str, rate_limit: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_"))}
    for name in ("BRIEFS_DIR", "SEEDS_DIR", "SYNONYMS_FILE", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        BOT_RATE_LIMIT="on" if rate_limit else "off",
        BOT_CONFIG_FILE="/nonexistent/bot.yaml",
    )
    return env


@dataclass
class Bot:
    """A running ``python -m bot run`` process and what its start cost."""

    proc: asyncio.subprocess.Process
    start_s: float
    log: list[str]

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the bot process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def running(fake: Probe, rate_limit: bool) -> AsyncIterator[Bot]:
    """Launch the bot against ``fake``; yield it once it polls; stop it with SIGTERM (SIGKILL if it hangs)."""
    fake.first_poll = None
    fake.polled.clear()
    launched = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=_env(fake.base_url, rate_limit),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    log: list[str] = []

    async def drain() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            log.append(raw.decode(errors="replace").rstrip())
            del log[:-50]

    reader = asyncio.create_task(drain())
    try:
        waiting = asyncio.create_task(fake.polled.wait())
        exited = asyncio.create_task(proc.wait())
        await asyncio.wait({waiting, exited}, timeout=START_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        waiting.cancel()
        if fake.first_poll is None:
            raise RuntimeError("the bot did not start:\n" + "\n".join(log[-20:]))
        yield Bot(proc, fake.first_poll - launched, log)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await reader


@dataclass(frozen=True)
class Plan:
    runs: int
    serial: int  # questions per 1-chat run
    capacity: int  # questions per 50-chat closed-loop run
    open_s: float  # seconds per open-loop run
    chats: int = CHATS


FULL = Plan(runs=3, serial=60, capacity=300, open_s=4.0)
QUICK = Plan(runs=1, serial=5, capacity=20, open_s=0.5, chats=5)


async def measure(texts: Sequence[str], plan: Plan) -> dict[str, Any]:
    """Every bot-level figure; two bot processes (limiter off, then on) plus one more start."""
    out: dict[str, Any] = {}
    starts: list[float] = []
    peaks: list[float] = []
    scenarios: dict[str, Scenario] = {}

    async def scenario(name: str, make: Callable[[], Awaitable[Run]]) -> None:
        s = scenarios.setdefault(name, Scenario(name))
        for _ in range(plan.runs):
            s.runs.append(await make())

    fake = Probe()
    await fake.start()
    try:
        async with running(fake, rate_limit=False) as bot:
            starts.append(bot.start_s)
            await closed_loop(fake.ask, 1, 10, texts)  # warm-up: imports, first searches, connections
            cpu0, t0 = bot.cpu_s(), time.process_time()
            await scenario("1 chat, closed loop", lambda: closed_loop(fake.ask, 1, plan.serial, texts))
            await scenario(
                f"{plan.chats} chats, closed loop (capacity)",
                lambda: closed_loop(fake.ask, plan.chats, plan.capacity, texts),
            )
            await scenario(
                f"{plan.chats} chats, open loop {RATE_OFF:.0f}/s",
                lambda: open_loop(fake.ask, plan.chats, RATE_OFF, plan.open_s, texts),
            )
            await scenario("inline, 1 user, closed loop", lambda: closed_loop(fake.ask_inline, 1, plan.serial, texts))
            await scenario(
                f"inline, {plan.chats} users, open loop {RATE_OFF:.0f}/s",
                lambda: open_loop(fake.ask_inline, plan.chats, RATE_OFF, plan.open_s, texts),
            )
            out["cpu_s"] = {
                "bot": round(bot.cpu_s() - cpu0, 1),
                "fake_api_and_load": round(time.process_time() - t0, 1),
            }
            peaks.append(peak_rss_mb(bot.proc.pid))
        async with running(fake, rate_limit=True) as bot:
            starts.append(bot.start_s)
            await scenario(
                f"{plan.chats} chats, open loop {RATE_LIMITED:.0f}/s, limiter on",
                lambda: open_loop(fake.ask, plan.chats, RATE_LIMITED, plan.open_s, texts),
            )
            peaks.append(peak_rss_mb(bot.proc.pid))
        if plan.runs > 1:  # a third start, for the spread
            async with running(fake, rate_limit=True) as bot:
                starts.append(bot.start_s)
        out["rejected_by_fake_api"] = len(fake.rejected)
    finally:
        await fake.stop()
    out["scenarios"] = {name: s.summary() for name, s in scenarios.items()}
    out["start_s"] = Spread.of(starts).to_json()
    out["peak_rss_mb"] = Spread.of(peaks).to_json()
    return out


def run(texts: Sequence[str], quick: bool) -> dict[str, Any]:
    return asyncio.run(measure(texts, QUICK if quick else FULL))
