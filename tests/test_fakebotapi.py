"""The fake Bot API itself: it must refuse what Telegram refuses, or the bot tests prove nothing.

Driven through PTB's own ``Bot`` so the requests are exactly what the bot sends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import BadRequest, Forbidden, InvalidToken

from tests.fakebotapi import FakeBotAPI
from tests.harness import PRIVATE, TOKEN, USER, isolate_env


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotAPI]:
    isolate_env(monkeypatch)
    async with FakeBotAPI(TOKEN) as server:
        server.chats[PRIVATE.id] = PRIVATE
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as b:
        yield b


async def test_get_me_and_a_valid_message(bot: Bot, fake: FakeBotAPI) -> None:
    assert bot.username == fake.me.username
    message = await bot.send_message(PRIVATE.id, "<b>مرحبا</b> &amp; أهلا", parse_mode="HTML")
    assert message.text == "مرحبا & أهلا" and message.from_user and message.from_user.id == fake.me.id
    assert fake.calls[-1].params["text"] == "<b>مرحبا</b> &amp; أهلا"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", "can't parse entities"),
        ("<foo>x</foo>", "Unsupported start tag"),
        ("<b>x", "Can't find end tag"),
        ("<b>x</i>", "Unexpected end tag"),
        ("a & b", "Unsupported HTML entity"),
        ("ا" * 4097, "message is too long"),
        ("📄" * 2049, "message is too long"),  # 4098 UTF-16 units
        ("<b> </b>", "message text is empty"),
    ],
)
async def test_html_and_length_are_checked_like_telegram(bot: Bot, fake: FakeBotAPI, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){re.escape(error)}"):
        await bot.send_message(PRIVATE.id, text, parse_mode="HTML")
    assert fake.rejected and fake.rejected[-1].method == "sendMessage"


async def test_4096_characters_after_parsing_are_fine(bot: Bot) -> None:
    await bot.send_message(PRIVATE.id, "<b>" + "ا" * 4096 + "</b>", parse_mode="HTML")


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ب" * 33)]])  # 66 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(PRIVATE.id, "x", reply_markup=markup)


async def test_unknown_chats_blocked_users_and_wrong_tokens(bot: Bot, fake: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "x")
    fake.blocked.add(PRIVATE.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked"):
        await bot.send_message(PRIVATE.id, "x")
    other = Bot("111111111:" + "B" * 35, base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await other.initialize()
    await other.shutdown()


async def test_editing_a_message_into_itself_is_refused(bot: Bot) -> None:
    message = await bot.send_message(PRIVATE.id, "<b>صفحة</b>", parse_mode="HTML")
    await bot.edit_message_text("<b>صفحة 2</b>", PRIVATE.id, message.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>صفحة 2</b>", PRIVATE.id, message.message_id, parse_mode="HTML")


def article(rid: str, title: str = "عنوان") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(rid, title, InputTextMessageContent("<b>نص</b>", parse_mode="HTML"))


async def test_inline_answers_are_checked(bot: Bot, fake: FakeBotAPI) -> None:
    def query() -> str:
        return str(fake.inline_query(USER, "q")["id"])

    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query(), [article(str(n)) for n in range(51)])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query(), [article("1"), article("1")])
    with pytest.raises(BadRequest, match=r"(?i)RESULT_TITLE_EMPTY"):
        await bot.answer_inline_query(query(), [article("1", title=" ")])
    qid = query()
    assert await bot.answer_inline_query(qid, [article(str(n)) for n in range(50)])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(qid, [])


async def test_a_callback_query_is_answered_once(bot: Bot, fake: FakeBotAPI) -> None:
    message = await bot.send_message(PRIVATE.id, "x")
    qid = fake.callback_query(USER, fake.message(PRIVATE.id, message.message_id), "e:x")["id"]
    assert await bot.answer_callback_query(qid)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(qid)


async def test_get_updates_follows_offsets_and_long_polls(bot: Bot, fake: FakeBotAPI) -> None:
    ids = [fake.push({"message": fake.user_message(PRIVATE, USER, f"رسالة {n}")}) for n in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=0)] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:], "confirmed updates are forgotten"
    assert [u.update_id for u in await bot.get_updates(offset=0)] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()

    waiting = asyncio.create_task(bot.get_updates(offset=ids[2] + 1, timeout=30))
    await asyncio.wait_for(fake.long_polling.wait(), 10)  # the request is parked on the server
    late = fake.push({"message": fake.user_message(PRIVATE, USER, "متأخرة")})
    updates = await asyncio.wait_for(waiting, 10)  # returns as soon as the update arrives, not after 30 s
    assert [u.update_id for u in updates] == [late]


async def test_allowed_updates_filter_what_is_delivered(bot: Bot, fake: FakeBotAPI) -> None:
    fake.push({"inline_query": fake.inline_query(USER, "x")})
    text = fake.push({"message": fake.user_message(PRIVATE, USER, "نص")})
    assert [u.update_id for u in await bot.get_updates(allowed_updates=["message"])] == [text]


async def test_json_bodies_work_too(fake: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{fake.base_url}{TOKEN}/sendMessage", json={"chat_id": PRIVATE.id, "text": "نص"})
        assert r.json()["ok"] is True and r.json()["result"]["text"] == "نص"
        r = await client.post(f"{fake.base_url}{TOKEN}/noSuchMethod", json={})
        assert r.status_code == 404 and r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
