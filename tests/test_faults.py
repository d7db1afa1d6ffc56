"""Telegram and the network failing: the bot keeps running, recovers by itself, and loses no answer.

Faults are injected per method in the fake server (``FakeBotAPI.inject``) and hit calls in order,
so every test knows exactly which request fails and how. The policy under test is
``bot.retry``'s: at-least-once with bounded retries; the one case that may show a message twice
(Telegram accepted it but its response never arrived) is counted and logged.

Waits here are the bot's own (backoff, PTB's polling backoff, a client read timeout), never
sleeps in the test: the harness waits until the bot has finished handling each update.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot import retry
from bot.engine import Engine
from bot.retry import Kind, RetryPolicy
from bot.transport import AiohttpRequest
from tests.fakebotapi import (
    DROP,
    HTTP_500,
    HTTP_502,
    MALFORMED,
    PROXY_PAGE,
    SLOW,
    SLOW_LOST,
    Call,
    Chat,
    FakeBotAPI,
    Fault,
    User,
    too_many_requests,
)
from tests.harness import FAST_RETRY, PRIVATE, TIMEOUT, TOKEN, USER, TestBot, isolate_env, running_bot
from tests.test_bot_run import PROCESS_TIMEOUT, bot_env, running

QUESTION = "متى سقط نظام الأسد؟"
ANSWER = "سقوط نظام الأسد"
READ_TIMEOUT = 0.5  # seconds; the client gives up on a slow response after this (loopback answers take ~1 ms)
USERS = [User(5100 + n, f"قارئ {n}") for n in range(5)]


def chat_of(user: User) -> Chat:
    return Chat(user.id, "private", first_name=user.first_name)


def questions(fake: FakeBotAPI, users: list[User] = USERS, text: str = QUESTION) -> list[dict[str, Any]]:
    return [{"message": fake.user_message(chat_of(u), u, text)} for u in users]


def delivered(fake: FakeBotAPI, chat_id: int, method: str = "sendMessage") -> list[Call]:
    """Calls of ``method`` for ``chat_id`` that Telegram carried out: what that chat sees."""
    return [c for c in fake.calls if c.method == method and c.ok and c.params.get("chat_id") == chat_id]


def assert_each_answered_once(bot: TestBot, users: list[User] = USERS) -> None:
    for user in users:
        answers = delivered(bot.fake, user.id)
        assert len(answers) == 1, (user.id, [a.result["text"][:40] for a in answers])
        assert answers[0].result["text"].startswith(ANSWER)


@pytest.fixture
async def bot(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    isolate_env(monkeypatch)
    async with running_bot(engine, rate_limit=False, read_timeout=READ_TIMEOUT, poll_timeout=1) as b:
        yield b


async def recovered(bot: TestBot) -> None:
    """The bot still answers, normally, once the fault is over."""
    assert bot.fake.pending_faults() == 0, "every injected fault was hit"
    ex = await bot.send_text(QUESTION)
    assert ex.reply["text"].startswith(ANSWER)
    assert bot.app.running and bot.stats.errors == 0


# -- faults after which Telegram did nothing: retried, answered exactly once ------------------------


@pytest.mark.parametrize(
    ("fault", "times"),
    [(HTTP_500, 3), (HTTP_502, 3), (PROXY_PAGE, 3), (DROP, 3), (too_many_requests(1), 1)],
    ids=["http-500", "http-502", "proxy-html-page", "dropped-connection", "429-retry-after"],
)
async def test_messages_sent_during_a_send_fault_are_all_answered_once(bot: TestBot, fault: Fault, times: int) -> None:
    bot.fake.inject("sendMessage", fault, times)
    await bot.send_all(questions(bot.fake))
    assert_each_answered_once(bot)
    assert bot.stats.retries == times and bot.stats.possible_duplicates == 0 and bot.stats.undelivered == 0
    await recovered(bot)


async def act(bot: TestBot, method: str) -> Call:
    """Make the bot call ``method`` once, the way users make it; return the call that finally worked."""
    if method == "answerCallbackQuery":
        message = (await bot.send_text(QUESTION)).reply
        ex = await bot.press_data(message, "e:fall-of-assad")
        assert ex.reply["text"].startswith("الدليل")
    elif method == "editMessageText":
        message = (await bot.send_text(QUESTION)).reply
        ex = await bot.press_data(message, "t:0")  # turns the briefing into the topics page
    else:
        ex = await bot.send_inline("الأسد")
    (done,) = [c for c in ex.of(method) if c.ok]
    return done


@pytest.mark.parametrize("method", ["answerCallbackQuery", "editMessageText", "answerInlineQuery"])
@pytest.mark.parametrize("fault", [HTTP_500, DROP, PROXY_PAGE], ids=["http-500", "dropped", "proxy-page"])
async def test_other_calls_are_retried_too(bot: TestBot, method: str, fault: Fault) -> None:
    """Button answers, page edits and inline answers: done once, whatever failed before."""
    bot.fake.inject(method, fault, 2)
    done = await act(bot, method)
    assert done.fault is None and bot.stats.retries == 2
    await recovered(bot)


@pytest.mark.parametrize("method", ["getMe", "deleteWebhook", "setMyCommands"])
async def test_start_up_survives_faults(engine: Engine, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """The bot's first calls fail (Telegram down while it starts): it starts anyway, menu registered."""
    isolate_env(monkeypatch)

    def break_start_up(fake: FakeBotAPI) -> None:
        fake.inject(method, HTTP_500, 2)
        fake.inject(method, DROP, 1)

    async with running_bot(engine, before_start=break_start_up) as bot:
        assert bot.fake.commands, "the command menu was registered"
        assert bot.stats.retries == 3
        await recovered(bot)


