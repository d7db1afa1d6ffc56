"""A reload reuses what the previous load read and indexed of unchanged files and briefs, and
gives exactly what loading and indexing from scratch gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.arabic import normalize, tokenize
from bot.briefs import BriefsError, Snapshot, load
from bot.engine import Engine
from bot.schema import Brief
from bot.search import Index
from bot.synonyms import Synonyms
from tests.conftest import FIXTURE_BRIEFS, ROOT, SEEDS, SYNONYMS
from tests.questionset import load_questions

OTHER = """\
- id: border
  kind: topic
  title: الحدود
  summary: أُغلقت الحدود.
  facts:
    - text: أغلقت الحدود بالكامل بحسب وسائل إعلام عراقية.
      evidence: "وذكرت وسائل إعلام عراقية أن الحدود أُغلقت بالكامل"
      source: "001"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The fixture briefs plus a second file, ``other.yaml``."""
    out = tmp_path / "briefs"
    shutil.copytree(FIXTURE_BRIEFS, out)
    (out / "other.yaml").write_text(OTHER, encoding="utf-8")
    return out


def test_a_reload_reads_again_only_the_files_that_changed(folder: Path) -> None:
    engine = Engine(folder, SEEDS, SYNONYMS)
    before = engine.snapshot
    (folder / "other.yaml").write_text(OTHER.replace("أُغلقت الحدود.", "أُغلقت الحدود كلها."), encoding="utf-8")
    after = engine.reload()
    assert after.by_id["border"].summary == "أُغلقت الحدود كلها."
    assert all(after.by_id[b.id] is b for b in before.briefs if b.id != "border")  # events.yaml: not parsed again
    fresh = load(folder, SEEDS)
    assert after.briefs == fresh.briefs and after.version == fresh.version
    assert engine.search("الحدود كلها").best is not None


def test_a_problem_is_located_in_an_unchanged_file_as_a_fresh_load_locates_it(folder: Path) -> None:
    engine = Engine(folder, SEEDS, SYNONYMS)
    duplicate = OTHER + OTHER.replace("id: border", "id: fall-of-assad")  # an id of events.yaml, which is unchanged
    (folder / "other.yaml").write_text(duplicate, encoding="utf-8")
    with pytest.raises(BriefsError) as reloaded:
        engine.reload()
    with pytest.raises(BriefsError) as fresh:
        load(folder, SEEDS)
    assert [str(p) for p in reloaded.value.problems] == [str(p) for p in fresh.value.problems]
    assert "first defined at" in str(reloaded.value.problems[0])


def _edit(brief: Brief, **fields: Any) -> Brief:
    return Brief.model_validate({**brief.model_dump(), **fields})


def _content(index: Index) -> tuple[Any, ...]:
    """What search reads of an index (private on purpose: answers to a sample of questions miss most of it)."""
    postings = {
        k: [(int(i), float(w)) for i, w in zip(*index._postings.matches((k,)), strict=True)] for k in index._postings
    }
    return postings, index._idf, index._fact_keys, index._names, index.protected, index.vocabulary


def _answers(index: Index, questions: Sequence[str]) -> list[Any]:
    out = []
    for q in questions:
        r = index.search(q)
        hits = [(h.brief.id, h.score, h.coverage, h.matched_facts, h.facts) for h in r.hits]
        out.append((r.normalized, r.terms, r.decision, r.rule, hits))
    return out


_Edit = Callable[[list[Brief]], list[Brief]]
EDITS: dict[str, _Edit] = {
    "nothing": lambda bs: bs,
    "equal copies": lambda bs: [Brief.model_validate(b.model_dump()) for b in bs],
    "a summary": lambda bs: [_edit(bs[0], summary=bs[0].summary + " وأغلقت الحدود العراقية"), *bs[1:]],
    "a brief removed, the rest moved": lambda bs: bs[:5] + bs[6:],
    "reordered": lambda bs: bs[::-1],
    # New name words: everywhere else «الحكومة» and «الانتقالية» now keep their endings (no stem).
    "a brief with new name words": lambda bs: [*bs, _edit(bs[0], id="new", title="الحكومة الانتقالية", aliases=[])],
    "a name's words no longer names": lambda bs: [_edit(bs[0], title="موجز", aliases=[]), *bs[1:]],
    # «فيها» is a stopword, but its stem «يها» is a key wherever «فيها» is not a name's word.
    "a name with stopwords": lambda bs: [_edit(bs[1], aliases=[*bs[1].aliases, "من فيها"]), *bs[2:]],
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_index_built_on_the_previous_one_answers_as_one_built_from_scratch(edit: _Edit) -> None:
    shipped = load(ROOT / "briefs", SEEDS)
    synonyms = Synonyms.load(SYNONYMS)
    previous = Index(shipped, synonyms)
    edited = Snapshot(tuple(edit(list(shipped.briefs))), shipped.sources, "edited")
    questions = [q.q for q in load_questions()[::4]]
    warm, cold = Index(edited, synonyms, previous), Index(edited, synonyms)
    assert _content(warm) == _content(cold)
    assert _answers(warm, questions) == _answers(cold, questions)


def _longest(phrases: dict[tuple[str, ...], str]) -> tuple[str, ...]:
    return max(phrases, key=len)


_Respell = Callable[[dict[tuple[str, ...], str]], dict[tuple[str, ...], str]]
RESPELLINGS: dict[str, _Respell] = {
    "nothing": lambda ps: ps,
    "a group added": lambda ps: {**ps, ("الحدود",): "~9998", ("كلمه", "جديده"): "~9999"},
    "a spelling dropped": lambda ps: {p: k for p, k in ps.items() if p != _longest(ps)},
    # A new two-word spelling inside the longest one: the scan now meets it where the longer one was.
    "an overlapping spelling": lambda ps: {**ps, _longest(ps)[1:3]: "~9999"},
    "every group renumbered": lambda ps: {p: f"~{int(k[1:]) + 1}" for p, k in ps.items()},
    "a spelling of stopwords": lambda ps: {**ps, ("من", "هو"): "~9999"},
}


@pytest.mark.parametrize("respell", RESPELLINGS.values(), ids=RESPELLINGS.keys())
def test_an_index_built_on_the_previous_one_under_other_synonyms_is_one_built_from_scratch(respell: _Respell) -> None:
    shipped = load(ROOT / "briefs", SEEDS)
    synonyms = Synonyms.load(SYNONYMS)
    previous = Index(shipped, synonyms)
    respelled = Synonyms(respell(dict(synonyms.phrases)))
    assert _content(Index(shipped, respelled, previous)) == _content(Index(shipped, respelled))


def test_an_index_reuses_the_briefs_an_edit_does_not_touch() -> None:
    shipped = load(ROOT / "briefs", SEEDS)
    synonyms = Synonyms.load(SYNONYMS)
    previous = Index(shipped, synonyms)
    edited = Snapshot((_edit(shipped.briefs[0], summary="موجز جديد."), *shipped.briefs[1:]), shipped.sources, "e")
    # Private on purpose: whether the analysis was reused is not visible in answers, only in time.
    reused = Index(edited, synonyms, previous)._unchanged(previous)
    assert set(reused) == set(range(1, len(shipped.briefs)))
    respelled = Synonyms({**synonyms.phrases, ("الحدود",): "~9999"})
    reused = Index(shipped, respelled, previous)._unchanged(previous)
    texts = [
        [b.title, *b.aliases, *b.questions, *b.tags, b.summary, *(t for f in b.facts for t in (f.text, f.evidence))]
        for b in shipped.briefs
    ]
    border = {i for i, of_brief in enumerate(texts) if any("الحدود" in tokenize(normalize(t)) for t in of_brief)}
    assert border and set(reused) <= set(range(len(shipped.briefs))) - border and len(reused) > len(shipped.briefs) / 2
