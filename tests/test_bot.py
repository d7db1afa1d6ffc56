"""The Telegram bot end to end: the real Application, over HTTP, against a strict fake Bot API.

Every test talks to the bot the way Telegram does (updates through getUpdates) and asserts on
what reaches the API (sendMessage, editMessageText, answerCallbackQuery, answerInlineQuery…).
The fake server rejects whatever Telegram would reject, and ``running_bot`` fails a test if
anything was rejected or sent without HTML parse mode and disabled link previews.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import handlers, keyboards, texts
from bot.engine import Engine
from tests.conftest import FIXTURE_BRIEFS, SEEDS, SYNONYMS
from tests.fakebotapi import Chat, User
from tests.harness import (
    ADMIN,
    ADMIN_CHAT,
    GROUP,
    PRIVATE,
    USER,
    TestBot,
    buttons,
    isolate_env,
    labels,
    readable,
    running_bot,
    write_long_brief,
)

FOUND = "متى سقط نظام الأسد؟"
AMBIGUOUS = "سوريا"
NOT_FOUND = "كم عمر بشار الأسد؟"
OUT_OF_SCOPE = "ما هي أفضل وصفة للكبسة؟"


@pytest.fixture
async def bot(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    isolate_env(monkeypatch)
    async with running_bot(engine) as b:
        yield b


@pytest.fixture
def long_engine(tmp_path: Path) -> Engine:
    """The fixture briefs plus one brief long enough for «المزيد» and for split messages."""
    folder = tmp_path / "briefs"
    shutil.copytree(FIXTURE_BRIEFS, folder)
    write_long_brief(folder, SEEDS)
    return Engine(folder, SEEDS, SYNONYMS)


@pytest.fixture
async def long_bot(long_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    isolate_env(monkeypatch)
    async with running_bot(long_engine) as b:
        yield b


def precondition(engine: Engine, question: str, decision: str) -> None:
    """Search is tuned elsewhere; say clearly when a test's example question changed its outcome."""
    got = engine.search(question).decision
    assert got == decision, f"search now says {got!r} for {question!r}; pick another example for this test"


# -- start-up and commands -----------------------------------------------------------------------


