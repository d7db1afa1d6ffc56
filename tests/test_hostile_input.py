"""Hostile and odd input, property-based: whatever people (or modified clients) send, the bot answers
with HTML that the strict fake accepts, within Telegram's limits, and no handler raises.

One bot serves all examples of a test (starting one per example would cost more than the
examples); after each example the fake must have rejected nothing and the error handler must
not have run. Example counts come from the hypothesis profile in ``conftest.py`` (modest in
``make test``; ``HYPOTHESIS_PROFILE=thorough`` for a long exploration).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import keyboards, texts
from bot.engine import Engine
from tests.fakebotapi import TEXT_LIMIT, Chat, User, utf16_len
from tests.harness import ADMIN, ADMIN_CHAT, GROUP, PRIVATE, USER, TestBot, isolate_env, running_bot

# -- what people type ------------------------------------------------------------------------------

BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
COMBINING = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0301\u0308\u20dd"
EMOJI = ["📄", "🙂", "👨\u200d👩\u200d👧", "🇮🇶", "👍🏽", "❤️", "🏳️\u200d🌈", "🫠"]
HTML_SPECIALS = "<>&\"'"
MARKDOWN_SPECIALS = "*_`[]()~>#+-=|{}.!\\"
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u0085\u2028\u2029"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى"
ARABIC_PUNCT = "؟،؛٪ـ«»"
DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
WORDS = [
    "سقوط",
    "الأسد",
    "نظام",
    "هيئة تحرير الشام",
    "HTS",
    "الحشد الشعبي",
    "القائم",
    "Assad",
    "2024",
    "<b>",
    "</i>",
    "&amp;",
    "&",
    "@mojaz_test_bot",
    "/brief",
    "https://example.org/?a=1&b=<2>",
]

odd_piece = st.one_of(
    st.sampled_from(BIDI + ZERO_WIDTH + COMBINING + HTML_SPECIALS + MARKDOWN_SPECIALS + CONTROLS + ARABIC_PUNCT),
    st.sampled_from(EMOJI),
    st.sampled_from(ARABIC),
    st.sampled_from(DIGITS),
    st.sampled_from(LATIN),
    st.characters(),  # anything else in Unicode
    st.characters(categories=["Cs"]),  # a lone surrogate, as a JSON \\u escape can carry one
)


def strings(pieces: st.SearchStrategy[str], min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings joined from ``pieces`` (an emoji sequence or a flag is one piece but several code points)."""
    return st.lists(pieces, min_size=min_size, max_size=max_size).map("".join)


