"""The Telegram layer's small parts: callback data, log redaction, counters, and message splitting."""

from __future__ import annotations

import base64
import json
import logging
import random
import re

import pytest
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot import keyboards, logsafe, render, transport
from bot.briefs import Snapshot
from bot.engine import Engine
from bot.schema import Brief, Fact
from bot.search import Result
from bot.stats import MAX_DISTINCT, Stats
from tests.fakebotapi import ApiError, parse_html, utf16_len
from tests.harness import TOKEN, readable
from tests.test_render import HOSTILE, hostile_hit

# -- callback data ---------------------------------------------------------------------------------


def test_callback_data_round_trips_within_64_bytes(engine: Engine) -> None:
    for brief in engine.snapshot.briefs:
        ref = keyboards.ref(brief.id)
        for action in ("open", "evidence", "related"):
            data = keyboards.encode(action, ref)
            assert len(data.encode()) <= 64
            assert keyboards.parse(data) == keyboards.Callback(action, ref=ref)
            assert keyboards.resolve(ref, engine.snapshot) is brief
        more = keyboards.encode("more", ref, shown=(0, 2, 5))
        assert keyboards.parse(more) == keyboards.Callback("more", ref=ref, shown=(0, 2, 5))
    assert keyboards.parse(keyboards.encode("topics", page=12)) == keyboards.Callback("topics", page=12)
    assert keyboards.parse(keyboards.encode("timeline", "2024", 3)) == keyboards.Callback("timeline", "2024", 3)
    assert keyboards.parse("y:all:0") == keyboards.Callback("timeline", "all", 0)


def test_long_brief_ids_travel_as_a_hash() -> None:
    long_id = "-".join(["a-very-long-slug"] * 5)[:80].rstrip("-")
    fact = Fact(text="نص", evidence="نص طويل بما يكفي ليكون دليلا", source="000")
    brief = Brief(id=long_id, kind="topic", title="عنوان", summary="ملخص.", facts=(fact,))
    snapshot = Snapshot(briefs=(brief,), sources={}, version="v1")
    ref = keyboards.ref(long_id)
    assert ref.startswith("_") and len(ref) == 13
    data = keyboards.encode("more", ref, shown=tuple(range(10)))
    assert len(data.encode()) <= 64 and keyboards.parse(data) is not None
    assert keyboards.resolve(ref, snapshot) is brief
    assert keyboards.resolve("_000000000000", snapshot) is None
    assert len(f"brief_{ref}") <= 64, "deep-link payloads are limited to 64 characters"


def test_parse_never_raises_on_garbage() -> None:
    rng = random.Random(4)
    alphabet = "bemrt:._-0123456789az\x00\u202e🙂\ud800 ".replace("", "|").split("|")[1:-1]
    samples: list[object] = [None, 5, b"e:x", "", ":", "t:", "t:00001", "m:a:1.2.3.4.5.6.7.8.9.10.11", "e:" + "a" * 70]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    for data in samples:
        parsed = keyboards.parse(data)
        if parsed is not None:
            assert isinstance(data, str) and re.fullmatch(r"[bemrty]:[a-z0-9_.:-]*", data)


def test_buttons_say_what_they_do(engine: Engine) -> None:
    brief = engine.snapshot.by_id["fall-of-assad"]
    markup = keyboards.brief_buttons(brief, shown=(0,), more=True, related=True)
    assert [b.text for b in markup.inline_keyboard[0]] == ["الدليل", "المزيد", "ذات صلة"]
    assert keyboards.brief_buttons(brief, more=False, related=False).inline_keyboard[0][0].text == "الدليل"


# -- log redaction ---------------------------------------------------------------------------------


