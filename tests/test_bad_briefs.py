"""Broken brief files: each refused with a precise error, in bounded time and memory, while the
previous briefs keep serving — and a reload under load never gives a half-old, half-new answer.

The small hand-written corpus is in ``tests/fixtures/bad_briefs/`` (one flaw per file, said in its
first line); what cannot live in a repository comfortably (tabs an editor would convert, invalid
UTF-8, 10 MB, deep nesting, a node flood) is generated here.
"""

from __future__ import annotations

import gc
import json
import re
import resource
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import cli, yamlfile
from bot.app import CONCURRENT_UPDATES
from bot.briefs import MAX_FILE_BYTES, BriefsError
from bot.engine import Engine
from bot.handlers import MAX_PROBLEMS_SHOWN, Handlers
from tests.conftest import FIXTURE_BRIEFS, ROOT, SEEDS, SYNONYMS
from tests.fakebotapi import Call, Chat, FakeBotAPI, User
from tests.harness import TestBot, isolate_env, running_bot

CORPUS = ROOT / "tests" / "fixtures" / "bad_briefs"
FOUND = "متى سقط نظام الأسد؟"
# Generous bounds: a hang detector and a memory-bomb detector, far above what a refusal costs
# (a few MB and well under a second); the pathologies they catch cost minutes and gigabytes.
MEMORY_BOUND = 64 * 1024 * 1024
CPU_BOUND = 20.0


@dataclass(frozen=True)
class Bad:
    """One broken file: how to write it, and the problem the loader must report (file:line: field: message)."""

    name: str
    write: Callable[[Path], None]
    problem: str  # a regular expression matched against each reported problem


def copy(name: str) -> Callable[[Path], None]:
    return lambda folder: shutil.copy(CORPUS / name, folder / name)