async def test_typing_is_not_retried_and_never_delays_the_answer(bot: TestBot) -> None:
    """«typing…» is cosmetic and wrong once late: a failed one is skipped, the answer still goes out.

    The answers are held at the server, so each chat's «typing…» goes out (and fails) meanwhile —
    sooner than in production, for it to come before this fixture's client gives up on the answers.
    """
    bot.handlers.typing_delay = READ_TIMEOUT / 10
    bot.fake.inject("sendChatAction", HTTP_500, len(USERS))
    bot.fake.hold("sendMessage")
    uids = [bot.fake.push(q) for q in questions(bot.fake)]
    for user in USERS:
        await bot.fake.wait_for(
            lambda c, chat_id=user.id: c.method == "sendChatAction" and c.params["chat_id"] == chat_id
        )
    bot.fake.release()
    for uid in uids:
        await bot.handled(uid)
    assert_each_answered_once(bot)
    assert len([c for c in bot.fake.calls if c.method == "sendChatAction"]) == len(USERS), "none retried"
    assert bot.stats.retries == 0
    await recovered(bot)


async def test_rate_limiter_waits_out_429s(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PTB's AIORateLimiter on (production), it handles 429: our layer lets the 429 through to it."""
    isolate_env(monkeypatch)
    async with running_bot(engine, rate_limit=True) as bot:
        bot.fake.inject("sendMessage", too_many_requests(1))
        ex = await bot.send_text(QUESTION)
        assert [c.status for c in ex.sent] == [0, 200]
        assert ex.reply["text"].startswith(ANSWER)
        assert bot.stats.retries == 0, "the rate limiter retried, not bot.retry"
        await recovered(bot)


async def test_an_outage_longer_than_the_budget_loses_one_answer_visibly(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Bounded means bounded: past the budget the answer is given up, counted and logged — not retried for ever."""
    caplog.set_level(logging.INFO, logger="bot")
    bot.fake.inject("sendMessage", HTTP_500, FAST_RETRY.attempts)
    ex = await bot.send_text(QUESTION)
    assert not ex.replies and len(ex.sent) == FAST_RETRY.attempts
    assert bot.stats.undelivered == 1
    assert any("gave up after 6 attempt(s)" in r.getMessage() for r in caplog.records)
    assert any("is lost" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    bot.stats.errors = 0  # the lost answer went through the error handler, as it should
    await recovered(bot)


# -- faults after which Telegram may have acted: the duplicate-send policy --------------------------


@pytest.mark.parametrize(
    ("fault", "copies"),
    [
        (SLOW, 2),  # Telegram sent it, the response came too late: the re-send is a duplicate
        (SLOW_LOST, 1),  # the request was lost: the re-send is the only copy
        (Fault("malformed", 200, after=True), 2),
        (MALFORMED, 1),
    ],
    ids=["timeout-accepted", "timeout-lost", "garbled-200-accepted", "garbled-200-lost"],
)
async def test_a_message_whose_fate_is_unknown_is_sent_again_once_and_counted(
    bot: TestBot, caplog: pytest.LogCaptureFixture, fault: Fault, copies: int
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    bot.fake.inject("sendMessage", fault)
    await bot.send_text(QUESTION)
    answers = delivered(bot.fake, PRIVATE.id)
    assert len(answers) == copies and all(a.result["text"].startswith(ANSWER) for a in answers)
    assert bot.stats.possible_duplicates == 1 and bot.stats.undelivered == 0
    (warning,) = [r.getMessage() for r in caplog.records if "may see this message twice" in r.getMessage()]
    assert warning.startswith("sendMessage:")
    await recovered(bot)


async def test_at_most_one_resend_after_an_unknown_fate(bot: TestBot, caplog: pytest.LogCaptureFixture) -> None:
    """Telegram accepting but never answering: two copies at most, then the bot stops and says so."""
    caplog.set_level(logging.WARNING, logger="bot")
    bot.fake.inject("sendMessage", Fault("malformed", 200, after=True), 2)
    await bot.send_text(QUESTION)
    assert len(delivered(bot.fake, PRIVATE.id)) == 2
    assert bot.stats.possible_duplicates == 1 and bot.stats.undelivered == 1
    assert any("is lost" in r.getMessage() for r in caplog.records)
    bot.stats.errors = 0  # the give-up reached the error handler, as it should
    await recovered(bot)


@pytest.mark.parametrize("method", ["answerCallbackQuery", "answerInlineQuery"])
async def test_a_repeated_answer_that_telegram_calls_too_old_counts_as_done(bot: TestBot, method: str) -> None:
    """Answering a query is harmless to repeat: «query is too old» after a timed-out first answer means it worked."""
    bot.fake.inject(method, SLOW)
    if method == "answerCallbackQuery":
        message = (await bot.send_text(QUESTION)).reply
        ex = await bot.press_data(message, "e:fall-of-assad")
        assert ex.reply["text"].startswith("الدليل"), "the evidence still follows the (slow) answer"
    else:
        ex = await bot.send_inline("الأسد")
    answers = ex.of(method)
    assert [c.ok for c in answers] == [True, False] and "too old" in (answers[1].error or "")
    assert bot.stats.possible_duplicates == 0 and bot.stats.errors == 0
    bot.fake.rejected.clear()  # Telegram's refusal of the repeat, which the bot took as success
    await recovered(bot)


# -- getUpdates failing ------------------------------------------------------------------------------


async def fail_polling(bot: TestBot, faults: list[Fault]) -> list[int]:
    """Make the bot's next getUpdates calls fail with ``faults``; queue questions meanwhile; wait for answers.

    The next poll is held at the gate (an update wakes the one in progress, if any), so the
    faults certainly hit the polls that would deliver the questions.
    """
    bot.fake.hold("getUpdates")
    uids = [bot.fake.push({"message": bot.fake.user_message(PRIVATE, USER, "تمهيد")})]
    await bot.fake.wait_parked(1)
    for fault in faults:
        bot.fake.inject("getUpdates", fault)
    uids += [bot.fake.push(u) for u in questions(bot.fake)]
    bot.fake.release("getUpdates")
    for uid in uids:
        await bot.handled(uid, timeout=30)
    return uids


async def test_polling_failing_for_a_while_loses_nothing(bot: TestBot) -> None:
    """PTB's updater retries getUpdates itself (1 s, then ×1.5): every question queued meanwhile is answered."""
    await fail_polling(bot, [DROP, MALFORMED, HTTP_500])
    assert_each_answered_once(bot)
    await recovered(bot)


async def test_slow_and_rate_limited_polling_loses_nothing(bot: TestBot) -> None:
    """A long poll whose response never comes (the updates were handed out!) and a 429: nothing lost or doubled."""
    await fail_polling(bot, [SLOW, too_many_requests(1)])
    assert_each_answered_once(bot)
    await recovered(bot)


# -- the policy itself -------------------------------------------------------------------------------


def test_backoff_is_exponential_bounded_and_jittered() -> None:
    policy = RetryPolicy()
    for n in range(1, 12):
        ceiling = min(policy.max_delay, policy.first_delay * 2 ** (n - 1))
        assert ceiling / 2 <= policy.delay(n) <= ceiling
    assert sum(min(policy.max_delay, policy.first_delay * 2**n) for n in range(policy.attempts - 1)) <= 16


@pytest.mark.parametrize(
    ("method", "idempotent"),
    [
        ("sendMessage", False),
        ("sendPhoto", False),
        ("forwardMessage", False),
        ("copyMessage", False),
        ("sendChatAction", True),
        ("answerCallbackQuery", True),
        ("editMessageText", True),
        ("setMyCommands", True),
    ],
)
def test_which_calls_are_safe_to_repeat(method: str, idempotent: bool) -> None:
    assert retry.is_idempotent(method) is idempotent


@pytest.mark.parametrize(
    ("code", "body", "limiter_off", "kind"),
    [
        (200, b'{"ok":true,"result":true}', False, None),
        (200, b'{"ok":true,"res', False, Kind.AMBIGUOUS),
        (500, b'{"ok":false}', False, Kind.UNSENT),
        (502, b"<html>Bad Gateway</html>", False, Kind.UNSENT),
        (429, b'{"ok":false,"parameters":{"retry_after":3}}', True, Kind.RETRY_AFTER),
        (429, b'{"ok":false,"parameters":{"retry_after":3}}', False, None),  # AIORateLimiter's job
        (400, b'{"ok":false,"description":"Bad Request: chat not found"}', False, None),
        (403, b'{"ok":false}', False, None),
        (404, b"<html>nope</html>", False, None),
    ],
)
def test_responses_are_classified(code: int, body: bytes, limiter_off: bool, kind: Kind | None) -> None:
    failure = retry.classify_response(code, body, limiter_off)
    assert (failure.kind if failure else None) is kind
    if kind is Kind.RETRY_AFTER:
        assert failure is not None and failure.wait == 3


# -- shutdown ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_shutdown_answers_every_fetched_update_then_exits_cleanly(sig: signal.Signals) -> None:
    """A signal while answers are in flight: every fetched update is still answered, then exit 0.

    The answers are held at the fake server, so they are provably in flight when the signal
    arrives, and let through only once the bot has logged that it is stopping.
    """
    async with FakeBotAPI(TOKEN) as fake:
        fake.hold("sendMessage")
        env = bot_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url, BOT_RATE_LIMIT="off")
        async with running(env, watch="Application is stopping") as bot:
            await fake.wait_for(lambda c: c.method == "setMyCommands", PROCESS_TIMEOUT)
            uids = [fake.push(u) for u in questions(fake)]
            await fake.wait_parked(len(USERS))
            bot.proc.send_signal(sig)
            await asyncio.wait_for(bot.seen.wait(), TIMEOUT)
            assert not [c for c in fake.calls if c.method == "sendMessage"], "every answer is still in flight"
            fake.release()
            assert await asyncio.wait_for(bot.proc.wait(), TIMEOUT) == 0
    log = "".join(bot.log)
    for user in USERS:
        assert len(delivered(fake, user.id)) == 1, log
    assert fake.confirmed > max(uids), "fetched updates were confirmed: a restart will not answer them again"
    assert " ERROR " not in log and "Traceback" not in log, log
    assert not fake.rejected


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (aiohttp.ClientOSError(111, "refused"), Kind.UNSENT),  # Telegram unreachable: nothing was sent
        (aiohttp.ConnectionTimeoutError("slow connect"), Kind.UNSENT),
        (aiohttp.ServerDisconnectedError("closed without a response"), Kind.UNSENT),
        (aiohttp.ClientOSError(104, "reset"), Kind.UNSENT),
        (aiohttp.ClientPayloadError("response cut off"), Kind.UNSENT),
        (aiohttp.SocketTimeoutError("no response"), Kind.AMBIGUOUS),  # sent, but did Telegram act?
    ],
)
def test_transport_errors_are_classified(cause: Exception, kind: Kind) -> None:
    error = TimedOut() if isinstance(cause, TimeoutError) else NetworkError(str(cause))
    error.__cause__ = cause
    failure = retry.classify_exception(error)
    assert failure is not None and failure.kind is kind


