"""Who may do what, and what never leaks: admins by user id only, no configuration echoed, no token
anywhere (logs, error messages, replies — also while Telegram fails), /stats without who asked,
and a webhook that answers only Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.ext import ContextTypes

from bot import texts
from bot.engine import Engine
from tests.conftest import ROOT, SEEDS, SYNONYMS
from tests.fakebotapi import (
    DROP,
    HTTP_500,
    MALFORMED,
    PROXY_PAGE,
    SLOW,
    Chat,
    FakeBotAPI,
    User,
)
from tests.harness import (
    ADMIN,
    ADMIN_CHAT,
    GROUP,
    PRIVATE,
    TIMEOUT,
    TOKEN,
    USER,
    TestBot,
    isolate_env,
    readable,
    running_bot,
)
from tests.test_bot_run import PROCESS_TIMEOUT, bot_env, launch, serving_webhook

SECRET = TOKEN.split(":")[1]  # the part that matters; also catches the token URL-encoded (":" → "%3A")
ADMIN_COMMANDS = [("reload", ""), ("stats", ""), ("why", "متى سقط الأسد")]
# The sender Telegram shows for a group admin who posts anonymously, as the group.
ANONYMOUS_ADMIN = User(1087968824, "Group", "GroupAnonymousBot", is_bot=True)


@pytest.fixture
async def bot(briefs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    isolate_env(monkeypatch)
    async with running_bot(Engine(briefs_dir, SEEDS, SYNONYMS), rate_limit=False) as b:
        yield b


# -- admins are user ids ------------------------------------------------------------------------------


def impostors(bot: TestBot) -> dict[str, dict[str, Any]]:
    """Messages that carry an admin's name, username or chat id — but not an admin's user id."""
    same_username = User(4242, "Someone", ADMIN.username)
    same_name = User(4343, ADMIN.first_name, "other_person")
    admins_quote = bot.fake.user_message(ADMIN_CHAT, ADMIN, "رسالة من المشرفة")
    return {
        "the admin's username": bot.fake.user_message(Chat(4242, "private"), same_username, "/stats"),
        "the admin's name": bot.fake.user_message(Chat(4343, "private"), same_name, "/stats"),
        "the admin's chat id": bot.fake.user_message(Chat(ADMIN.id, "private"), USER, "/stats"),
        "a reply to the admin": bot.fake.user_message(GROUP, USER, f"/stats@{bot.username}", reply_to=admins_quote),
        "an anonymous group admin": {
            **bot.fake.user_message(GROUP, ANONYMOUS_ADMIN, f"/stats@{bot.username}"),
            "sender_chat": GROUP.to_json(),
        },
        "a forward from the admin": {
            **bot.fake.user_message(PRIVATE, USER, "/stats"),
            "forward_origin": {"type": "user", "date": 0, "sender_user": ADMIN.to_json()},
        },
    }


@pytest.mark.parametrize(
    "who",
    [
        "the admin's username",
        "the admin's name",
        "the admin's chat id",
        "a reply to the admin",
        "an anonymous group admin",
        "a forward from the admin",
    ],
)
async def test_admin_rights_follow_the_user_id_only(bot: TestBot, who: str) -> None:
    ex = await bot.send({"message": impostors(bot)[who]})
    assert ex.reply["text"] == texts.NOT_ADMIN, who
    assert bot.stats.served == 0


@pytest.mark.parametrize(("command", "args"), ADMIN_COMMANDS)
async def test_in_groups_admin_commands_work_for_admins_only(bot: TestBot, command: str, args: str) -> None:
    refused = await bot.send_command(command, args, chat=GROUP, user=USER, suffix=bot.username)
    assert refused.reply["text"] == texts.NOT_ADMIN
    allowed = await bot.send_command(command, args, chat=GROUP, user=ADMIN, suffix=bot.username)
    assert allowed.reply["text"] != texts.NOT_ADMIN
    assert allowed.sent[0].params["reply_parameters"], "in a group the answer quotes the command it answers"


def configuration(bot: TestBot, briefs_dir: Path) -> list[str]:
    """Strings of this deployment's configuration that no reply may contain."""
    engine = bot.handlers.engine
    return [
        SECRET,
        str(ADMIN.id),
        str(briefs_dir),
        str(briefs_dir.resolve()),
        str(engine.seeds_dir),
        str(engine.synonyms_file),
        bot.fake.base_url,
    ]


