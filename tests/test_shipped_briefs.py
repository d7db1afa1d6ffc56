"""The shipped briefs as a journalist relies on them: complete, navigable, and grounded to the digit."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.arabic import normalize, number_words
from bot.briefs import Snapshot, load
from bot.seeds import decode_private_use
from bot.settings import Settings
from tests.conftest import SEEDS

_DIGITS = re.compile(r"\d+")


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return load(Settings().briefs_dir, SEEDS)


def test_the_collection_is_complete(snap: Snapshot) -> None:
    assert len(snap.briefs) >= 60
    assert snap.fact_count >= 300
    assert len(snap.dated_facts()) >= 40
    kinds = Counter(b.kind for b in snap.briefs)
    assert kinds["person"] + kinds["organization"] + kinds["place"] >= 30
    assert all(n > 0 for n in snap.facts_per_source().values())


def test_every_brief_is_readable_and_findable(snap: Snapshot) -> None:
    problems = []
    for b in snap.briefs:
        if not 3 <= len(b.facts) <= 10:
            problems.append(f"{b.id}: {len(b.facts)} facts")
        if len(b.aliases) < 5:
            problems.append(f"{b.id}: {len(b.aliases)} aliases")
        if len(b.questions) < 3:
            problems.append(f"{b.id}: {len(b.questions)} questions")
    assert not problems, problems


def test_every_brief_is_linked_to_another(snap: Snapshot) -> None:
    linked = {r for b in snap.briefs for r in b.related} | {b.id for b in snap.briefs if b.related}
    assert [b.id for b in snap.briefs if b.id not in linked] == []


def test_no_number_is_invented(snap: Snapshot) -> None:
    """Every number a fact states stands in its own evidence quote (as digits or in words) or its date."""
    invented = []
    for b in snap.briefs:
        for f in b.facts:
            evidence = normalize(decode_private_use(f.evidence))
            allowed = set(_DIGITS.findall(evidence)) | {str(n) for n in number_words(evidence)}
            allowed |= {str(int(part)) for part in (f.date or "").split("-") if part}
            allowed |= set((f.date or "").split("-"))
            extra = sorted(set(_DIGITS.findall(normalize(f.text))) - allowed)
            if extra:
                invented.append(f"{b.id}: {extra} in «{f.text[:80]}»")
    assert not invented, "\n".join(invented)