async def test_startup_registers_the_arabic_menu_and_logs_one_line(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    isolate_env(monkeypatch)
    caplog.set_level(logging.INFO, logger="bot")
    async with running_bot(engine) as bot:
        menu = {c["command"]: c["description"] for c in bot.fake.commands}
    assert list(menu) == list(texts.COMMANDS)
    assert all(re.search(r"[\u0600-\u06ff]", d) for d in menu.values())
    assert not set(menu) & set(texts.ADMIN_COMMANDS), "admin commands stay out of the public menu"
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    snap = engine.snapshot
    assert f"@{bot.username}" in line and f"{len(snap.briefs)} briefs" in line and f"{snap.fact_count} facts" in line
    assert "long polling" in line


async def test_start_welcomes_in_arabic_with_examples(bot: TestBot) -> None:
    reply = (await bot.send_command("start")).reply
    assert reply["text"].startswith("أهلًا بك في موجز")
    assert "متى سقط نظام الأسد؟" in reply["text"] and "/topics" in reply["text"]


async def test_deep_link_opens_the_brief(bot: TestBot) -> None:
    reply = (await bot.send_command("start", "brief_hts")).reply
    assert reply["text"].startswith("هيئة تحرير الشام")
    assert texts.BUTTON_EVIDENCE in labels(reply)


async def test_deep_link_to_an_unknown_brief_explains_and_welcomes(bot: TestBot) -> None:
    reply = (await bot.send_command("start", "brief_no-such-brief")).reply
    assert reply["text"].startswith("لم أجد الموجز") and "أهلًا بك في موجز" in reply["text"]


async def test_help_explains_groups_and_inline_mode(bot: TestBot) -> None:
    text = (await bot.send_command("help")).reply["text"]
    assert f"@{bot.username}" in text and "المجموعات" in text and "/timeline" in text


async def test_admins_see_their_commands_in_help(bot: TestBot) -> None:
    assert "/reload" not in (await bot.send_command("help")).reply["text"]
    assert "/reload" in (await bot.send_command("help", chat=ADMIN_CHAT, user=ADMIN)).reply["text"]


async def test_a_photo_in_private_gets_a_hint_and_in_a_group_silence(bot: TestBot) -> None:
    photo = bot.fake.user_message(PRIVATE, USER, "")
    del photo["text"]
    photo["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    assert (await bot.send({"message": photo})).reply["text"] == texts.TEXT_ONLY
    in_group = bot.fake.user_message(GROUP, USER, "")
    del in_group["text"]
    in_group["photo"] = photo["photo"]
    assert not (await bot.send({"message": in_group})).sent


async def test_topics_are_paginated_with_buttons(bot: TestBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "TOPICS_PER_PAGE", 2)
    first = (await bot.send_command("topics")).reply
    assert "الصفحة 1 من 3" in first["text"]
    assert labels(first)[-1] == texts.BUTTON_NEXT and texts.BUTTON_PREVIOUS not in labels(first)
    seen = labels(first)[:2]

    second = await bot.press_button(first, texts.BUTTON_NEXT)
    assert not second.sent, "pages are edited in place, not sent again"
    (edit,) = second.of("editMessageText")
    assert edit.params["message_id"] == first["message_id"] and "الصفحة 2 من 3" in edit.result["text"]
    assert labels(edit.result)[-2:] == [texts.BUTTON_PREVIOUS, texts.BUTTON_NEXT]
    seen += labels(edit.result)[:2]

    third = await bot.press_button(first, texts.BUTTON_NEXT)
    page3 = third.of("editMessageText")[0].result
    assert "الصفحة 3 من 3" in page3["text"] and texts.BUTTON_NEXT not in labels(page3)
    seen += labels(page3)[:1]
    assert sorted(seen) == sorted(b.title for b in bot_engine(bot).snapshot.briefs)

    back = (await bot.press_button(first, texts.BUTTON_PREVIOUS)).of("editMessageText")[0].result
    assert "الصفحة 2 من 3" in back["text"]

    opened = await bot.press_button(first, labels(back)[0])
    assert "text" not in opened.answer
    assert opened.reply["text"].startswith(labels(back)[0])
    assert texts.BUTTON_EVIDENCE in labels(opened.reply)


def bot_engine(bot: TestBot) -> Engine:
    return bot.app.bot_data["handlers"].engine  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "title"),
    [("HTS", "هيئة تحرير الشام"), ("سقوط الاسد", "سقوط نظام الأسد"), ("القايم", "القائم")],
)
async def test_brief_by_name_alias_or_fuzzy_match(bot: TestBot, query: str, title: str) -> None:
    reply = (await bot.send_command("brief", query)).reply
    assert reply["text"].startswith(title)
    assert texts.BUTTON_EVIDENCE in labels(reply)


async def test_brief_without_a_topic_says_how(bot: TestBot) -> None:
    assert (await bot.send_command("brief")).reply["text"] == texts.USAGE_BRIEF


async def test_brief_out_of_scope_says_not_found(bot: TestBot) -> None:
    assert (await bot.send_command("brief", OUT_OF_SCOPE)).reply["text"].startswith("لم أجد")


async def test_search_lists_ranked_briefs_with_a_button_each(bot: TestBot) -> None:
    reply = (await bot.send_command("search", "سوريا")).reply
    lines = [line for line in reply["text"].splitlines() if re.match(r"\d+\. ", line)]
    assert reply["text"].startswith("نتائج البحث عن «سوريا»") and len(lines) >= 3
    assert [b["text"] for b in buttons(reply)] == [re.sub(r"^\d+\. | — .*$", "", line) for line in lines]
    opened = await bot.press_button(reply, buttons(reply)[0]["text"])
    assert opened.reply["text"].startswith(buttons(reply)[0]["text"])


async def test_search_without_words_says_how(bot: TestBot) -> None:
    assert (await bot.send_command("search")).reply["text"] == texts.USAGE_SEARCH


async def test_timeline_lists_dated_facts_oldest_first(bot: TestBot) -> None:
    text = (await bot.send_command("timeline")).reply["text"]
    years = [int(y) for y in re.findall(r"^• .*?(\d{4})\u2069? —", text, flags=re.M)]
    assert years == sorted(years) and years[0] == 2012 and years[-1] == 2024
    assert "8 كانون الأول/ديسمبر 2024" in readable(text)
    assert "المصادر" in text


