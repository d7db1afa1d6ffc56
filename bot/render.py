"""Turning search results into short Arabic briefings: Telegram HTML or plain text.

Every function takes a ``Style`` so the console and Telegram get the same words from one
code path; only escaping, emphasis, links and bidi isolation differ.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.schema import Brief, Fact
from bot.search import Hit, Result
from bot.seeds import Source

TELEGRAM_LIMIT = 4096
TARGET_LENGTH = 1200
ANSWER_FACTS = 3

NOT_FOUND = "لم أجد في الوثائق المتاحة ما يجيب عن سؤالك."
DID_YOU_MEAN = "هل تقصد أحد هذه الموضوعات؟"
SUGGESTIONS = "قد تجد ما تبحث عنه هنا:"
SOURCES = "المصادر"

_KIND = {
    "opinion": "مقال رأي",
    "opinion-translation": "مقال رأي مترجم",
    "news-report": "تقرير إخباري",
    "news-analysis": "تحليل إخباري",
    "academic-study": "دراسة محكّمة",
}

# A run of left-to-right material (Latin words, digits, URLs) with the punctuation inside it.
_LTR_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:;/_\-–+%#&()'’]*[A-Za-z0-9%)]|[A-Za-z0-9]")
FSI, PDI = "\u2068", "\u2069"


@dataclass(frozen=True)
class Style:
    """How dynamic text becomes output: escaped and isolated for Telegram HTML, untouched for the console."""

    html: bool

    def text(self, s: str) -> str:
        if not self.html:
            return s
        return html.escape(isolate(s), quote=False)

    def bold(self, s: str) -> str:
        return f"<b>{self.text(s)}</b>" if self.html else s

    def italic(self, s: str) -> str:
        return f"<i>{self.text(s)}</i>" if self.html else s

    def quote(self, s: str) -> str:
        return f"<blockquote>{self.text(s)}</blockquote>" if self.html else f"«{s}»"

    def link(self, label: str, url: str | None) -> str:
        if not url:
            return self.text(label)
        if self.html:
            return f'<a href="{html.escape(url, quote=True)}">{self.text(label)}</a>'
        return f"{label} <{url}>"


HTML = Style(html=True)
PLAIN = Style(html=False)


def isolate(s: str) -> str:
    """Wrap left-to-right runs in first-strong isolates so they keep their order inside Arabic text."""
    if not any("\u0600" <= ch <= "\u06ff" for ch in s):
        return s
    return _LTR_RUN.sub(lambda m: FSI + m.group(0) + PDI, s)


def cite(source: Source, style: Style) -> str:
    """Publisher, title and date of a document, linked only where its URL is known."""
    parts = [source.publisher or "ناشر غير معروف"]
    kind = _KIND.get(source.kind or "")
    if source.title:
        parts.append(f"«{source.title}»")
    elif source.topic:
        parts.append(f"{kind or 'نص'} عن: {source.topic}")
    if source.author:
        parts.append(source.author)
    if source.date:
        parts.append(source.date)
    elif source.original_date:
        parts.append(f"الأصل منشور في {source.original_date}")
    label = "، ".join(parts)
    return style.link(label, source.url)


def _fact_line(fact: Fact, style: Style) -> str:
    return f"• {style.text(fact.text)}"


def _sources_block(facts: Iterable[Fact], sources: dict[str, Source] | None, style: Style) -> list[str]:
    if not sources:
        return []
    ids = sorted({f.source for f in facts})
    lines = [style.bold(f"{SOURCES}:")]
    lines += [f"📄 {cite(sources[i], style)}" for i in ids if i in sources]
    return lines


def answer(result: Result, sources: dict[str, Source] | None, style: Style) -> str:
    """The reply to a question: a briefing, a «هل تقصد» pick-list, or an honest «لم أجد»."""
    if result.decision == "found" and result.best:
        return briefing(result.best, sources, style)
    if result.decision == "ambiguous":
        return pick_list(DID_YOU_MEAN, result.hits[:3], style)
    lines = [style.text(NOT_FOUND)]
    if result.hits:
        lines += ["", pick_list(SUGGESTIONS, result.hits[:3], style)]
    return "\n".join(lines)


def pick_list(header: str, hits: Sequence[Hit], style: Style) -> str:
    lines = [style.bold(header)]
    lines += [f"{n}. {style.text(h.brief.title)}" for n, h in enumerate(hits, 1)]
    return "\n".join(lines)


def briefing(hit: Hit, sources: dict[str, Source] | None, style: Style) -> str:
    """Title, the facts that best answer the question, the summary, and the sources of what was shown."""
    shown = list(hit.facts[:ANSWER_FACTS])
    while True:
        text = _compose(hit.brief, shown, sources, style)
        if len(text) <= TARGET_LENGTH or len(shown) <= 1:
            break
        shown.pop()
    return fit(text)


def _compose(brief: Brief, facts: Sequence[Fact], sources: dict[str, Source] | None, style: Style) -> str:
    lines = [style.bold(brief.title), ""]
    lines += [_fact_line(f, style) for f in facts]
    lines += ["", style.italic(brief.summary), ""]
    lines += _sources_block(facts, sources, style)
    return "\n".join(lines).strip()


def full_brief(brief: Brief, sources: dict[str, Source] | None, style: Style) -> str:
    """The whole brief: summary first, then every fact with its date."""
    lines = [style.bold(brief.title), "", style.text(brief.summary), ""]
    for f in brief.facts:
        date = f" ({f.date})" if f.date else ""
        lines.append(f"• {style.text(f.text + date)}")
    lines += ["", *_sources_block(brief.facts, sources, style)]
    return fit("\n".join(lines).strip())


def evidence(brief: Brief, sources: dict[str, Source] | None, style: Style) -> str:
    """The verbatim quotes behind every fact, each with the document it comes from."""
    lines = [style.bold(f"الدليل: {brief.title}"), ""]
    for f in brief.facts:
        src = sources.get(f.source) if sources else None
        name = cite(src, style) if src else style.text(f.source)
        lines += [style.quote(f.evidence), f"— {name}", ""]
    return fit("\n".join(lines).strip())


def fit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Cut a message at the last paragraph (or line) boundary that fits Telegram's limit."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n\n", 0, limit - 2)
    if cut <= 0:
        cut = text.rfind("\n", 0, limit - 2)
    if cut <= 0:
        cut = limit - 2
    return text[:cut].rstrip() + "\n…"