def test_redaction_covers_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logsafe.install(["configured-secret-value"])
    log = logging.getLogger("tests.redaction")
    other = "1234567890:" + "Z" * 35
    with caplog.at_level(logging.DEBUG, logger="tests.redaction"):
        log.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        log.warning(f"literal {other} in the message")
        log.debug("secret %s", "configured-secret-value")
        try:
            raise RuntimeError(f"failed: /bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("request failed")
    assert TOKEN.split(":")[1] not in caplog.text and other not in caplog.text
    assert "configured-secret-value" not in caplog.text
    assert caplog.text.count(logsafe.REDACTED) >= 4
    assert logging.getLogger("httpx").level == logging.WARNING


def test_redaction_leaves_ordinary_numbers_alone() -> None:
    assert logsafe.FILTER.redact("chat -1001234567890 at 12:30, update 42") == "chat -1001234567890 at 12:30, update 42"


# -- stats -------------------------------------------------------------------------------------------


def test_stats_group_spellings_and_stay_bounded() -> None:
    stats = Stats()
    stats.question("ما هي أفضل وصفة للكبسة؟", "not_found")
    stats.question("ما هى افضل  وصفه للكبسه", "not_found")
    stats.question("متى سقط الأسد", "found")
    assert stats.top_missing() == [("ما هي أفضل وصفة للكبسة؟", 2)]
    assert stats.served == 3 and stats.questions["not_found"] == 2
    for n in range(MAX_DISTINCT + 5):
        stats.question(f"سؤال رقم {n}", "not_found")
    assert len(stats.top_missing(MAX_DISTINCT * 2)) <= MAX_DISTINCT
    assert stats.top_missing(1)[0][1] == 2, "the most asked question survives pruning"


# -- rendering for Telegram --------------------------------------------------------------------------


def plain(html: str) -> str:
    return " ".join(parse_html(html).split())


@pytest.mark.parametrize(
    "text",
    [
        "\n\n".join(f"<b>فقرة {n}</b>\n" + "كلمة " * 150 for n in range(40)),
        "\n".join(f"• سطر {n} " + "ن" * 90 + " &amp; &lt;" for n in range(200)),
        "<b>عنوان</b>\n\n<blockquote>" + "اقتباس طويل جدا " * 700 + "</blockquote>\n— المصدر",
        "<i>" + "ب" * 9000 + "</i>",
        "📄 " * 3000,
        '<a href="https://e.x/?a=1&amp;b=2">رابط</a> ' * 400,
    ],
)
def test_split_keeps_every_part_valid_and_within_the_limit(text: str) -> None:
    parts = render.split(text)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= render.TELEGRAM_LIMIT
        parse_html(part)  # raises ApiError if Telegram could not parse it
    assert plain(" ".join(parts)).replace(" ", "") == plain(text).replace(" ", "")


def test_split_prefers_paragraphs() -> None:
    paragraphs = [f"فقرة {n}\n" + "كلمة " * 100 for n in range(30)]
    parts = render.split("\n\n".join(p.strip() for p in paragraphs))
    assert all(part.endswith("كلمة") for part in parts)
    assert all(re.match(r"فقرة \d+", part) for part in parts)


def test_split_leaves_short_text_alone() -> None:
    assert render.split("  <b>قصير</b>\n") == ["<b>قصير</b>"]
    assert render.split("") == []


def test_the_strict_parser_rejects_what_telegram_rejects() -> None:
    for bad in ("a < b", "<foo>x</foo>", "<b>x", "<b>x</i>", "a & b", "<a>x</a>", "x > y", '<b class="x">y</b>'):
        with pytest.raises(ApiError):
            parse_html(bad)
    assert parse_html('<b>a</b> &lt;&amp;&gt; <a href="https://e.x">l</a> &#1575;') == "a <&> l ا"


def test_new_renderers_escape_everything(engine: Engine) -> None:
    hit, sources = hostile_hit(n_facts=4)
    brief = hit.brief
    result = Result(HOSTILE, HOSTILE, (), (hit,), "found", HOSTILE)
    outputs = [
        render.more(brief, (0,), sources, render.HTML),
        render.evidence(brief, sources, render.HTML),
        render.ranked(HOSTILE, [hit], render.HTML),
        render.related(brief, [brief], render.HTML),
        render.timeline([(brief, f) for f in brief.facts], "2024", sources, render.HTML),
        render.sources_list(HOSTILE, sources, {"001": 3}, render.HTML),
        render.why(result, render.HTML),
        render.why(engine.search("متى سقط نظام الأسد؟"), render.HTML),
        render.stats(Stats(), (1, 2, HOSTILE), render.HTML, [(HOSTILE, 3)]),
        render.brief_briefing(brief, brief.facts, sources, render.HTML),
    ]
    for out in outputs:
        for part in render.split(out):
            parse_html(part)
        assert "<script>" not in out


@pytest.mark.parametrize("limit", [600, 1000, 4096])
def test_timeline_pages_fit_and_cover_every_dated_fact(engine: Engine, limit: int) -> None:
    items = engine.snapshot.dated_facts() * 20  # a long chronology
    pages = render.timeline_pages(items, None, engine.snapshot.sources, render.HTML, limit)
    lines = [line for page in pages for line in parse_html(page).splitlines() if line.startswith("• ")]
    assert len(lines) == len(items)
    for n, page in enumerate(pages, 1):
        assert utf16_len(page) <= limit
        assert f"الصفحة {n} من {len(pages)}" in readable(page) or len(pages) == 1
        assert "<b>المصادر:</b>" in page


def test_dates_read_as_the_documents_write_them() -> None:
    assert render.date_label("2024-12-08") == "8 كانون الأول/ديسمبر 2024"
    assert render.date_label("2017-11") == "تشرين الثاني/نوفمبر 2017"
    assert render.date_label("2012") == "2012"


# -- the wire ----------------------------------------------------------------------------------------


def test_json_bodies_are_utf8_and_survive_a_lone_surrogate() -> None:
    """Arabic goes out as UTF-8; text no UTF-8 can carry (a lone surrogate) goes out escaped, not as a crash."""
    arabic = RequestData([RequestParameter("text", "موجز", None), RequestParameter("chat_id", 7, None)])
    assert transport._json_body(arabic) == '{"text": "موجز", "chat_id": 7}'.encode()
    lone = RequestData([RequestParameter("text", "a\ud800b", None)])
    assert json.loads(transport._json_body(lone)) == {"text": "a\ud800b"}


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def test_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY for https, HTTP_PROXY for http, else ALL_PROXY; NO_PROXY hosts go direct; credentials apart."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    telegram = "https://api.telegram.org/bot1:x/sendMessage"
    local = "http://127.0.0.1:8081/bot1:x/sendMessage"
    assert transport.env_proxy(telegram) == (None, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://user%40corp:p%3Ass@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    credentials = {"Proxy-Authorization": "Basic " + base64.b64encode(b"user@corp:p:ss").decode()}
    assert transport.env_proxy(telegram) == ("http://proxy.example:3128", credentials)
    monkeypatch.setenv("ALL_PROXY", "proxy.example:8080")
    assert transport.env_proxy(local) == (None, None)
    assert transport.env_proxy("http://bot-api.internal/bot1:x/getMe") == ("http://proxy.example:8080", None)