async def test_a_long_timeline_is_one_message_with_pages(bot: TestBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "TIMELINE_PAGE_CHARS", 800)
    first = (await bot.send_command("timeline")).reply
    assert "الصفحة 1 من" in readable(first["text"]) and labels(first) == [texts.BUTTON_NEXT]
    pages = [first["text"]]
    while texts.BUTTON_NEXT in labels(current := bot.fake.message(PRIVATE.id, first["message_id"])):
        ex = await bot.press_button(current, texts.BUTTON_NEXT)
        assert not ex.sent
        pages.append(ex.of("editMessageText")[0].result["text"])
    assert len(pages) >= 2 and all("المصادر" in page for page in pages), "each page cites its own documents"
    dates = [line.split(" — ")[0] for page in pages for line in page.splitlines() if line.startswith("• ")]
    assert len(dates) == len(bot_engine(bot).snapshot.dated_facts())
    back = await bot.press_button(bot.fake.message(PRIVATE.id, first["message_id"]), texts.BUTTON_PREVIOUS)
    assert back.of("editMessageText")[0].result["text"] == pages[-2]


async def test_timeline_of_one_year_accepts_arabic_digits(bot: TestBot) -> None:
    text = (await bot.send_command("timeline", "٢٠١٧")).reply["text"]
    assert "لسنة 2017" in readable(text)
    assert "2024" not in text.split("المصادر")[0]


async def test_timeline_of_a_year_without_events_lists_the_years(bot: TestBot) -> None:
    text = (await bot.send_command("timeline", "1999")).reply["text"]
    assert "1999" in text and "2012" in text and "2024" in text


async def test_timeline_with_a_bad_year_says_how(bot: TestBot) -> None:
    assert (await bot.send_command("timeline", "أمس")).reply["text"] == texts.USAGE_TIMELINE


@pytest.mark.parametrize(("name", "title"), [("هيئة تحرير الشام", "هيئة تحرير الشام"), ("مدينة القائم", "القائم")])
async def test_who_finds_organizations_and_places(bot: TestBot, name: str, title: str) -> None:
    assert (await bot.send_command("who", name)).reply["text"].startswith(title)


@pytest.mark.parametrize("name", ["سقوط نظام الأسد", "الأسد"])
async def test_who_does_not_pass_off_an_event_as_a_person(bot: TestBot, name: str) -> None:
    """«الأسد» also appears in a place brief; /who must not answer with the place."""
    reply = (await bot.send_command("who", name)).reply
    assert reply["text"].startswith("/who للأشخاص والتنظيمات والأماكن") and f"«{name}»" in reply["text"]
    assert labels(reply)[0] == "سقوط نظام الأسد", "the event itself is suggested"


async def test_sources_cite_every_document_and_link_only_known_urls(bot: TestBot, engine: Engine) -> None:
    ex = await bot.send_command("sources")
    html = ex.html
    assert html.count("📄") == len(engine.snapshot.sources) == 5
    assert 'href="https://www.noonpost.com/346693"' in html and "العربي الجديد" in html
    assert html.count("<a ") == sum(1 for s in engine.snapshot.sources.values() if s.url)


# -- free text -----------------------------------------------------------------------------------


async def test_a_question_gets_a_sourced_briefing_with_buttons(bot: TestBot, engine: Engine) -> None:
    precondition(engine, FOUND, "found")
    ex = await bot.send_text(FOUND)
    assert [c.method for c in ex.calls if c.method != "getUpdates"] == ["sendMessage"], "ready at once: no «typing…»"
    reply = ex.reply
    assert reply["text"].startswith("سقوط نظام الأسد") and "2024" in reply["text"] and "المصادر" in reply["text"]
    assert labels(reply) == [texts.BUTTON_EVIDENCE, texts.BUTTON_RELATED]  # every fact shown: no «المزيد»
    assert "reply_parameters" not in ex.sent[0].params, "private answers do not quote the question"