def test_errors_that_are_not_the_network_are_not_retried() -> None:
    """E.g. text that cannot be encoded: PTB wraps it as NetworkError, but repeating it cannot help."""
    error = NetworkError("Unknown error in HTTP implementation: UnicodeEncodeError(...)")
    error.__cause__ = UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    assert retry.classify_exception(error) is None


async def test_a_request_telegram_never_reads_times_out() -> None:
    """aiohttp has no write timeout and starts its read timeout only once the body is out: a body the
    server never reads must still time out (connect + write + read), as "Telegram may have acted"."""
    held: list[asyncio.StreamWriter] = []

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keep the connection open, and read nothing

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(1, read_timeout=0.2)
    body = RequestData([RequestParameter("text", "ا" * 8_000_000, None)])  # 16 MB: more than loopback buffers
    try:
        with pytest.raises(TimedOut) as caught:
            await asyncio.wait_for(
                request.do_request(
                    f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage",
                    "POST",
                    body,
                    connect_timeout=0.2,
                    write_timeout=0.2,
                ),
                TIMEOUT,
            )
    finally:
        await request.shutdown()
        for writer in held:
            writer.close()
        server.close()
    failure = retry.classify_exception(caught.value)
    assert failure is not None and failure.kind is Kind.AMBIGUOUS