async def test_admin_replies_in_a_group_never_echo_configuration(bot: TestBot, briefs_dir: Path) -> None:
    """Not the token, the admin ids, the folders or the API URL — not even in a failed /reload's error list."""
    replies: list[str] = []
    for command, args in [*ADMIN_COMMANDS, ("help", "")]:
        replies += [c.params["text"] for c in (await bot.send_command(command, args, GROUP, ADMIN, bot.username)).sent]
    (briefs_dir / "broken.yaml").write_text("- id: Not A Slug\n  kind: topic\n", encoding="utf-8")
    (briefs_dir / "dangling.yaml").write_text(
        (ROOT / "tests/fixtures/bad_briefs/duplicate_id_across_files.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    failed = await bot.send_command("reload", "", GROUP, ADMIN, bot.username)
    assert "broken.yaml:1" in failed.text and "first defined at" in failed.text
    replies += [c.params["text"] for c in failed.sent]
    for reply in replies:
        for value in configuration(bot, briefs_dir):
            assert value not in reply, (value, reply[:200])


async def test_stats_shows_counts_and_questions_never_who_asked(bot: TestBot) -> None:
    askers = [User(6000 + n, f"اسم_مميز_{n}", f"distinct_user_{n}") for n in range(3)]
    newsroom = Chat(-1009988776655, "supergroup", title="مجموعة_سرية_للتحرير")
    for n, user in enumerate(askers):
        await bot.send_text(
            f"سؤال لا جواب له رقم {n}", chat=Chat(user.id, "private", first_name=user.first_name), user=user
        )
        await bot.send_text(f"@{bot.username} وصفة الكبسة {n}", chat=newsroom, user=user)
        await bot.send_inline("الأسد", user=user)
    text = readable((await bot.send_command("stats", chat=ADMIN_CHAT, user=ADMIN)).reply["text"])
    assert "لم أجد: 6" in text and "«سؤال لا جواب له رقم 0» ×1" in text
    private = [newsroom.title or "", str(newsroom.id), str(ADMIN.id), ADMIN.first_name]
    for user in askers:
        private += [str(user.id), user.first_name, user.username or ""]
    for value in private:
        assert value not in text, value


# -- the token never appears ----------------------------------------------------------------------------

FAULTS = [HTTP_500, PROXY_PAGE, DROP, MALFORMED, SLOW]


async def test_the_token_never_appears_while_telegram_fails(
    briefs_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every fault on every method, DEBUG logs everywhere (httpx logs URLs), a crash, a lost answer:
    the token is in no log record or traceback, no error the error handler saw, and no reply."""
    isolate_env(monkeypatch)
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        err = context.error
        assert err is not None
        errors.extend([str(err), repr(err), "".join(traceback.format_exception(err))])

    def break_start_up(fake: FakeBotAPI) -> None:
        for method in ("getMe", "deleteWebhook", "setMyCommands"):
            fake.inject(method, DROP)
            fake.inject(method, HTTP_500)

    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore", "telegram", "bot")]
    levels = [lg.level for lg in loggers]
    engine = Engine(briefs_dir, SEEDS, SYNONYMS)
    try:
        async with running_bot(
            engine, rate_limit=False, read_timeout=0.5, poll_timeout=1, before_start=break_start_up
        ) as bot:
            bot.app.add_error_handler(collect)
            bot.handlers.typing_delay = 0  # every private question also sends «typing…», so its faults are hit
            for lg in loggers:  # after build_application quietened httpx
                lg.setLevel(logging.DEBUG)
            for method in ("sendMessage", "answerCallbackQuery", "answerInlineQuery", "sendChatAction"):
                for fault in FAULTS:
                    bot.fake.inject(method, fault)
            bot.fake.inject("sendMessage", HTTP_500, 6)  # one answer lost: the give-up path logs too
            message = (await bot.send_text("متى سقط نظام الأسد؟")).replies[-1]
            for _ in FAULTS:
                await bot.send_text("شنو هي هيئة تحرير الشام")
                await bot.press_data(message, "e:fall-of-assad")
                await bot.send_inline("الأسد")

            produced = list(errors)  # what the bot raised; the crash below quotes the token on purpose

            def crash(query: str, limit: int = 5) -> None:
                raise RuntimeError(f"simulated failure at https://api.telegram.org/bot{TOKEN}/sendMessage")

            monkeypatch.setattr(engine.live.index, "search", crash)
            await bot.send_text("سؤال يسبب عطلًا")
            bot.fake.rejected.clear()  # refusals of repeated query answers, taken as success by the bot
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
    assert bot.stats.retries > 10 and bot.stats.undelivered >= 1 and errors, "the faults were exercised"
    assert any(r.name.startswith("httpx") for r in caplog.records), "httpx logged request URLs (at DEBUG)"
    assert "[REDACTED]" in caplog.text
    for record in caplog.records:
        assert SECRET not in record.getMessage() and SECRET not in (record.exc_text or ""), record.name
    assert SECRET not in caplog.text
    assert produced and len(errors) > len(produced), "the bot's own errors, then the simulated crash"
    for error in produced:
        assert SECRET not in error
    replies = [str(c.params) for c in bot.fake.calls if c.method != "getUpdates"]
    assert replies and not [r for r in replies if SECRET in r]


async def test_the_token_never_appears_in_the_output_of_a_failing_run() -> None:
    """`python -m bot run` at DEBUG against a Telegram failing at start-up and while answering, then SIGTERM."""
    async with FakeBotAPI(TOKEN) as fake:
        fake.inject("getMe", DROP)
        fake.inject("setMyCommands", PROXY_PAGE)
        fake.inject("getUpdates", DROP)
        fake.inject("sendMessage", HTTP_500)
        fake.inject("sendMessage", MALFORMED)
        proc = await launch(
            env=bot_env(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=fake.base_url,
                BOT_RATE_LIMIT="off",
                LOG_LEVEL="DEBUG",
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for(lambda c: c.method == "setMyCommands" and c.ok and c.fault is None, PROCESS_TIMEOUT)
            for n in range(3):
                fake.push({"message": fake.user_message(PRIVATE, USER, f"متى سقط نظام الأسد؟ {n}")})
            await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and c.fault is None, PROCESS_TIMEOUT)
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), PROCESS_TIMEOUT)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    output = (out + err).decode(errors="replace")
    assert proc.returncode == 0, output[-2000:]
    assert "[REDACTED]" in output and "retry" in output, "the faults were hit and logged"
    assert SECRET not in output


# -- webhook --------------------------------------------------------------------------------------------

HOOK_SECRET = "s3cret-Header_value"


@pytest.mark.parametrize(
    ("headers", "path", "status"),
    [
        ({}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": ""}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET[:-1]}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET + "x"}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET.upper()}, "/mojaz/hook", 403),
        ({"X-Telegram-Bot-Api-Secret": HOOK_SECRET}, "/mojaz/hook", 403),
        ({"Authorization": f"Bearer {HOOK_SECRET}"}, "/mojaz/hook", 403),
        ({}, f"/mojaz/hook?secret_token={HOOK_SECRET}", 403),
        ({"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}, "/mojaz/other", 404),
        ({"x-telegram-bot-api-secret-token": HOOK_SECRET}, "/mojaz/hook", 200),  # header names ignore case
    ],
    ids=[
        "no-header",
        "empty",
        "wrong",
        "prefix",
        "longer",
        "other-case-value",
        "other-header",
        "authorization",
        "query-string",
        "other-path",
        "lower-case-header-name",
    ],
)
async def test_the_webhook_answers_only_requests_with_the_secret(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    path: str,
    status: int,
) -> None:
    isolate_env(monkeypatch)
    caplog.set_level(logging.DEBUG)
    async with FakeBotAPI(TOKEN) as fake, serving_webhook(engine, fake, HOOK_SECRET) as hook:
        update = {"update_id": 1, "message": fake.user_message(PRIVATE, USER, "متى سقط نظام الأسد؟")}
        async with httpx.AsyncClient() as client:
            response = await client.post(f"http://127.0.0.1:{hook.port}{path}", json=update, headers=headers)
        assert response.status_code == status
        if status == 200:
            await asyncio.wait_for(hook.handled.wait(), TIMEOUT)
            answer = await fake.wait_for(lambda c: c.method == "sendMessage", TIMEOUT)
            assert answer.result["text"].startswith("سقوط نظام الأسد")
        else:
            refused = not hook.handled.is_set() and hook.app.update_queue.empty()
            assert refused, "a refused request never becomes an update"
    assert HOOK_SECRET not in caplog.text, "the webhook secret is redacted like the token"
