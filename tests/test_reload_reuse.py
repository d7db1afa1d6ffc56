"""A reload reuses what the previous load read of unchanged files, and gives exactly what loading
from scratch gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.briefs import BriefsError, load
from bot.engine import Engine
from tests.conftest import FIXTURE_BRIEFS, SEEDS, SYNONYMS

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