def text(name: str, content: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(content, encoding="utf-8")


def raw(name: str, content: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(content())


BAD = [
    Bad("invalid YAML", copy("invalid_yaml.yaml"), r"invalid_yaml\.yaml:5: invalid YAML: expected ',' or ']'"),
    Bad(
        "tabs",
        text("tabs.yaml", "- id: tabbed\n  kind: topic\n\ttitle: x\n"),
        r"tabs\.yaml:3: tab character: indent YAML with spaces",
    ),
    Bad("duplicate keys", copy("duplicate_keys.yaml"), r"duplicate_keys\.yaml:5: duplicate key 'title'"),
    Bad("wrong types: kind", copy("wrong_types.yaml"), r"wrong_types\.yaml:3: wrong-types\.kind: Input should be"),
    Bad("wrong types: facts", copy("wrong_types.yaml"), r"wrong_types\.yaml:6: wrong-types\.facts: Input should be"),
    Bad("unknown field", copy("unknown_field.yaml"), r"unknown_field\.yaml:10: misspelt\.colour: unknown field"),
    Bad("missing fields", copy("missing_fields.yaml"), r"missing_fields\.yaml:2: half-written\.summary: required"),
    Bad(
        "evidence not in the document",
        copy("evidence_not_in_document.yaml"),
        r"evidence_not_in_document\.yaml:8: misquoted\.facts\[0\]\.evidence: quote not found in document 001",
    ),
    Bad(
        "dangling related",
        copy("dangling_related.yaml"),
        r"dangling_related\.yaml:10: lonely\.related\[1\]: no brief has id 'no-such-brief'",
    ),
    Bad(
        "duplicate ids across files",
        copy("duplicate_id_across_files.yaml"),
        r"events\.yaml:42: hts\.id: duplicate id \(first defined at .*duplicate_id_across_files\.yaml:2\)",
    ),
    Bad(
        "non-UTF-8 bytes",
        raw("latin1.yaml", lambda: b"- id: x\n  title: " + "café".encode("latin-1") + b"\n"),
        r"latin1\.yaml:2: not valid UTF-8 \(byte 20\)",
    ),
    Bad(
        "a control character",
        text("control.yaml", "- id: bell\n  kind: topic\n  title: \x07\n"),
        r"control\.yaml:3: invalid YAML: control character U\+0007 is not allowed",
    ),
    Bad("empty file", text("empty.yaml", ""), r"empty\.yaml:1: file is empty"),
    Bad("only a comment", text("comment.yaml", "# nothing yet\n"), r"comment\.yaml:1: file is empty"),
    Bad(
        "a 10 MB file",
        raw("huge.yaml", lambda: b"# " + b"x" * (10 * 1024 * 1024 - 3) + b"\n"),
        rf"huge\.yaml:1: file is {10 * 1024 * 1024} bytes; the limit is {MAX_FILE_BYTES}",
    ),
    Bad("alias bomb", copy("alias_bomb.yaml"), r"alias_bomb\.yaml:3: YAML anchors and aliases .* not allowed"),
    Bad(
        "deep nesting",
        text("deep.yaml", "[" * 10_000 + "]" * 10_000),
        r"deep\.yaml:1: YAML nested too deeply",
    ),
    Bad(
        "a node flood just under the size limit",
        raw("flood.yaml", lambda: b"- a\n" * ((MAX_FILE_BYTES - 1) // 4)),
        r"flood\.yaml:\d+: file has too many YAML nodes",
    ),
]


@pytest.fixture
def small_node_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A node limit of 10,000 instead of 100,000, so the flood is refused ten times sooner.

    Memory is bounded by the node limit, not the file size (about 600 bytes a node): this keeps
    the test fast under tracemalloc, which makes PyYAML several times slower.
    """
    monkeypatch.setattr(yamlfile, "MAX_NODES", 10_000)
    yield


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.usefixtures("small_node_limit")
@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_a_bad_file_is_refused_precisely_cheaply_and_the_old_briefs_keep_serving(briefs_dir: Path, bad: Bad) -> None:
    engine = Engine(briefs_dir, SEEDS, SYNONYMS)
    before = engine.live
    bad.write(briefs_dir)
    tracemalloc.start()
    started = cpu_seconds()
    try:
        with pytest.raises(BriefsError) as refused:
            engine.reload()
        cpu = cpu_seconds() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problems = [str(p) for p in refused.value.problems]
    assert any(re.search(bad.problem, p) for p in problems), problems
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB to refuse {bad.name}"
    assert cpu < CPU_BOUND, f"{cpu:.1f} s of CPU to refuse {bad.name}"
    assert engine.live is before, "nothing changed: the previous briefs keep serving"
    assert engine.search(FOUND).best is not None and engine.search(FOUND).best.brief.id == "fall-of-assad"


def test_a_reload_refused_or_not_leaves_the_cycle_collector_as_it_found_it(briefs_dir: Path) -> None:
    """Loading pauses Python's cycle collector; left off, a long-running bot would never free a cycle again."""
    engine = Engine(briefs_dir, SEEDS, SYNONYMS)
    assert gc.isenabled()
    (briefs_dir / "broken.yaml").write_text("- id: [\n", encoding="utf-8")
    with pytest.raises(BriefsError):
        engine.reload()
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(BriefsError):
            engine.reload()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_check_reports_deep_nesting_instead_of_crashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deep nesting used to escape as RecursionError: a traceback from `python -m bot check`, a failed /reload."""
    isolate_env(monkeypatch)
    folder = tmp_path / "briefs"
    shutil.copytree(FIXTURE_BRIEFS, folder)
    (folder / "hostile.yaml").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    monkeypatch.setenv("BRIEFS_DIR", str(folder))
    with pytest.raises(SystemExit) as exited:
        cli.main(["check"])
    assert exited.value.code == 1
    assert re.search(r"hostile\.yaml:1: YAML nested too deeply", capsys.readouterr().err)


# -- reload while 1,000 queries are in flight --------------------------------------------------------

BOT_USER = User(987654321, "موجز", "mojaz_test_bot", is_bot=True)
KINDS: list[tuple[str, str, str]] = [
    ("text", "", "متى سقط نظام الأسد؟"),
    ("text", "", "شنو هي هيئة تحرير الشام"),
    ("text", "", "سوريا"),
    ("text", "", "كم عمر بشار الأسد؟"),
    ("command", "brief", "HTS"),
    ("command", "search", "سوريا"),
    ("command", "who", "هيئة تحرير الشام"),
    ("command", "topics", ""),
    ("command", "timeline", ""),
    ("inline", "", "الأسد"),
    ("button", "", "e:fall-of-assad"),
    ("button", "", "r:hts"),
    ("button", "", "b:al-qaim"),
    ("button", "", "m:fall-of-assad:0"),
]


@dataclass(frozen=True)
class Sent:
    """One update and how to recognise the calls that answer it."""

    kind: int
    update: dict[str, Any]
    chat_id: int | None
    query_id: str | None


def make(fake: FakeBotAPI, kind: int, user_id: int) -> Sent:
    what, command, arg = KINDS[kind]
    user = User(user_id, f"قارئ {user_id}")
    chat = Chat(user_id, "private", first_name=user.first_name)
    if what == "inline":
        update = {"inline_query": fake.inline_query(user, arg)}
        return Sent(kind, update, None, update["inline_query"]["id"])
    if what == "button":
        message = fake.user_message(chat, BOT_USER, "رسالة سابقة من البوت")
        update = {"callback_query": fake.callback_query(user, message, arg)}
        return Sent(kind, update, chat.id, update["callback_query"]["id"])
    line = f"/{command} {arg}".strip() if what == "command" else arg
    return Sent(kind, {"message": fake.user_message(chat, user, line)}, chat.id, None)


Answer = tuple[tuple[str, str], ...]


def answers(calls: list[Call]) -> dict[object, Answer]:
    """What each chat or query got: its messages, edits and query answers, minus ids that differ per chat."""
    out: dict[object, list[tuple[str, str]]] = {}
    for c in calls:
        p = c.params
        if c.method in ("answerInlineQuery", "answerCallbackQuery"):
            shown = {k: v for k, v in p.items() if not k.endswith("query_id")}
            key = p.get("inline_query_id") or p.get("callback_query_id")
            out.setdefault(key, []).append((c.method, json.dumps(shown, sort_keys=True)))
        elif c.method in ("sendMessage", "editMessageText"):
            out.setdefault(p.get("chat_id"), []).append((c.method, json.dumps([p["text"], p.get("reply_markup")])))
    return {key: tuple(found) for key, found in out.items()}


def answer_of(sent: Sent, seen: dict[object, Answer]) -> Answer:
    """The query's answer (if it is a query) followed by what was sent to the chat."""
    return seen.get(sent.query_id, ()) + seen.get(sent.chat_id, ())


async def reference(bot: TestBot, first_user: int) -> list[Answer]:
    """Each kind's answer from the live briefs, asked once, alone."""
    out = []
    for kind in range(len(KINDS)):
        sent = make(bot.fake, kind, first_user + kind)
        mark = len(bot.fake.calls)
        await bot.send(sent.update)
        out.append(answer_of(sent, answers(bot.fake.calls[mark:])))
    return out


def edit_every_brief(folder: Path) -> None:
    """A new version of every brief: each title, summary and fact changed, so old and new answers differ."""
    for path in folder.glob("*.yaml"):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"^(  title: .*)$", r"\1 (٢)", source, flags=re.M)
        source = re.sub(r"^(  summary: >-\n\s+.*)$", r"\1 (محدّث)", source, flags=re.M)
        source = re.sub(r"^(    - text: .*)$", r"\1 (٢)", source, flags=re.M)
        path.write_text(source, encoding="utf-8")


async def test_a_reload_with_1000_queries_in_flight_gives_each_a_whole_old_or_new_answer(
    briefs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every answer is entirely from the old briefs or entirely from the new, never a mix, never an error.

    All answers are held at the server, so the first handlers (up to ``CONCURRENT_UPDATES``) have
    read the old briefs and are stopped mid-answer when the reload swaps the new ones in; the rest
    start after it. Button answers are held *between* reading the briefs and rendering the reply:
    exactly where a handler that re-read the live briefs would mix them.
    """
    isolate_env(monkeypatch)
    engine = Engine(briefs_dir, SEEDS, SYNONYMS)
    async with running_bot(engine, rate_limit=False, read_timeout=60) as bot:
        old = await reference(bot, 100_000)
        edit_every_brief(briefs_dir)

        bot.fake.hold("sendMessage", "editMessageText", "answerCallbackQuery", "answerInlineQuery")
        flight = [make(bot.fake, n % len(KINDS), 200_000 + n) for n in range(1000)]
        uids = [bot.fake.push(s.update) for s in flight]
        parked = CONCURRENT_UPDATES // 2
        await bot.fake.wait_parked(parked)
        reply = await bot.handlers.reload_briefs()
        assert reply.startswith("<b>تم التحديث"), reply
        bot.fake.release()
        for uid in uids:
            await bot.handled(uid, timeout=60)

        new = await reference(bot, 300_000)
        assert all(o != n for o, n in zip(old, new, strict=True)), "every kind of answer changed with the briefs"
        seen = {"old": 0, "new": 0}
        answered = answers(bot.fake.calls)
        for sent in flight:
            got = answer_of(sent, answered)
            assert got, f"no answer to {KINDS[sent.kind]}"
            assert got in (old[sent.kind], new[sent.kind]), (
                f"a mixed or broken answer to {KINDS[sent.kind]}: {got!s:.500}"
            )
            seen["old" if got == old[sent.kind] else "new"] += 1
        assert seen["old"] >= parked and seen["new"] >= 1000 - CONCURRENT_UPDATES, seen
        assert bot.stats.errors == 0


async def test_a_reload_reply_lists_at_most_40_problems_and_says_how_many_more(briefs_dir: Path) -> None:
    """A file with hundreds of problems must not become dozens of Telegram messages; `bot check` lists all."""
    handlers = Handlers(Engine(briefs_dir, SEEDS, SYNONYMS), frozenset())
    (briefs_dir / "many.yaml").write_text(
        "".join(f"- id: Bad Id {n}\n  kind: topic\n" for n in range(50)), encoding="utf-8"
    )
    reply = await handlers.reload_briefs()
    assert reply.count("• <code>many.yaml:") == MAX_PROBLEMS_SHOWN
    total = int(re.search(r"الموجزات (\d+) مشكلة", reply).group(1))  # type: ignore[union-attr]
    assert total > MAX_PROBLEMS_SHOWN and f"و{total - MAX_PROBLEMS_SHOWN} مشكلة أخرى" in reply
    assert str(briefs_dir) not in reply
