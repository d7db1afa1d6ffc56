"""The loader: valid briefs load; every kind of mistake is reported with file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.briefs import BriefsError, Snapshot, load
from tests.conftest import FIXTURE_BRIEFS, SEEDS

GOOD = """\
- id: soldiers-cross
  kind: event
  title: عبور جنود سوريين إلى القائم
  summary: فرّ نحو 2000 جندي سوري إلى العراق قبل يوم من سقوط النظام.
  facts:
    - text: فرّ نحو 2000 جندي سوري إلى العراق يوم السبت.
      evidence: "مع فرار نحو 2000 جندي سوري إلى العراق يوم السبت"
      source: "001"
      date: "2024-12-07"
  aliases: [الجنود السوريون]
  related: [other-brief]
- id: other-brief
  kind: topic
  title: الحدود
  summary: أُغلقت الحدود.
  facts:
    - text: أغلقت الحدود بالكامل بحسب وسائل إعلام عراقية.
      evidence: "وذكرت وسائل إعلام عراقية أن الحدود أُغلقت بالكامل"
      source: "001"
"""


def write(tmp_path: Path, text: str, name: str = "b.yaml") -> Path:
    d = tmp_path / "briefs"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def problems(briefs_dir: Path) -> list[str]:
    with pytest.raises(BriefsError) as info:
        load(briefs_dir, SEEDS)
    return [str(p) for p in info.value.problems]


def test_fixture_briefs_load_as_an_immutable_snapshot() -> None:
    snap = load(FIXTURE_BRIEFS, SEEDS)
    assert isinstance(snap, Snapshot)
    assert "fall-of-assad" in snap.by_id
    assert snap.fact_count == sum(len(b.facts) for b in snap.briefs)
    with pytest.raises(TypeError):
        snap.by_id["x"] = snap.briefs[0]  # type: ignore[index]
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its own ValidationError subclass
        snap.briefs[0].title = "x"  # type: ignore[misc]


def test_good_file_loads(tmp_path: Path) -> None:
    snap = load(write(tmp_path, GOOD), SEEDS)
    assert [b.id for b in snap.briefs] == ["soldiers-cross", "other-brief"]
    assert snap.briefs[0].facts[0].date == "2024-12-07"


def test_single_brief_file_without_a_list(tmp_path: Path) -> None:
    single = "\n".join(line[2:] for line in GOOD.split("- id: other-brief")[0].splitlines())
    single = single.replace("related: [other-brief]", "related: []")
    snap = load(write(tmp_path, single), SEEDS)
    assert snap.briefs[0].id == "soldiers-cross"


@pytest.mark.parametrize(
    ("change", "where", "field", "message"),
    [
        (("kind: event", "kind: rumour"), 2, "soldiers-cross.kind", "Input should be"),
        (("aliases: [الجنود السوريون]", "alias: [x]"), 10, "soldiers-cross.alias", "unknown field"),
        (
            ('      source: "001"\n      date', '      source: "009"\n      date'),
            8,
            "soldiers-cross.facts[0].source",
            "unknown document '009'",
        ),
        (
            ('      date: "2024-12-07"', '      date: "2024-13-07"'),
            9,
            "soldiers-cross.facts[0].date",
            "String should match",
        ),
        (("  aliases: [الجنود السوريون]", "  aliases: {a: b}"), 10, "soldiers-cross.aliases", "tuple"),
        (
            ('سوري إلى العراق يوم السبت"', 'سوري إلى سوريا يوم السبت"'),
            7,
            "soldiers-cross.facts[0].evidence",
            "quote not found in document 001",
        ),
        (
            ("related: [other-brief]", "related: [nowhere]"),
            11,
            "soldiers-cross.related[0]",
            "no brief has id 'nowhere'",
        ),
        (("- id: other-brief", "- id: soldiers-cross"), 12, "soldiers-cross.id", "duplicate id"),
        (("  kind: topic\n", ""), 12, "other-brief.kind", "required field is missing"),
    ],
)
def test_each_problem_is_located(tmp_path: Path, change: tuple[str, str], where: int, field: str, message: str) -> None:
    old, new = change
    assert old in GOOD
    found = problems(write(tmp_path, GOOD.replace(old, new, 1)))
    expected = [
        p for p in found if p.startswith(f"briefs/b.yaml:{where}: {field}:") or f"b.yaml:{where}: {field}:" in p
    ]
    assert expected, found
    assert message in expected[0]


def test_a_quote_is_checked_against_the_document_each_fact_cites(tmp_path: Path) -> None:
    """The same quote twice, the second time citing a document it is not in: that fact alone is refused."""
    fact = '      source: "001"\n      date: "2024-12-07"\n'
    quote = "مع فرار نحو 2000 جندي سوري إلى العراق يوم السبت"
    again = f'    - text: فر الجنود.\n      evidence: "{quote}"\n      source: "000"\n'
    found = problems(write(tmp_path, GOOD.replace(fact, fact + again, 1)))
    assert len(found) == 1, found
    assert found[0].endswith(
        "b.yaml:11: soldiers-cross.facts[1].evidence: quote not found in document 000 (000_b57cd7d31cd561a8.txt)"
    )


def test_a_document_edited_between_loads_is_read_again(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    briefs = write(tmp_path, GOOD)
    load(briefs, seeds)
    document = next(seeds.glob("001_*.txt"))
    document.write_text(document.read_text(encoding="utf-8").replace("يوم السبت", "يوم الأحد"), encoding="utf-8")
    with pytest.raises(BriefsError) as refused:
        load(briefs, seeds)
    assert [p.field for p in refused.value.problems] == ["soldiers-cross.facts[0].evidence"]


def test_duplicate_key_is_an_error_not_silently_last_wins(tmp_path: Path) -> None:
    found = problems(write(tmp_path, GOOD.replace("  kind: event\n", "  kind: event\n  kind: topic\n", 1)))
    assert any("b.yaml:3:" in p and "duplicate key 'kind'" in p for p in found), found


def test_malformed_yaml_reports_its_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, GOOD.replace("  title: الحدود", "  title: [الحدود", 1)))
    assert len(found) == 1
    assert "invalid YAML" in found[0]
    assert ":16:" in found[0] or ":17:" in found[0] or ":15:" in found[0]


def test_unquoted_numbers_stay_text(tmp_path: Path) -> None:
    """`source: 001` must not silently become the integer 1."""
    snap = load(write(tmp_path, GOOD.replace('source: "001"', "source: 001")), SEEDS)
    assert snap.briefs[0].facts[0].source == "001"


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    d = write(tmp_path, GOOD.replace("kind: event", "kind: nope"), "a.yaml")
    write(
        tmp_path,
        GOOD.replace("soldiers-cross", "x-one").replace("other-brief", "x-two").replace('يوم السبت"', 'يوم الجمعة"'),
        "c.yaml",
    )
    found = problems(d)
    assert any(p.startswith("briefs/a.yaml") or "a.yaml:" in p for p in found)
    assert any("c.yaml:" in p and "evidence" in p for p in found)


def test_altered_evidence_in_shipped_style_brief_is_caught(tmp_path: Path) -> None:
    d = tmp_path / "briefs"
    shutil.copytree(FIXTURE_BRIEFS, d)
    f = d / "events.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("460 مليون دولار", "640 مليون دولار"), encoding="utf-8")
    found = problems(d)
    assert len(found) == 1 and "iraq-support-cost.facts[0].evidence" in found[0]


def test_aliases_and_tabs_and_bad_bytes_are_rejected(tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    assert "aliases" in problems(write(tmp_path, bomb, "bomb.yaml"))[0]
    (tmp_path / "briefs" / "bomb.yaml").unlink()
    assert "tab" in problems(write(tmp_path, GOOD.replace("  kind: event", "\tkind: event"), "t.yaml"))[0]
    (tmp_path / "briefs" / "t.yaml").unlink()
    (tmp_path / "briefs" / "bin.yaml").write_bytes(b"- id: x\n  title: \xff\xfe\n")
    found = problems(tmp_path / "briefs")
    assert "bin.yaml:2:" in found[0] and "UTF-8" in found[0]


def test_empty_file_and_empty_folder(tmp_path: Path) -> None:
    assert "empty" in problems(write(tmp_path, "# nothing here\n"))[0]
    (tmp_path / "none").mkdir()
    assert "no *.yaml" in problems(tmp_path / "none")[0]
