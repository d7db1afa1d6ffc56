"""`make soak`: 20,000 mixed updates through the real bot on loopback; prints the figures, exits 1 on failure.

The bot is the real ``python -m bot run`` in a subprocess (so resident memory is the bot's alone),
over the shipped briefs, with ``BOT_RATE_LIMIT=off``, against ``FakeBotAPI`` in this process.
Updates arrive at a fixed rate (open loop: a slow bot cannot slow the arrivals down and so hide
its own latency), from a pool of virtual users who each have at most one update in flight.

An update is complete when every call that answers it has reached the server: its messages and
edits (by chat) and its query answer (by query id). How many calls each distinct input produces
is calibrated first on an in-process bot over the same briefs, where the harness knows exactly
when an update is handled; latency is from pushing the update to its last answering call.

Passes when: every update is answered with exactly the calibrated calls and nothing else, Telegram
(the strict fake) refused nothing, the bot logged no error and exited 0 on SIGTERM, resident
memory grew at most 20 MB after warm-up, and the last minute's p99 latency is at most twice the
first minute's (+5 ms, for very small values).

Environment: SOAK_UPDATES (20000), SOAK_RATE (updates per second, 60), SOAK_USERS (400).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine import Engine
from tests.conftest import ROOT, SEEDS, SYNONYMS
from tests.fakebotapi import Call, Chat, FakeBotAPI, User
from tests.harness import TOKEN, running_bot
from tests.questionset import load_questions

UPDATES = int(os.environ.get("SOAK_UPDATES", "20000"))
RATE = float(os.environ.get("SOAK_RATE", "60"))
USERS = int(os.environ.get("SOAK_USERS", "400"))
WARM_UP = max(1, UPDATES // 10)  # updates before memory is taken as the baseline
MAX_RSS_GROWTH_MB = 20.0
ANSWER_TIMEOUT = 30.0  # seconds; an update not answered by then is lost
BRIEFS = ROOT / "briefs"
ANSWERS = frozenset({"sendMessage", "editMessageText", "answerCallbackQuery", "answerInlineQuery"})
BOT = User(int(TOKEN.split(":")[0]), "موجز", "mojaz_test_bot", is_bot=True)


@dataclass(frozen=True)
class Input:
    """One distinct thing a user can send: a private message, a group message, a command, an inline query or a press."""

    kind: str  # "text", "group", "inline", "button"
    text: str


def inputs(engine: Engine) -> list[Input]:
    """The mix: realistic questions (found, ambiguous, not found), commands, group traffic, inline, buttons."""
    rng = random.Random(7)
    questions = [q.q for q in load_questions()]
    ids = [b.id for b in engine.snapshot.briefs if len(b.id) <= 40]
    out = [Input("text", q) for q in rng.sample(questions, 40)]
    out += [Input("text", t) for t in ("<b>سقوط</b> & الأسد", "🙂", "HTS", "٢٠٢٤", "ما هي أفضل وصفة للكبسة؟")]
    out += [Input("group", f"@{BOT.username} {q}") for q in rng.sample(questions, 10)]
    out += [Input("group", q) for q in rng.sample(questions, 5)]  # chatter: the bot stays silent
    out += [
        Input("text", c)
        for c in (
            "/start",
            "/help",
            "/topics",
            "/sources",
            "/timeline",
            "/timeline 2024",
            f"/start brief_{ids[0]}",
            "/brief سقوط الأسد",
            "/brief الحشد الشعبي",
            "/search الحشد الشعبي",
            "/search سوريا",
            "/who هيئة تحرير الشام",
            "/who المالكي",
        )
    ]
    out += [Input("inline", q) for q in ("", "الأسد", "الحشد", "انسحاب القوات الأمريكية", "HTS")]
    for brief_id in rng.sample(ids, 8):
        out += [Input("button", f"{action}:{brief_id}") for action in ("e", "r", "b")]
        out.append(Input("button", f"m:{brief_id}:0"))
    out += [Input("button", d) for d in ("t:1", "t:2", "y:all:1", "y:2024:0", "x:forged")]
    return out


@dataclass
class Sent:
    """One update on its way: which input, who sent it, when, and what answers are still due."""

    input: int
    user: int
    keys: tuple[object, ...]  # the chat id and/or query id its answers carry
    due: int
    pushed: float
    done: float = 0.0


def make_update(fake: FakeBotAPI, item: Input, n: int) -> tuple[dict[str, Any], tuple[object, ...]]:
    """The update for ``item`` from virtual user ``n``, and the keys its answers will carry."""
    user = User(1_000_000 + n, f"قارئ {n}")
    private = Chat(user.id, "private", first_name=user.first_name)
    group = Chat(-1_000_000_000_000 - n, "supergroup", title=f"مجموعة {n}")
    if item.kind == "inline":
        query = fake.inline_query(user, item.text)
        return {"inline_query": query}, (query["id"],)
    if item.kind == "button":
        message = fake.user_message(private, BOT, "رسالة سابقة من البوت")  # fresh: an edit always changes it
        query = fake.callback_query(user, message, item.text)
        return {"callback_query": query}, (query["id"], private.id)
    chat = group if item.kind == "group" else private
    return {"message": fake.user_message(chat, user, item.text)}, (chat.id,)


async def calibrate(engine: Engine, items: Sequence[Input]) -> list[int]:
    """How many answering calls each input produces, measured on an in-process bot over the same briefs."""
    due = []
    async with running_bot(engine, rate_limit=False) as bot:
        for n, item in enumerate(items):
            update, keys = make_update(bot.fake, item, n)
            mark = len(bot.fake.calls)
            await bot.send(update)
            due.append(sum(1 for c in bot.fake.calls[mark:] if c.method in ANSWERS and key_of(c) in keys))
        assert not bot.stats.errors, "the calibration run had errors"
    return due


def key_of(call: Call) -> object:
    p = call.params
    return p.get("callback_query_id") or p.get("inline_query_id") or p.get("chat_id")


@dataclass
class Run:
    """Everything observed during the soak."""

    sent: list[Sent] = field(default_factory=list)
    waiting: dict[object, Sent] = field(default_factory=dict)  # answer key → its update in flight
    unexpected: list[str] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (time, MB)

    def on_call(self, call: Call) -> None:
        if call.method not in ANSWERS:
            return
        key = key_of(call)
        sent = self.waiting.get(key)
        if sent is None:
            self.unexpected.append(f"{call.method} for {key} with nothing in flight there")
            return
        sent.due -= 1
        if sent.due == 0:
            sent.done = time.monotonic()
            for k in sent.keys:
                self.waiting.pop(k, None)
        elif sent.due < 0:
            self.unexpected.append(f"{call.method}: more answers than calibrated for input {sent.input}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def soak() -> bool:
    logging.basicConfig(level=logging.WARNING)
    engine = Engine(BRIEFS, SEEDS, SYNONYMS)
    items = inputs(engine)
    print(f"calibrating {len(items)} distinct inputs on an in-process bot …", flush=True)
    due = await calibrate(engine, items)
    run = Run()
    async with FakeBotAPI(TOKEN) as fake:
        fake.record = False
        fake.listeners.append(run.on_call)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            BOT_RATE_LIMIT="off",
            BRIEFS_DIR=str(BRIEFS),
            BOT_CONFIG_FILE="/nonexistent/bot.yaml",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
        )
        log: list[str] = []

        async def read_log() -> None:
            assert proc.stderr is not None
            async for raw in proc.stderr:
                log.append(raw.decode(errors="replace"))

        reader = asyncio.create_task(read_log())
        try:
            while not fake.commands:  # set by the bot's start-up (setMyCommands)
                await asyncio.sleep(0.05)
            print(f"bot pid {proc.pid} up; sending {UPDATES} updates at {RATE:g}/s from {USERS} users …", flush=True)
            await drive(fake, run, items, due, proc.pid)
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 30)
            await reader
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        return report(run, items, code, log, fake)


async def drive(fake: FakeBotAPI, run: Run, items: Sequence[Input], due: Sequence[int], pid: int) -> None:
    """Push updates at ``RATE`` per second; sample the bot's memory; wait for the last answers."""
    rng = random.Random(11)
    idle = list(range(USERS))
    busy: dict[int, Sent] = {}
    start = time.monotonic()
    next_sample = start
    for n in range(UPDATES):
        at = start + n / RATE
        while (now := time.monotonic()) < at or not idle:
            for user, sent in list(busy.items()):
                if sent.done or now - sent.pushed > ANSWER_TIMEOUT:
                    del busy[user]
                    idle.append(user)
            if now >= next_sample:
                run.rss.append((now - start, rss_mb(pid)))
                next_sample += 1.0
            await asyncio.sleep(min(0.005, max(0.0, at - now)))
        user = idle.pop(rng.randrange(len(idle)))
        index = rng.randrange(len(items))
        update, keys = make_update(fake, items[index], user)
        sent = Sent(index, user, keys, due[index], time.monotonic())
        run.sent.append(sent)
        if sent.due == 0:
            sent.done = sent.pushed  # silent by design (group chatter): nothing to wait for
        else:
            for key in keys:
                run.waiting[key] = sent
        busy[user] = sent
        fake.push(update)
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while run.waiting and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    run.rss.append((time.monotonic() - start, rss_mb(pid)))


