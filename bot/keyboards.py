"""Inline keyboards and their ``callback_data``: compact, at most 64 bytes, and safe to parse.

Callback data comes back from Telegram clients and can be stale (briefs reloaded) or forged,
so ``parse`` accepts only the exact shapes ``encode`` produces and returns ``None`` for
anything else; it never raises. Brief ids longer than ``MAX_REF`` (slugs may have 80
characters) travel as a short hash, resolved against the live snapshot.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.briefs import Snapshot
from bot.schema import Brief

CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
MAX_REF = 40  # longest brief id sent as itself; "brief_" + ref also fits a /start payload (64)
BUTTON_LABEL = 48  # characters of a title on a button

Action = Literal["open", "evidence", "more", "related", "topics", "timeline"]
_CODE: dict[Action, str] = {"open": "b", "evidence": "e", "more": "m", "related": "r", "topics": "t", "timeline": "y"}
_ACTION: dict[str, Action] = {code: action for action, code in _CODE.items()}

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
REF = re.compile(rf"(?:{_SLUG}|_[0-9a-f]{{12}})")
_BRIEF = re.compile(rf"([bemr]):({REF.pattern})(?::(\d{{1,3}}(?:\.\d{{1,3}}){{0,9}}))?")
_TOPICS = re.compile(r"t:(\d{1,4})")
_TIMELINE = re.compile(r"y:(all|\d{4}):(\d{1,3})")  # which years ("all" or one), which page


@dataclass(frozen=True)
class Callback:
    """A parsed button press: what to do, with which brief (by ref) or page, and which facts were shown."""

    action: Action
    ref: str = ""
    page: int = 0
    shown: tuple[int, ...] = ()


def ref(brief_id: str) -> str:
    """How a brief is named in callback data and deep links: its id, or a hash when the id is long."""
    if len(brief_id) <= MAX_REF:
        return brief_id
    return "_" + hashlib.blake2b(brief_id.encode(), digest_size=6).hexdigest()


_REFS: dict[str, dict[str, Brief]] = {}


def resolve(reference: str, snapshot: Snapshot) -> Brief | None:
    """The brief a ref names in this snapshot, or ``None`` when it is gone (or never existed)."""
    if not reference.startswith("_"):
        return snapshot.by_id.get(reference)
    table = _REFS.get(snapshot.version)
    if table is None:
        table = {ref(b.id): b for b in snapshot.briefs}
        _REFS.clear()  # one live snapshot at a time: keep only its table
        _REFS[snapshot.version] = table
    return table.get(reference)


def encode(action: Action, reference: str = "", page: int = 0, shown: Sequence[int] = ()) -> str:
    """Callback data for a button; raises ``ValueError`` if it would not fit (a bug, not user input)."""
    if action == "topics":
        data = f"t:{page}"
    elif action == "timeline":
        data = f"y:{reference or 'all'}:{page}"
    else:
        data = f"{_CODE[action]}:{reference}"
        if action == "more":
            # Which facts the briefing showed; if they do not all fit, «more» repeats a few: harmless.
            keep = [i for i in shown[:10] if 0 <= i < 1000]
            while keep and len(f"{data}:{'.'.join(map(str, keep))}".encode()) > CALLBACK_LIMIT:
                keep.pop()
            if keep:
                data += ":" + ".".join(map(str, keep))
    if len(data.encode()) > CALLBACK_LIMIT or parse(data) is None:
        raise ValueError(f"callback data {data!r} is invalid or longer than {CALLBACK_LIMIT} bytes")
    return data


def parse(data: object) -> Callback | None:
    """Parse callback data from Telegram; ``None`` for anything ``encode`` could not have produced."""
    if not isinstance(data, str) or len(data) > CALLBACK_LIMIT:
        return None
    if m := _BRIEF.fullmatch(data):
        code, reference, shown = m.groups()
        indices = tuple(int(i) for i in shown.split(".")) if shown else ()
        return Callback(_ACTION[code], ref=reference, shown=indices)
    if m := _TOPICS.fullmatch(data):
        return Callback("topics", page=int(m.group(1)))
    if m := _TIMELINE.fullmatch(data):
        return Callback("timeline", ref=m.group(1), page=int(m.group(2)))
    return None


def label(title: str) -> str:
    return title if len(title) <= BUTTON_LABEL else title[: BUTTON_LABEL - 1].rstrip() + "…"


def brief_buttons(brief: Brief, *, shown: Sequence[int] = (), more: bool, related: bool) -> InlineKeyboardMarkup:
    """The buttons under every briefing: evidence always, «more» and «related» when they have something."""
    return _brief_buttons(ref(brief.id), tuple(shown), more, related)


# Every answer carries this keyboard, and PTB's objects cost ~100 µs to build: a twentieth of an
# answer's CPU. They are immutable and depend only on these arguments, so they are built once.
@functools.lru_cache(maxsize=4096)
def _brief_buttons(r: str, shown: tuple[int, ...], more: bool, related: bool) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(texts.BUTTON_EVIDENCE, callback_data=encode("evidence", r))]
    if more:
        row.append(InlineKeyboardButton(texts.BUTTON_MORE, callback_data=encode("more", r, shown=shown)))
    if related:
        row.append(InlineKeyboardButton(texts.BUTTON_RELATED, callback_data=encode("related", r)))
    return InlineKeyboardMarkup([row])


def open_buttons(briefs: Sequence[Brief]) -> InlineKeyboardMarkup:
    """One button per brief, each opening it: pick-lists, suggestions, search results, related briefs."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label(b.title), callback_data=encode("open", ref(b.id)))] for b in briefs]
    )


def pager(action: Action, page: int, pages: int, reference: str = "") -> list[InlineKeyboardButton]:
    """«السابق» / «التالي» for a message whose pages are edited in place."""
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(texts.BUTTON_PREVIOUS, callback_data=encode(action, reference, page - 1)))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(texts.BUTTON_NEXT, callback_data=encode(action, reference, page + 1)))
    return nav


def topics_page(briefs: Sequence[Brief], page: int, pages: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(label(b.title), callback_data=encode("open", ref(b.id)))] for b in briefs]
    if nav := pager("topics", page, pages):
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def timeline_page(year: str | None, page: int, pages: int) -> InlineKeyboardMarkup | None:
    nav = pager("timeline", page, pages, year or "all")
    return InlineKeyboardMarkup([nav]) if nav else None


def url_button(text: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, url=url)]])
