"""Admin commands end to end (/reload, /stats, /why), refusals, errors, and the token kept out of logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.engine import Engine
from tests.conftest import SEEDS, SYNONYMS
from tests.harness import ADMIN, ADMIN_CHAT, GROUP, PRIVATE, STRANGER, TOKEN, USER, TestBot, isolate_env, running_bot

NOT_FOUND_QUESTION = "ما هي أفضل وصفة للكبسة؟"


@pytest.fixture
async def bot(briefs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    """A bot over a private copy of the fixture briefs, which tests may edit and reload."""
    isolate_env(monkeypatch)
    async with running_bot(Engine(briefs_dir, SEEDS, SYNONYMS)) as b:
        yield b


def engine_of(bot: TestBot) -> Engine:
    return bot.app.bot_data["handlers"].engine  # type: ignore[no-any-return]


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "args"), [("reload", ""), ("stats", ""), ("why", "متى سقط الأسد")])
async def test_non_admins_are_refused_politely_and_logged_by_id(
    bot: TestBot, caplog: pytest.LogCaptureFixture, command: str, args: str
) -> None:
    version = engine_of(bot).snapshot.version
    ex = await bot.send_command(command, args, chat=PRIVATE, user=USER)
    assert ex.reply["text"] == texts.NOT_ADMIN
    (record,) = [r for r in caplog.records if r.name == "bot.handlers" and "refused" in r.getMessage()]
    assert f"/{command}" in record.getMessage() and str(USER.id) in record.getMessage()
    assert USER.first_name not in caplog.text and str(USER.username) not in caplog.text
    assert engine_of(bot).snapshot.version == version


async def test_a_group_is_not_an_admin_even_when_an_admin_is_in_it(bot: TestBot) -> None:
    """Admin rights follow the user id, never the chat."""
    refused = await bot.send_command("stats", chat=GROUP, user=STRANGER, suffix=bot.username)
    assert refused.reply["text"] == texts.NOT_ADMIN
    allowed = await bot.send_command("stats", chat=GROUP, user=ADMIN, suffix=bot.username)
    assert allowed.reply["text"].startswith("إحصاءات موجز")


# -- /reload -------------------------------------------------------------------------------------


async def test_reload_serves_the_edited_briefs(bot: TestBot, briefs_dir: Path) -> None:
    before = (await bot.send_text("شنو هي هيئة تحرير الشام")).reply
    assert before["text"].startswith("هيئة تحرير الشام")
    old_ids = {r["id"] for r in (await bot.send_inline("تحرير الشام")).inline["results"]}

    path = briefs_dir / "events.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("title: هيئة تحرير الشام", "title: هيئة تحرير الشام (HTS)"),
        encoding="utf-8",
    )
    reply = (await bot.send_command("reload", chat=ADMIN_CHAT, user=ADMIN)).reply
    snap = engine_of(bot).snapshot
    assert reply["text"].startswith("تم التحديث")
    assert f"الموجزات: {len(snap.briefs)}" in reply["text"] and f"المعلومات: {snap.fact_count}" in reply["text"]
    assert snap.version in reply["text"]

    after = (await bot.send_text("شنو هي هيئة تحرير الشام")).reply
    assert after["text"].startswith("هيئة تحرير الشام (\u2068HTS)\u2069")
    new_ids = {r["id"] for r in (await bot.send_inline("تحرير الشام")).inline["results"]}
    assert not old_ids & new_ids, "inline result ids change with the snapshot, so clients never reuse stale ones"


async def test_reload_with_broken_briefs_lists_every_problem_and_keeps_serving(bot: TestBot, briefs_dir: Path) -> None:
    version = engine_of(bot).snapshot.version
    (briefs_dir / "broken.yaml").write_text(
        "- id: Not A Slug\n  kind: topic\n  title: x\n  summary: y\n  facts: []\n  related: [nowhere]\n",
        encoding="utf-8",
    )
    (briefs_dir / "tabs.yaml").write_text("- id: x\n\tkind: topic\n", encoding="utf-8")
    ex = await bot.send_command("reload", chat=ADMIN_CHAT, user=ADMIN)
    text = ex.text
    assert text.startswith("لم يُحدَّث شيء") and version in text
    assert "broken.yaml:1" in text and "broken.yaml:5" in text and "tabs.yaml:2" in text
    assert engine_of(bot).snapshot.version == version
    still = (await bot.send_text("متى سقط نظام الأسد؟")).reply
    assert still["text"].startswith("سقوط نظام الأسد")


async def test_a_stale_button_after_a_brief_was_removed(bot: TestBot, briefs_dir: Path) -> None:
    reply = (await bot.send_text("شنو هي هيئة تحرير الشام")).reply
    path = briefs_dir / "events.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("- id: hts"), text.index("- id: soleimani-killing")
    path.write_text((text[:start] + text[end:]).replace(", hts]", "]"), encoding="utf-8")
    assert (await bot.send_command("reload", chat=ADMIN_CHAT, user=ADMIN)).reply["text"].startswith("تم التحديث")
    ex = await bot.press_button(reply, texts.BUTTON_EVIDENCE)
    assert ex.answer["text"] == texts.BRIEF_GONE and not ex.sent


# -- /stats and /why -----------------------------------------------------------------------------


async def test_stats_counts_and_lists_unanswered_questions_without_who_asked(bot: TestBot) -> None:
    await bot.send_text(NOT_FOUND_QUESTION)
    await bot.send_text("ما هى افضل وصفه للكبسه")  # the same question, spelt differently
    await bot.send_text("متى سقط نظام الأسد؟")
    await bot.send_inline("الأسد")
    text = (await bot.send_command("stats", chat=ADMIN_CHAT, user=ADMIN)).reply["text"]
    assert "الأسئلة: 3" in text and "لم أجد: 2" in text and "استعلامات السطر (inline): 1" in text
    assert f"«{NOT_FOUND_QUESTION}» ×2" in text
    for private in (str(USER.id), USER.first_name, str(USER.username)):
        assert private not in text


async def test_why_explains_the_match(bot: TestBot) -> None:
    question = "متى سقط نظام الأسد؟"
    ex = await bot.send_command("why", question, chat=ADMIN_CHAT, user=ADMIN)
    result = engine_of(bot).search(question)
    text = ex.reply["text"]
    assert result.normalized in text and all(t.text in text for t in result.terms)
    assert f"{result.hits[0].score:.3f}" in text and result.hits[0].brief.id in text
    assert "القرار: وُجد جواب" in text and result.rule in text


async def test_why_without_a_question_says_how(bot: TestBot) -> None:
    assert (await bot.send_command("why", chat=ADMIN_CHAT, user=ADMIN)).reply["text"] == texts.USAGE_WHY


# -- errors and logs -----------------------------------------------------------------------------


async def test_the_token_never_reaches_the_logs_even_in_errors(
    briefs_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """DEBUG everywhere (httpx too, which logs request URLs) and a handler crash quoting the token."""
    isolate_env(monkeypatch)
    caplog.set_level(logging.DEBUG)
    engine = Engine(briefs_dir, SEEDS, SYNONYMS)
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore", "telegram", "bot")]
    levels = [lg.level for lg in loggers]
    try:
        async with running_bot(engine) as bot:
            for lg in loggers:  # after build_application quietened httpx
                lg.setLevel(logging.DEBUG)

            def crash(query: str, limit: int = 5) -> None:
                raise RuntimeError(f"simulated failure while calling https://api.telegram.org/bot{TOKEN}/sendMessage")

            await bot.send_text("متى سقط نظام الأسد؟")
            monkeypatch.setattr(engine.live.index, "search", crash)
            ex = await bot.send_text("سؤال يسبب عطلًا")
            assert ex.reply["text"] == texts.SOMETHING_WENT_WRONG
            await bot.send_command("help")
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
    assert any(r.name.startswith("httpx") for r in caplog.records), "httpx did log (at DEBUG), redacted"
    assert "simulated failure" in caplog.text and "[REDACTED]" in caplog.text
    secret = TOKEN.split(":")[1]
    assert secret not in caplog.text
    assert all(secret not in r.getMessage() and secret not in (r.exc_text or "") for r in caplog.records)


async def test_errors_in_button_handlers_are_reported_in_the_callback_answer(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = (await bot.send_text("متى سقط نظام الأسد؟")).reply

    def crash(*args: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.render.evidence", crash)
    ex = await bot.press_button(reply, texts.BUTTON_EVIDENCE)
    # the press was answered before the crash, so the apology arrives as a message
    assert ex.reply["text"] == texts.SOMETHING_WENT_WRONG
    assert bot.app.bot_data["handlers"].stats.errors == 1
    bot.fake.rejected.clear()  # the second answerCallbackQuery was refused, as Telegram would