async def test_a_slow_answer_shows_typing_until_it_arrives(bot: TestBot) -> None:
    """Telegram is slow to take the answer (held at the server): meanwhile the chat shows «typing…», once."""
    bot.fake.hold("sendMessage")
    mark = len(bot.fake.calls)
    uid = bot.fake.push({"message": bot.fake.user_message(PRIVATE, USER, FOUND)})
    typing = await bot.fake.wait_for(lambda c: c.method == "sendChatAction", since=mark)
    assert typing.ok and typing.params == {"chat_id": PRIVATE.id, "action": "typing"}
    assert bot.fake.parked == 1, "the answer was still on its way"
    bot.fake.release()
    await bot.handled(uid)
    calls = [c for c in bot.fake.calls[mark:] if c.method != "getUpdates"]
    assert [c.method for c in calls] == ["sendChatAction", "sendMessage"]
    assert calls[1].result["text"].startswith("سقوط نظام الأسد")


async def test_evidence_button_quotes_the_documents(bot: TestBot) -> None:
    reply = (await bot.send_text(FOUND)).reply
    ex = await bot.press_button(reply, texts.BUTTON_EVIDENCE)
    assert ex.answer.get("text") is None
    assert "<blockquote>يوم تحرير سوريا في 8 كانون الأول عام 2024</blockquote>" in readable(ex.html)
    assert ex.reply["text"].startswith("الدليل: سقوط نظام الأسد")


async def test_related_button_lists_related_briefs_that_open(bot: TestBot) -> None:
    reply = (await bot.send_text(FOUND)).reply
    related = (await bot.press_button(reply, texts.BUTTON_RELATED)).reply
    assert related["text"].startswith("ذات صلة بـ«سقوط نظام الأسد»")
    assert {"كلفة دعم العراق لنظام الأسد", "هيئة تحرير الشام", "القائم"} <= set(labels(related))
    opened = (await bot.press_button(related, "القائم")).reply
    assert opened["text"].startswith("القائم")


async def test_more_button_shows_the_remaining_facts(long_bot: TestBot) -> None:
    reply = (await long_bot.send_command("brief", "القراءة المطولة")).reply
    assert labels(reply) == [texts.BUTTON_EVIDENCE, texts.BUTTON_MORE, texts.BUTTON_RELATED]
    shown = [line for line in reply["text"].splitlines() if line.startswith("• ")]
    more = await long_bot.press_button(reply, texts.BUTTON_MORE)
    rest = [line for line in more.text.splitlines() if line.startswith("• ")]
    assert more.replies[0]["text"].startswith("المزيد عن: قراءة مطولة")
    assert len(shown) + len(rest) == 12 and not set(shown) & set(rest)


async def test_long_evidence_is_split_into_valid_messages(long_bot: TestBot) -> None:
    reply = (await long_bot.send_command("brief", "القراءة المطولة")).reply
    ex = await long_bot.press_button(reply, texts.BUTTON_EVIDENCE)
    assert len(ex.sent) >= 2, "over 4096 characters of quotes: more than one message"
    assert all(len(c.params["text"]) <= 4096 for c in ex.sent)
    assert ex.text.count("— نون بوست") == 12


async def test_not_found_says_so_and_suggests_up_to_three_briefs(bot: TestBot, engine: Engine) -> None:
    precondition(engine, NOT_FOUND, "not_found")
    reply = (await bot.send_text(NOT_FOUND)).reply
    assert reply["text"].startswith("لم أجد")
    suggestions = labels(reply)
    assert 1 <= len(suggestions) <= 3
    opened = (await bot.press_button(reply, suggestions[0])).reply
    assert opened["text"].startswith(suggestions[0])


async def test_out_of_scope_question_gets_no_buttons(bot: TestBot) -> None:
    reply = (await bot.send_text(OUT_OF_SCOPE)).reply
    assert reply["text"].startswith("لم أجد") and not buttons(reply)


async def test_ambiguous_question_gets_a_pick_list(bot: TestBot, engine: Engine) -> None:
    precondition(engine, AMBIGUOUS, "ambiguous")
    reply = (await bot.send_text(AMBIGUOUS)).reply
    assert reply["text"].startswith("هل تقصد")
    top = [h.brief.title for h in engine.search(AMBIGUOUS).hits[:3]]
    assert labels(reply) == top
    opened = (await bot.press_button(reply, top[1])).reply
    assert opened["text"].startswith(top[1])


async def test_hostile_text_is_answered_with_valid_html(bot: TestBot) -> None:
    ex = await bot.send_text("<b>سقوط</b> & الأسد </i> &amp; <script>")
    assert ex.replies  # accepted by the strict fake (checked again when the bot stops)


