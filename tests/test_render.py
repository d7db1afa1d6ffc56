"""Rendering: short Arabic briefings, escaped for Telegram HTML, within Telegram's limits."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot import render
from bot.engine import Engine
from bot.schema import Brief, Fact
from bot.search import Hit, Result
from bot.seeds import Source

HOSTILE = "<script>&amp; <b>x</b> a&b > c"


class _Strict(HTMLParser):
    """Accepts only the tags Telegram accepts, and requires them balanced."""

    allowed = frozenset({"b", "i", "a", "blockquote", "code", "pre", "u", "s"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.allowed, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def assert_telegram_html(text: str) -> None:
    parser = _Strict()
    parser.feed(text)
    parser.close()
    assert not parser.stack
    assert len(text) <= render.TELEGRAM_LIMIT
    # no raw '<' or '&' outside tags and entities
    stripped = re.sub(r"</?(b|i|a|blockquote)( href=\"[^\"]*\")?>", "", text)
    assert "<" not in stripped and ">" not in stripped
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", stripped)


def hostile_hit(n_facts: int = 3, text_len: int = 100) -> tuple[Hit, dict[str, Source]]:
    facts = tuple(
        Fact(text=(HOSTILE + " " + "ن" * text_len)[:300], evidence=HOSTILE * 2, source="001", date="2024")
        for _ in range(n_facts)
    )
    brief = Brief(
        id="x", kind="topic", title=HOSTILE, summary=HOSTILE, facts=facts, aliases=(HOSTILE,), questions=(HOSTILE,)
    )
    src = Source(id="001", file="f.txt", publisher=HOSTILE, title=HOSTILE, url="https://e.x/?a=1&b=<2>")
    return Hit(brief, 1.0, facts, n_facts, 1.0), {"001": src}


@pytest.mark.parametrize("fn", ["briefing", "full_brief", "evidence"])
def test_every_dynamic_field_is_escaped(fn: str) -> None:
    hit, sources = hostile_hit()
    out = (
        render.briefing(hit, sources, render.HTML)
        if fn == "briefing"
        else getattr(render, fn)(hit.brief, sources, render.HTML)
    )
    assert_telegram_html(out)
    assert "&lt;script&gt;&amp;amp;" in out
    assert 'href="https://e.x/?a=1&amp;b=&lt;2&gt;"' in out


def test_plain_text_is_not_escaped() -> None:
    hit, sources = hostile_hit()
    out = render.briefing(hit, sources, render.PLAIN)
    assert HOSTILE in out and "<b>" not in out.replace(HOSTILE, "")


def test_answers_stay_short_and_full_briefs_within_the_limit() -> None:
    hit, sources = hostile_hit(n_facts=10, text_len=300)
    assert len(render.briefing(hit, sources, render.HTML)) <= render.TARGET_LENGTH
    assert_telegram_html(render.full_brief(hit.brief, sources, render.HTML))
    for part in render.split(render.evidence(hit.brief, sources, render.HTML)):
        assert_telegram_html(part)


def test_fit_cuts_at_a_paragraph_boundary() -> None:
    text = "\n\n".join([("فقرة " * 200).strip()] * 10)
    out = render.fit(text)
    assert len(out) <= render.TELEGRAM_LIMIT
    kept = out.removesuffix("\n…")
    assert out.endswith("…") and text.startswith(kept)
    assert text[len(kept) : len(kept) + 2] == "\n\n"


def test_latin_runs_inside_arabic_are_isolated() -> None:
    out = render.isolate("قال مايكل نايتس (Michael Knights) في 2020 إن")
    assert f"{render.FSI}Michael Knights){render.PDI}" in out or f"{render.FSI}(Michael Knights){render.PDI}" in out
    assert f"{render.FSI}2020{render.PDI}" in out
    assert render.isolate("only latin 2020") == "only latin 2020"


def test_found_answer_names_its_source_without_inventing_a_link(engine: Engine) -> None:
    result = engine.search("متى سقط نظام الأسد؟")
    out = render.answer(result, dict(engine.snapshot.sources), render.HTML)
    assert_telegram_html(out)
    assert "2024" in out
    assert "نون بوست" in out and 'href="https://www.noonpost.com/346693"' in out
    # 001 has no known URL: named, never linked
    assert "العربي الجديد" in out
    assert out.count("<a ") == 1


def test_not_found_starts_with_lam_ajid(engine: Engine) -> None:
    result = engine.search("كم عمر بشار الأسد؟")
    out = render.answer(result, dict(engine.snapshot.sources), render.PLAIN)
    assert out.startswith("لم أجد")


def test_ambiguous_offers_a_pick_list() -> None:
    hit, _ = hostile_hit()
    result = Result("q", "q", (), (hit, hit), "ambiguous", "gap")
    out = render.answer(result, None, render.HTML)
    assert_telegram_html(out)
    assert out.startswith("<b>هل تقصد")
