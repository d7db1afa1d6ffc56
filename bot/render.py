"""Turning search results into short Arabic briefings: Telegram HTML or plain text.

Every function takes a ``Style`` so the console and Telegram get the same words from one
code path; only escaping, emphasis, links and bidi isolation differ.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.schema import Brief, Fact
from bot.search import Hit, Result
from bot.seeds import Source
from bot.stats import Stats

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

    def code(self, s: str) -> str:
        """Verbatim text (ids, normalised queries): escaped but not isolated, so it shows exactly as stored."""
        return f"<code>{html.escape(s, quote=False)}</code>" if self.html else s

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


def _sources_block(facts: Iterable[Fact], sources: Mapping[str, Source] | None, style: Style) -> list[str]:
    if not sources:
        return []
    ids = sorted({f.source for f in facts})
    lines = [style.bold(f"{SOURCES}:")]
    lines += [f"📄 {cite(sources[i], style)}" for i in ids if i in sources]
    return lines


def answer(result: Result, sources: Mapping[str, Source] | None, style: Style) -> str:
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


def briefing(hit: Hit, sources: Mapping[str, Source] | None, style: Style) -> str:
    """Title, the facts that best answer the question, the summary, and the sources of what was shown."""
    return brief_briefing(hit.brief, hit.facts, sources, style)


def brief_briefing(brief: Brief, facts: Sequence[Fact], sources: Mapping[str, Source] | None, style: Style) -> str:
    """``briefing`` for a brief opened by name or button rather than found by a search: same shape, given facts."""
    return fitted(brief, facts, sources, style)[1]


def fitted(
    brief: Brief, facts: Sequence[Fact], sources: Mapping[str, Source] | None, style: Style
) -> tuple[tuple[Fact, ...], str]:
    """The first few of ``facts`` (best first) that keep a briefing within ``TARGET_LENGTH``, and that briefing."""
    shown = list(facts[:ANSWER_FACTS])
    text = _compose(brief, shown, sources, style)
    while len(shown) > 1 and len(text) > TARGET_LENGTH:
        shown.pop()
        text = _compose(brief, shown, sources, style)
    return tuple(shown), fit(text)


def _compose(brief: Brief, facts: Sequence[Fact], sources: Mapping[str, Source] | None, style: Style) -> str:
    lines = [style.bold(brief.title), ""]
    lines += [_fact_line(f, style) for f in facts]
    lines += ["", style.italic(brief.summary), ""]
    lines += _sources_block(facts, sources, style)
    return "\n".join(lines).strip()


def full_brief(brief: Brief, sources: Mapping[str, Source] | None, style: Style) -> str:
    """The whole brief: summary first, then every fact with its date."""
    lines = [style.bold(brief.title), "", style.text(brief.summary), ""]
    for f in brief.facts:
        date = f" ({f.date})" if f.date else ""
        lines.append(f"• {style.text(f.text + date)}")
    lines += ["", *_sources_block(brief.facts, sources, style)]
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


# -- Telegram additions: dates, chronology, lists, admin views, and splitting long messages -----

KIND_LABEL = {"topic": "موضوع", "person": "شخص", "organization": "تنظيم", "place": "مكان", "event": "حدث"}
_MONTHS = (
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيو",
    "تموز/يوليو",
    "آب/أغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
)
_DECISION = {"found": "وُجد جواب", "ambiguous": "أكثر من جواب محتمل (قائمة اختيار)", "not_found": "لم أجد"}


def date_label(date: str) -> str:
    """``2024-12-08`` → «8 كانون الأول/ديسمبر 2024», with both month names as the documents write them."""
    parts = date.split("-")
    if len(parts) == 1:
        return date
    month = _MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def _dated(fact: Fact) -> str:
    return f"{fact.text} ({date_label(fact.date)})" if fact.date else fact.text


def fact_indices(brief: Brief, facts: Iterable[Fact]) -> tuple[int, ...]:
    """Positions in ``brief.facts`` of the given facts (compared by value: facts are frozen models)."""
    wanted = list(facts)
    return tuple(i for i, f in enumerate(brief.facts) if f in wanted)


def remaining(brief: Brief, shown: Collection[int]) -> list[Fact]:
    return [f for i, f in enumerate(brief.facts) if i not in shown]


def more(brief: Brief, shown: Collection[int], sources: Mapping[str, Source] | None, style: Style) -> str:
    """The facts a briefing did not show, with dates and their sources (may need ``split``)."""
    rest = remaining(brief, shown)
    lines = [style.bold(f"المزيد عن: {brief.title}"), ""]
    lines += [f"• {style.text(_dated(f))}" for f in rest]
    lines += ["", *_sources_block(rest, sources, style)]
    return "\n".join(lines).strip()


def evidence(brief: Brief, sources: Mapping[str, Source] | None, style: Style) -> str:
    """The verbatim quotes behind every fact, each with its document; never cut (``split`` pages it)."""
    lines = [style.bold(f"الدليل: {brief.title}"), ""]
    for f in brief.facts:
        src = sources.get(f.source) if sources else None
        name = cite(src, style) if src else style.text(f.source)
        lines += [style.quote(f.evidence), f"— {name}", ""]
    return "\n".join(lines).strip()


def ranked(header: str, hits: Sequence[Hit], style: Style) -> str:
    """A numbered list of briefs, best first, each with its kind."""
    lines = [style.bold(header)]
    lines += [
        f"{n}. {style.text(h.brief.title)} — {KIND_LABEL.get(h.brief.kind, h.brief.kind)}"
        for n, h in enumerate(hits, 1)
    ]
    return "\n".join(lines)


def related(brief: Brief, others: Sequence[Brief], style: Style) -> str:
    lines = [style.bold(f"ذات صلة بـ«{brief.title}»:")]
    lines += [f"{n}. {style.text(b.title)}" for n, b in enumerate(others, 1)]
    return "\n".join(lines)


def timeline(items: Sequence[tuple[Brief, Fact]], year: str | None, sources: Mapping[str, Source], style: Style) -> str:
    """The chronology: every dated fact, oldest first, then the documents it comes from (may need ``split``)."""
    return _timeline_page(_timeline_header(year), items, sources, style)


def timeline_pages(
    items: Sequence[tuple[Brief, Fact]],
    year: str | None,
    sources: Mapping[str, Source],
    style: Style,
    limit: int = TELEGRAM_LIMIT,
) -> list[str]:
    """The chronology as pages that each fit one message, each citing its own documents.

    Hundreds of dated facts would otherwise be a dozen messages in a row; pages are shown one at
    a time in a single message, turned with buttons.
    """
    header = _timeline_header(year)
    lines = [_timeline_line(f, style) for _, f in items]
    cites = {sid: f"📄 {cite(src, style)}" for sid, src in sources.items()}
    reserve = utf16_len(style.bold(f"{header} — الصفحة 000 من 000")) + utf16_len(style.bold(f"{SOURCES}:")) + 4
    groups: list[list[tuple[Brief, Fact]]] = [[]]
    size, ids = reserve, set[str]()
    for item, line in zip(items, lines, strict=True):
        new = {item[1].source} - ids
        extra = utf16_len(line) + 1 + sum(utf16_len(cites.get(i, "")) + 1 for i in new)
        if groups[-1] and size + extra > limit:
            groups.append([])
            size, ids = reserve, set()
            new = {item[1].source}
            extra = utf16_len(line) + 1 + sum(utf16_len(cites.get(i, "")) + 1 for i in new)
        groups[-1].append(item)
        size += extra
        ids |= new
    if len(groups) == 1:
        return [_timeline_page(header, groups[0], sources, style)]
    return [
        _timeline_page(f"{header} — الصفحة {n} من {len(groups)}", group, sources, style)
        for n, group in enumerate(groups, 1)
    ]


def _timeline_header(year: str | None) -> str:
    return f"التسلسل الزمني لسنة {year}" if year else "التسلسل الزمني"


def _timeline_line(fact: Fact, style: Style) -> str:
    return f"• {style.bold(date_label(fact.date or ''))} — {style.text(fact.text)}"


def _timeline_page(
    header: str, items: Sequence[tuple[Brief, Fact]], sources: Mapping[str, Source], style: Style
) -> str:
    lines = [style.bold(header), ""]
    lines += [_timeline_line(f, style) for _, f in items]
    lines += ["", *_sources_block((f for _, f in items), sources, style)]
    return "\n".join(lines).strip()


def sources_list(header: str, sources: Mapping[str, Source], counts: Mapping[str, int], style: Style) -> str:
    """Every document with publisher, title, author and date, linked where its URL is known."""
    lines = [style.bold(header), ""]
    for sid, src in sources.items():
        lines.append(f"📄 {cite(src, style)} — {style.text(f'المعلومات المأخوذة منها: {counts.get(sid, 0)}')}")
    return "\n".join(lines)


def why(result: Result, style: Style) -> str:
    """For admins: how a question was read and ranked, and which rule decided."""
    lines = [style.bold("كيف فُهم السؤال"), ""]
    lines.append(f"السؤال: {style.text(result.query)}")
    lines.append(f"بعد التطبيع: {style.code(result.normalized)}")
    lines += ["", style.bold("الكلمات:")]
    for t in result.terms:
        keys = ", ".join(t.keys) or "—"
        fuzzy = " تقريبية" if t.fuzzy else ""
        lines.append(f"• {style.code(t.text)} → {style.code(keys)} الوزن {t.weight:.2f}{fuzzy}")
    if not result.terms:
        lines.append("• لا كلمات قابلة للبحث")
    lines += ["", style.bold("أفضل النتائج:")]
    for n, h in enumerate(result.hits[:5], 1):
        lines.append(f"{n}. {style.text(h.brief.title)} {style.code(h.brief.id)} — {h.score:.3f}")
    if not result.hits:
        lines.append("لا شيء")
    lines += ["", f"{style.bold('القرار:')} {_DECISION.get(result.decision, result.decision)}", style.code(result.rule)]
    return "\n".join(lines)


def stats(
    counters: Stats, snapshot_size: tuple[int, int, str], style: Style, top: Sequence[tuple[str, int]] = ()
) -> str:
    """For admins: counts and the most frequent unanswered questions; never who asked."""
    secs = int(counters.uptime)
    q = counters.questions
    briefs, facts, version = snapshot_size
    lines = [
        style.bold("إحصاءات موجز"),
        "",
        f"مدة التشغيل: {secs // 86400} يوم {secs % 86400 // 3600} ساعة {secs % 3600 // 60} دقيقة",
        f"الأسئلة: {counters.served} — وُجد جواب: {q['found']} — قائمة اختيار: {q['ambiguous']}"
        f" — لم أجد: {q['not_found']}",
        f"استعلامات السطر (inline): {counters.inline_queries} — الأزرار: {counters.buttons}"
        f" — الأخطاء: {counters.errors}",
        f"إعادة محاولة الإرسال: {counters.retries} — رسائل ربما تكررت: {counters.possible_duplicates}"
        f" — تعذّر إرسالها: {counters.undelivered}",
        f"الموجزات: {briefs} — المعلومات: {facts} — الإصدار: {style.code(version)}",
        "",
        style.bold("أكثر ما سُئل ولم أجد له جوابًا:"),
    ]
    lines += [f"{n}. «{style.text(text)}» ×{count}" for n, (text, count) in enumerate(top, 1)]
    if not top:
        lines.append("لا شيء بعد.")
    return "\n".join(lines)


_PIECE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>|&#?[A-Za-z0-9]+;|\n{2,}|\n| |[^<&\n ]{1,64}|[<&]")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji such as 📄 counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Cut HTML into messages of at most ``limit`` (UTF-16 units), preferring paragraph, then line boundaries.

    Never cuts inside a tag or an entity. A cut where tags are open (a very long quote) closes them at
    the end of one message and reopens them at the start of the next, so every part is valid HTML.
    """
    text = text.strip()
    if utf16_len(text) <= limit:
        return [text] if text else []
    pieces = list(_PIECE.finditer(text))
    chunks: list[str] = []
    start = 0  # first piece of the current chunk
    stack: list[tuple[str, str]] = []  # tags open at its start: (name, start tag)
    while start < len(pieces):
        prefix = "".join(tag for _, tag in stack)
        used, open_ = utf16_len(prefix), list(stack)
        best: dict[int, tuple[int, int, list[tuple[str, str]]]] = {}  # rank → (piece, used, open tags)
        j = start
        while j < len(pieces):
            closing = sum(len(name) + 3 for name, _ in open_)
            if j > start and used + closing <= limit:
                piece = pieces[j].group(0)
                level = 3 if piece.startswith("\n\n") else 2 if piece == "\n" else 1 if piece == " " else 0
                rank = level + 2 if level >= 2 and not open_ else level
                best[rank] = (j, used, list(open_))
            size = utf16_len(pieces[j].group(0))
            if used + size + closing > limit and j > start:
                break
            used += size
            closing_tag, name = pieces[j].group(1), pieces[j].group(2)
            if name is not None and closing_tag:
                if open_ and open_[-1][0] == name.lower():
                    open_.pop()
            elif name is not None:
                open_.append((name.lower(), pieces[j].group(0)))
            j += 1
        if j == len(pieces):
            chunks.append(prefix + text[pieces[start].start() :])
            break
        if not best:  # one piece longer than the limit (a huge tag): send it as it is
            best[0] = (j, used, list(open_))
        full = [r for r in sorted(best, reverse=True) if best[r][1] >= limit // 3]
        rank = full[0] if full else max(best)
        cut, _, open_ = best[rank]
        body = text[pieces[start].start() : pieces[cut].start()].rstrip()
        chunks.append(prefix + body + "".join(f"</{name}>" for name, _ in reversed(open_)))
        while cut < len(pieces) and pieces[cut].group(0).isspace():
            cut += 1
        start, stack = cut, open_
    return [c.strip() for c in chunks if c.strip()]