# -- groups --------------------------------------------------------------------------------------


async def test_group_chatter_gets_no_reply(bot: TestBot) -> None:
    ex = await bot.send_text(FOUND, chat=GROUP)
    assert [c.method for c in ex.calls if c.method != "getUpdates"] == []


async def test_group_mention_is_answered_without_the_mention(bot: TestBot) -> None:
    ex = await bot.send_text(f"@{bot.username} {FOUND}", chat=GROUP)
    assert not ex.of("sendChatAction"), "no typing in groups: it would spend the 20-per-minute budget"
    reply = ex.reply
    assert reply["text"].startswith("سقوط نظام الأسد")
    assert ex.sent[0].params["reply_parameters"]["message_id"] == reply["reply_to_message"]["message_id"]


async def test_a_slow_answer_in_a_group_shows_no_typing(bot: TestBot) -> None:
    """In a group every request counts against 20 a minute: no «typing…» even while an answer is slow.

    A private question asked just after it, equally slow, shows that the wait was long enough.
    """
    bot.fake.hold("sendMessage")
    mark = len(bot.fake.calls)
    in_group = bot.fake.push({"message": bot.fake.user_message(GROUP, USER, f"@{bot.username} {FOUND}")})
    in_private = bot.fake.push({"message": bot.fake.user_message(PRIVATE, USER, FOUND)})
    await bot.fake.wait_for(lambda c: c.method == "sendChatAction", since=mark)
    await bot.fake.wait_parked(2)
    bot.fake.release()
    await bot.handled(in_group)
    await bot.handled(in_private)
    typing = [c.params["chat_id"] for c in bot.fake.calls[mark:] if c.method == "sendChatAction"]
    assert typing == [PRIVATE.id]
    assert {c.params["chat_id"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"} == {GROUP.id, PRIVATE.id}


async def test_group_mention_in_the_middle_with_other_case(bot: TestBot) -> None:
    reply = (await bot.send_text(f"شنو هي @{bot.username.upper()} هيئة تحرير الشام", chat=GROUP)).reply
    assert reply["text"].startswith("هيئة تحرير الشام")


async def test_bare_group_mention_asks_for_a_question(bot: TestBot) -> None:
    reply = (await bot.send_text(f"@{bot.username}", chat=GROUP)).reply
    assert reply["text"].startswith("نعم؟")


async def test_reply_to_the_bot_in_a_group_is_answered(bot: TestBot) -> None:
    first = (await bot.send_text(f"@{bot.username} {FOUND}", chat=GROUP)).reply
    follow = await bot.send_text("شنو هي هيئة تحرير الشام", chat=GROUP, reply_to=first)
    assert follow.reply["text"].startswith("هيئة تحرير الشام")


async def test_reply_to_someone_else_or_another_bot_mention_stays_silent(bot: TestBot) -> None:
    other = User(4004, "Ali")
    theirs = bot.fake.user_message(GROUP, other, "رأيي أن الأسد سقط")
    ex = await bot.send_text(FOUND, chat=GROUP, reply_to=theirs)
    ex2 = await bot.send_text(f"@some_other_bot {FOUND}", chat=GROUP)
    assert not [c for c in ex.calls + ex2.calls if c.method != "getUpdates"]


async def test_commands_with_the_bot_suffix_work_in_groups(bot: TestBot) -> None:
    ours = await bot.send_command("brief", "HTS", chat=GROUP, suffix=bot.username)
    assert ours.reply["text"].startswith("هيئة تحرير الشام")
    theirs = await bot.send_command("brief", "HTS", chat=GROUP, suffix="some_other_bot")
    assert not theirs.sent


async def test_buttons_work_in_groups(bot: TestBot) -> None:
    reply = (await bot.send_text(f"@{bot.username} {FOUND}", chat=GROUP)).reply
    ex = await bot.press_button(reply, texts.BUTTON_EVIDENCE)
    assert ex.reply["text"].startswith("الدليل:") and ex.sent[0].params["chat_id"] == GROUP.id


# -- inline mode ---------------------------------------------------------------------------------


async def test_inline_query_returns_ranked_briefings_with_deep_links(bot: TestBot, engine: Engine) -> None:
    answer = (await bot.send_inline("الأسد")).inline
    results = answer["results"]
    assert 1 <= len(results) <= 10
    assert answer["cache_time"] == handlers.INLINE_CACHE_SECONDS <= 10
    ids = [r["id"] for r in results]
    assert len(set(ids)) == len(ids) and all(i.startswith(engine.snapshot.version + ".") for i in ids)
    first = results[0]
    assert first["title"] == "سقوط نظام الأسد" and "\n" not in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["link_preview_options"] == {"is_disabled": True}
    assert "<b>المصادر:</b>" in content["message_text"]
    (button,) = [b for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert button["url"] == f"https://t.me/{bot.username}?start=brief_fall-of-assad"


async def test_inline_deep_link_round_trip(bot: TestBot) -> None:
    result = (await bot.send_inline("القائم")).inline["results"][0]
    url = result["reply_markup"]["inline_keyboard"][0][0]["url"]
    payload = url.split("?start=")[1]
    opened = (await bot.send_command("start", payload)).reply
    assert opened["text"].startswith(result["title"])


async def test_empty_inline_query_shows_the_main_topics(bot: TestBot, engine: Engine) -> None:
    results = (await bot.send_inline("")).inline["results"]
    assert {r["title"] for r in results} == {b.title for b in engine.snapshot.briefs}
    kinds = [engine.snapshot.by_id[r["id"].split(".", 1)[1]].kind for r in results]
    assert kinds[: kinds.count("topic") + kinds.count("event")] == sorted(
        [k for k in kinds if k in ("topic", "event")], key=handlers.TOPIC_ORDER.index
    )


async def test_inline_query_with_nothing_found_offers_the_private_chat(bot: TestBot) -> None:
    answer = (await bot.send_inline("وصفة الكبسة")).inline
    assert answer["results"] == []
    assert answer["button"] == {"text": texts.INLINE_NOTHING, "start_parameter": "inline"}


# -- buttons: stale and forged data --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "",
        "x",
        "e:",
        "e:Fall-Of-Assad",
        "q:fall-of-assad",
        "m:fall-of-assad:x",
        "t:-1",
        "t:99999",
        "e:fall-of-assad;DROP TABLE",
        "🙂" * 16,
        "\x00\u202e",
        "b:" + "a" * 62,
    ],
)
async def test_forged_callback_data_gets_a_polite_answer(bot: TestBot, data: str) -> None:
    message = (await bot.send_text(FOUND)).reply
    ex = await bot.press_data(message, data)
    assert ex.answer["text"] in (texts.STALE_BUTTON, texts.BRIEF_GONE)
    assert not ex.sent and not ex.of("editMessageText")
    assert bot_engine_errors(bot) == 0


async def test_a_button_for_a_brief_that_no_longer_exists(bot: TestBot) -> None:
    message = (await bot.send_text(FOUND)).reply
    ex = await bot.press_data(message, keyboards.encode("evidence", "removed-brief"))
    assert ex.answer["text"] == texts.BRIEF_GONE


async def test_a_stale_topics_page_lands_on_the_last_page(bot: TestBot) -> None:
    message = (await bot.send_command("topics")).reply  # one page of eight
    ex = await bot.press_data(message, "t:7")
    assert "text" not in ex.answer
    (edit,) = ex.of("editMessageText")
    assert edit.error and "message is not modified" in edit.error  # the last page is the page shown
    assert bot_engine_errors(bot) == 0, "Telegram's «not modified» is expected and handled"
    bot.fake.rejected.clear()


def bot_engine_errors(bot: TestBot) -> int:
    return bot.app.bot_data["handlers"].stats.errors  # type: ignore[no-any-return]


# -- Telegram refusing -----------------------------------------------------------------------------


async def test_a_user_who_blocked_the_bot_does_not_break_it(bot: TestBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    blocked = Chat(5005, "private", first_name="غائب")
    bot.fake.blocked.add(blocked.id)
    ex = await bot.send_text(FOUND, chat=blocked, user=User(5005, "غائب"))
    assert [c.status for c in ex.sent] == [403]
    assert any("blocked" in r.getMessage() for r in caplog.records if r.name == "bot.handlers")
    bot.fake.rejected.clear()
    assert (await bot.send_text(FOUND, chat=PRIVATE, user=USER)).reply["text"].startswith("سقوط نظام الأسد")
