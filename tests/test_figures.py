"""Every figure the documents state is in some fact of a brief that cites that document.

Figures are read from the documents' text (003 decoded); what is not a figure — footnote
markers, reference-list numbering, section numbering, digits inside links and handles, and the
reference list's access dates — is removed by the rules below, and anything else that is not a
fact is named in ``NOT_FACTS`` with the reason.
"""

from __future__ import annotations

import re
from collections import defaultdict

from bot.arabic import fold_whitespace, number_words
from bot.briefs import load
from bot.seeds import Seeds, decode_private_use
from bot.settings import Settings
from tests.conftest import SEEDS

_NOT_FIGURES = [
    re.compile(r"<sup>\(\d+\)</sup>"),  # footnote markers
    re.compile(r"^\s*- \(\d+\)", re.M),  # reference-list numbering
    re.compile(r"^#*\s*\**\d+\.", re.M),  # section and list numbering
    re.compile(r"https?://\S+|pic\.twitter\.com/\S+|@\w+"),  # links and handles
    re.compile(r"Accessed:?[^)\n]*|تاريخ الاطلاع[^)\n]*|تاريخ الإطلاع[^)\n]*"),  # access dates of the references
    re.compile(r"\(\d{1,2}\)"),  # note references in running text, e.g. «(21)»
]
_FIGURE = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?")


def _value(figure: str) -> str:
    """One spelling per figure: thousands separators dropped (11,800), decimal commas as points."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", figure):
        return figure.replace(",", "")
    return figure.replace(",", ".")


# Figures that remain after the rules above but state no fact, by document.
NOT_FACTS: dict[str, set[str]] = {
    "004": set(),
}


def figures(text: str) -> set[str]:
    text = decode_private_use(text)
    for pattern in _NOT_FIGURES:
        text = pattern.sub(" ", text)
    return {_value(f) for f in _FIGURE.findall(text)}


def test_every_figure_in_the_documents_is_in_a_fact() -> None:
    seeds = Seeds.load(SEEDS)
    snap = load(Settings().briefs_dir, SEEDS)
    stated: dict[str, set[str]] = defaultdict(set)
    for b in snap.briefs:
        for f in b.facts:
            text = fold_whitespace(f.text)
            stated[f.source] |= {_value(x) for x in _FIGURE.findall(text)}
            stated[f.source] |= {str(n) for n in number_words(text)}
            stated[f.source] |= set((f.date or "").split("-"))
    missing = {}
    for sid, source in seeds.sources.items():
        text = (SEEDS / source.file).read_text(encoding="utf-8")
        gap = figures(text) - stated[sid] - NOT_FACTS.get(sid, set())
        if gap:
            missing[sid] = sorted(gap, key=lambda x: float(x))
    assert not missing, missing
