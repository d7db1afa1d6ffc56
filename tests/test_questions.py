"""The shipped briefs against the question set: people's real phrasings must find the right brief.

The curation issue asks for top-1 ≥ 95 %, required fact shown ≥ 95 % and out-of-scope answered
«لم أجد…» ≥ 90 % on the question set the search was developed against. Each held-out set
(``tests/questions/holdout*.yaml``, written without seeing any search result) is scored apart: its
floors are what the engine reached when it was added, so that generalisation cannot silently get
worse. ``holdout.yaml`` and ``holdout_2.yaml`` have since been read while fixing misses (some
stopwords came from them); ``holdout_3.yaml`` has not. The per-style tables are printed with ``pytest -s``.
"""

from __future__ import annotations

import pytest

from bot import render
from bot.engine import Engine
from bot.settings import Settings
from tests import questionset
from tests.conftest import SEEDS, SYNONYMS

TOP1_FLOOR = 0.95
FACTS_FLOOR = 0.95
OUT_OF_SCOPE_FLOOR = 0.90
# Held-out file → floors for (top-1 in scope, required facts shown, out of scope refused).
HOLDOUT_FLOORS = {
    "holdout.yaml": (0.63, 0.68, 0.77),  # 46/72, 11/16, 14/18 on 2026-11-23
    "holdout_2.yaml": (0.55, 0.44, 0.72),  # 40/72, 8/18, 13/18 on 2026-11-23 (36/72 when added)
    "holdout_3.yaml": (0.47, 0.42, 0.61),  # 34/72, 8/19, 11/18 when added (2026-11-23)
}


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(Settings().briefs_dir, SEEDS, SYNONYMS)


def _tally(shipped: Engine, held_out: str | None) -> dict[str, questionset.Tally]:
    """Score one question file set: the developed-against files (``None``) or one held-out file."""
    sources = dict(shipped.snapshot.sources)

    def answer(q: str) -> tuple[str | None, str]:
        result = shipped.search(q)
        top = result.best.brief.id if result.decision == "found" and result.best else None
        return top, render.answer(result, sources, render.PLAIN)

    questions = [q for q in questionset.load_questions() if (q.file == held_out if held_out else not q.held_out)]
    outcomes = questionset.run(questions, answer)
    failures = [
        o for o in outcomes if (o.top_id != o.question.brief) or (o.question.fact and o.question.fact not in o.reply)
    ]
    for o in failures:
        print(f"MISS [{o.question.style}] {o.question.q!r}: want {o.question.brief}, got {o.top_id}")
    result = questionset.score(outcomes)
    print(f"\n{held_out or 'developed against'}:\n" + questionset.table(result))
    return result


@pytest.fixture(scope="module")
def tallies(shipped: Engine) -> dict[str, questionset.Tally]:
    return _tally(shipped, held_out=None)


def test_the_set_is_big_and_varied() -> None:
    questions = questionset.load_questions()
    in_scope = [q for q in questions if not q.out_of_scope]
    assert len(in_scope) >= 200
    assert sum(q.out_of_scope for q in questions) >= 25
    for style in questionset.STYLES:
        assert sum(q.style == style for q in questions) >= 10, style


def test_every_expected_brief_and_fact_exists(shipped: Engine) -> None:
    snap = shipped.snapshot
    for q in questionset.load_questions():
        if q.brief:
            assert q.brief in snap.by_id, (q.file, q.q, q.brief)
            if q.fact:
                assert any(q.fact in f.text for f in snap.by_id[q.brief].facts), (q.file, q.q, q.fact)


def _top1(tallies: dict[str, questionset.Tally]) -> float:
    in_scope = [t for s, t in tallies.items() if s not in ("all", "out_of_scope")]
    return sum(t.right for t in in_scope) / sum(t.asked for t in in_scope)


def test_top1_accuracy(tallies: dict[str, questionset.Tally]) -> None:
    assert _top1(tallies) >= TOP1_FLOOR


def test_required_facts_are_shown(tallies: dict[str, questionset.Tally]) -> None:
    t = tallies["all"]
    assert t.facts_shown / t.facts_asked >= FACTS_FLOOR


def test_out_of_scope_is_refused(tallies: dict[str, questionset.Tally]) -> None:
    assert tallies["out_of_scope"].accuracy >= OUT_OF_SCOPE_FLOOR


@pytest.mark.parametrize("name", sorted(HOLDOUT_FLOORS))
def test_held_out_questions_do_not_get_worse(shipped: Engine, name: str) -> None:
    holdout = _tally(shipped, held_out=name)
    top1, facts, refused = HOLDOUT_FLOORS[name]
    assert _top1(holdout) >= top1
    assert holdout["all"].facts_shown / holdout["all"].facts_asked >= facts
    assert holdout["out_of_scope"].accuracy >= refused


def test_every_held_out_file_has_floors() -> None:
    assert {q.file for q in questionset.load_questions() if q.held_out} == set(HOLDOUT_FLOORS)