word = st.one_of(st.sampled_from(WORDS), strings(odd_piece, 1, 12))
mixed = st.lists(st.one_of(word, st.sampled_from([" ", "\n", "  ", "\t"])), max_size=24).map("".join)
only_punctuation = st.text(st.sampled_from("!?.,;:-()[]{}«»؟،؛…—'\"/\\|*&<>#@%^~"), min_size=1, max_size=40)
only_digits = st.text(st.sampled_from(DIGITS), min_size=1, max_size=30)
latin = st.text(st.sampled_from(LATIN + " "), min_size=1, max_size=60)


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units (Telegram's measure), never splitting a surrogate pair."""
    while utf16_len(text) > limit:
        text = text[: -max(1, (utf16_len(text) - limit) // 2)]
    return text


def as_telegram_delivers(text: str) -> str:
    """Telegram trims a message and does not deliver an empty one."""
    return text.strip()


# Full-length messages: a generated piece repeated to Telegram's 4096 UTF-16 units.
full_length = strings(odd_piece, 1, 40).map(lambda s: fit(s * (2 * TEXT_LIMIT // len(s) + 1), 4096))
message_text = (
    st.one_of(mixed, only_punctuation, only_digits, latin, strings(odd_piece, 1, 200))
    .map(as_telegram_delivers)
    .filter(bool)
)


@pytest.fixture
async def bot(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    isolate_env(monkeypatch)
    async with running_bot(engine, rate_limit=False) as b:
        yield b


def assert_no_trouble(bot: TestBot, what: object) -> None:
    """Telegram accepted every call, and no handler raised (the error handler never ran)."""
    rejected = [(c.method, c.error, str(c.params.get("text", ""))[:200]) for c in bot.fake.rejected]
    bot.fake.rejected.clear()
    errors, bot.stats.errors = bot.stats.errors, 0
    assert not rejected, (what, rejected)
    assert errors == 0, (what, "a handler raised: see the log")


def is_command(text: str) -> bool:
    return text.startswith("/")


# -- messages --------------------------------------------------------------------------------------


# Inputs that once broke the bot (or would break a careless one), always tried first.
NASTY = [
    "\ud800",  # a lone surrogate: cannot be encoded, so it must never be echoed or stored as is
    "وصفة \udfff الكبسة",
    "\x00",
    "<b>سقوط</b> & الأسد </i> &amp; <script>",
    "\u202e\u2067HTS\u2069 متى سقط الأسد؟",
    "👨\u200d👩\u200d👧 ١٢٣ ؟؟؟",
    "*_`[x](tg://user?id=1)`_*",
]


@example(text=NASTY[0])
@example(text=NASTY[1])
@example(text=NASTY[2])
@example(text=NASTY[3])
@example(text=NASTY[4])
@given(text=message_text)
async def test_any_private_message_gets_a_valid_reply(bot: TestBot, text: str) -> None:
    ex = await bot.send_text(text)
    assert_no_trouble(bot, text)
    if not is_command(text):
        assert ex.replies, f"no reply to {text!r}"
        assert all(utf16_len(r["text"]) <= TEXT_LIMIT for r in ex.replies)


@settings(max_examples=8)
@example(text="ا" * 4096)
@example(text="📄" * 2048)
@example(text="<&>" * 1365)
@example(text=("متى سقط نظام الأسد؟ " * 300)[:4096].strip())
@given(text=full_length.map(as_telegram_delivers).filter(bool))
async def test_a_full_length_message_gets_a_valid_reply(bot: TestBot, text: str) -> None:
    ex = await bot.send_text(text)
    assert_no_trouble(bot, text[:80])
    if not is_command(text):
        assert ex.replies


@example(text=NASTY[0])
@example(text=NASTY[4])
@given(text=message_text)
async def test_any_group_mention_or_reply_gets_a_valid_reply(bot: TestBot, text: str) -> None:
    mention = await bot.send_text(f"@{bot.username} {text}", chat=GROUP)
    assert_no_trouble(bot, text)
    assert mention.replies
    chatter = await bot.send_text(text, chat=GROUP)
    assert_no_trouble(bot, text)
    if not is_command(text) and f"@{bot.username}".lower() not in text.lower():
        assert not chatter.sent, "in groups the bot speaks only when spoken to"


# -- commands with arguments -----------------------------------------------------------------------

COMMANDS = ["start", "help", "topics", "brief", "search", "timeline", "who", "sources"]


@example(command="search", args="\ud83d الأسد", in_group=False)
@example(command="who", args=NASTY[3], in_group=True)
@example(command="brief", args="\x00", in_group=False)
@example(command="timeline", args="٢٠٢٤", in_group=False)
@example(command="search", args="ا" * 4000, in_group=False)
@given(command=st.sampled_from(COMMANDS), args=message_text, in_group=st.booleans())
async def test_any_command_argument_gets_a_valid_reply(bot: TestBot, command: str, args: str, in_group: bool) -> None:
    chat, suffix = (GROUP, bot.username) if in_group else (PRIVATE, None)
    ex = await bot.send_command(command, args, chat=chat, suffix=suffix)
    assert_no_trouble(bot, (command, args))
    assert ex.replies, f"no reply to /{command} {args!r}"


@example(payload="\ud800")
@given(payload=st.one_of(message_text, st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_-"), max_size=64)))
async def test_any_deep_link_payload_gets_a_valid_reply(bot: TestBot, payload: str) -> None:
    ex = await bot.send_command("start", "brief_" + payload)
    assert_no_trouble(bot, payload)
    assert ex.replies


@example(command="why", args=NASTY[1], admin=True)
@given(command=st.sampled_from(["why", "stats", "reload"]), args=message_text, admin=st.booleans())
async def test_admin_commands_with_any_argument(bot: TestBot, command: str, args: str, admin: bool) -> None:
    if command == "reload":
        args = ""  # re-reading the briefs for every example is slow and tested elsewhere
    user, chat = (ADMIN, ADMIN_CHAT) if admin else (USER, PRIVATE)
    ex = await bot.send_command(command, args, chat=chat, user=user)
    assert_no_trouble(bot, (command, args))
    assert ex.replies
    if not admin:
        assert ex.reply["text"] == texts.NOT_ADMIN


# -- inline queries --------------------------------------------------------------------------------


@example(query="\ud800")
@example(query="<" * 256)
@given(query=st.one_of(message_text, full_length).map(lambda q: fit(q, 256)))
async def test_any_inline_query_gets_a_valid_answer(bot: TestBot, query: str) -> None:
    ex = await bot.send_inline(query)
    assert_no_trouble(bot, query)
    answer = ex.inline
    assert len(answer["results"]) <= 10


# -- callback data ---------------------------------------------------------------------------------

VALID_DATA = ["e:fall-of-assad", "m:fall-of-assad:0.1", "r:hts", "b:al-qaim", "t:0", "y:all:0", "y:2024:0"]


def mutate(data: str, position: int, replacement: str) -> str:
    position %= len(data) + 1
    return data[:position] + replacement + data[position + 1 :]


callback_data = st.one_of(
    strings(odd_piece, max_size=64),  # forged by a modified client
    strings(odd_piece, min_size=65, max_size=200),  # oversized
    st.builds(mutate, st.sampled_from(VALID_DATA), st.integers(0, 40), strings(odd_piece, max_size=3)),  # tampered
    st.sampled_from(VALID_DATA),  # genuine
    st.builds(lambda n: f"t:{n}", st.integers(0, 9999)),  # a stale page number
)


@example(data="e:fall-of-assad\ud800", in_group=False)
@example(data="b:" + "a" * 62, in_group=False)
@example(data="t:99999", in_group=True)
@given(data=callback_data, in_group=st.booleans())
async def test_any_callback_data_gets_a_polite_answer(bot: TestBot, data: str, in_group: bool) -> None:
    chat = GROUP if in_group else PRIVATE
    message = bot.fake.user_message(chat, User(bot.fake.me.id, "موجز", bot.username, is_bot=True), "رسالة من البوت")
    ex = await bot.press_data(message, data)
    # Telegram refuses an edit into the same text: the bot expects that and carries on.
    bot.fake.rejected[:] = [c for c in bot.fake.rejected if "not modified" not in (c.error or "")]
    assert_no_trouble(bot, data)
    assert len(ex.of("answerCallbackQuery")) == 1, "every press is answered exactly once"
    if keyboards.parse(data) is None:
        assert ex.answer["text"] == texts.STALE_BUTTON and not ex.sent


# -- odd senders -----------------------------------------------------------------------------------


@given(name=message_text, username=st.one_of(st.none(), st.text(st.sampled_from(LATIN + "_0123456789"), min_size=5)))
async def test_any_sender_name_is_harmless(bot: TestBot, name: str, username: str | None) -> None:
    user = User(7007, name, username)
    ex = await bot.send_text("متى سقط نظام الأسد؟", chat=Chat(user.id, "private", first_name=name), user=user)
    assert_no_trouble(bot, name)
    assert ex.replies


async def test_a_question_with_a_lone_surrogate_does_not_poison_stats(bot: TestBot) -> None:
    """Not-found questions are shown to admins in /stats; one that cannot be encoded broke it for good."""
    await bot.send_text("وصفة \udfff الكبسة")
    await bot.send_command("search", "\ud83d الكبسة")
    text = (await bot.send_command("stats", chat=ADMIN_CHAT, user=ADMIN)).reply["text"]
    assert "«وصفة \ufffd الكبسة» ×1" in text
    assert_no_trouble(bot, "stats")


async def test_a_huge_question_is_searched_on_its_first_words(bot: TestBot) -> None:
    """A 4096-character message costs no more search than its first ``search.MAX_QUERY`` characters."""
    question = "متى سقط نظام الأسد؟ " + "كلمة" * 1000
    ex = await bot.send_text(fit(question, 4096))
    assert ex.reply["text"].startswith("سقوط نظام الأسد")
    assert_no_trouble(bot, "huge")