def report(run: Run, items: Sequence[Input], code: int | None, log: list[str], fake: FakeBotAPI) -> bool:
    """Print the figures; say what failed."""
    first_push = run.sent[0].pushed
    answered = [s for s in run.sent if s.done]
    lost = [s for s in run.sent if not s.done]
    measured = [s for s in answered if s.done > s.pushed]
    duration = max(s.done for s in answered) - first_push
    print(f"\n{len(run.sent)} updates in {duration:.0f} s ({len(run.sent) / duration:.1f}/s), kinds:", end=" ")
    kinds = itertools.groupby(sorted(items[s.input].kind for s in run.sent))
    print(", ".join(f"{k} {len(list(g))}" for k, g in kinds))
    print("\nminute  updates   p50 ms   p95 ms   p99 ms   max ms   RSS MB")
    minutes: dict[int, list[float]] = {}
    for s in measured:
        minutes.setdefault(int((s.pushed - first_push) // 60), []).append((s.done - s.pushed) * 1000)
    for minute, lat in sorted(minutes.items()):
        rss = [mb for t, mb in run.rss if minute * 60 <= t < (minute + 1) * 60]
        print(
            f"{minute:>6} {len(lat):>8} {statistics.median(lat):>8.1f} {percentile(lat, 95):>8.1f}"
            f" {percentile(lat, 99):>8.1f} {max(lat):>8.1f} {max(rss) if rss else float('nan'):>8.1f}"
        )
    warm_end = run.sent[min(WARM_UP, len(run.sent) - 1)].pushed - first_push
    baseline = next((mb for t, mb in run.rss if t >= warm_end), run.rss[-1][1])
    after = [mb for t, mb in run.rss if t >= warm_end]
    growth_end, growth_peak = run.rss[-1][1] - baseline, max(after) - baseline
    first, last = minutes[min(minutes)], minutes[max(minutes)]
    p99_first, p99_last = percentile(first, 99), percentile(last, 99)
    errors = [line for line in log if " ERROR " in line or " CRITICAL " in line or "Traceback" in line]
    print(
        f"\nRSS after warm-up ({WARM_UP} updates): {baseline:.1f} MB; at the end {run.rss[-1][1]:.1f} MB"
        f" (growth {growth_end:+.1f} MB, peak growth {growth_peak:+.1f} MB; limit {MAX_RSS_GROWTH_MB:g} MB)"
    )
    print(f"p99 first minute {p99_first:.1f} ms, last minute {p99_last:.1f} ms (limit 2× + 5 ms)")
    print(f"lost {len(lost)}, unexpected calls {len(run.unexpected)}, refused by Telegram {len(fake.rejected)}")
    print(f"bot log: {len(log)} lines, {len(errors)} errors; exit code {code}")
    failures = []
    if lost:
        failures.append(f"{len(lost)} updates never answered, e.g. {[items[s.input] for s in lost[:3]]}")
    if run.unexpected:
        failures.append(f"unexpected answers: {run.unexpected[:3]}")
    if fake.rejected:
        failures.append(f"Telegram refused: {[(c.method, c.error) for c in fake.rejected[:3]]}")
    if errors:
        failures.append(f"errors in the bot's log: {errors[:3]}")
    if code != 0:
        failures.append(f"exit code {code} on SIGTERM")
    if growth_peak > MAX_RSS_GROWTH_MB:
        failures.append(f"memory grew {growth_peak:.1f} MB after warm-up")
    if p99_last > 2 * p99_first + 5:
        failures.append(f"p99 went from {p99_first:.1f} ms to {p99_last:.1f} ms")
    for failure in failures:
        print("FAILED:", failure)
    print("soak passed" if not failures else "soak FAILED")
    return not failures


def main() -> int:
    return 0 if asyncio.run(soak()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
