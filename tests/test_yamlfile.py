"""The YAML reader gives the same data, lines and refusals whichever parser produced the events.

libyaml (C) parses every file when PyYAML has it; PyYAML's own parser words the syntax errors
and is the fallback where libyaml is missing. An editor must not be able to tell them apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import yamlfile
from bot.yamlfile import ALIASES, YamlError, parse
from tests.conftest import ROOT

PARSERS = [
    pytest.param(True, id="libyaml", marks=pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")),
    pytest.param(False, id="pyyaml"),
]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not request.param:
        monkeypatch.setattr(yamlfile, "_LIBYAML", None)
    yield


def refusal(text: str, max_nodes: int | None = None) -> tuple[int, str]:
    with pytest.raises(YamlError) as refused:
        parse(text, max_nodes)
    return refused.value.line, refused.value.message


@pytest.mark.usefixtures("parser")
def test_every_scalar_is_the_string_written_and_every_key_and_item_has_its_line() -> None:
    doc = parse(
        "- id: a\n  source: 004\n  date: 2024-12-08\n  aliases: [x, 'y']\n  summary: >-\n    s\n  empty:\n  tag: ! ~\n"
    )
    assert doc.data == [
        {
            "id": "a",
            "source": "004",
            "date": "2024-12-08",
            "aliases": ["x", "y"],
            "summary": "s",
            "empty": None,
            "tag": None,  # `!` is YAML's "no particular tag", not a tag
        }
    ]
    assert doc.line_of((0, "aliases", 1)) == 4
    assert doc.line_of((0, "summary")) == 5
    assert doc.line_of((0, "empty", "missing")) == 7


@pytest.mark.usefixtures("parser")
def test_a_duplicate_key_is_reported_at_its_line_and_the_first_value_is_kept() -> None:
    doc = parse("- id: a\n  aliases: [x]\n  title: t\n  aliases: [y, z]\n")
    assert doc.data == [{"id": "a", "aliases": ["x"], "title": "t"}]
    assert [(p.line, p.message) for p in doc.problems] == [(4, "duplicate key 'aliases' (the first one is kept)")]
    assert doc.line_of((0, "aliases", 0)) == 2
    assert doc.line_of((0, "aliases", 1)) == 2, "the duplicate's items are not where an error would point"


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ((ROOT / "tests/fixtures/bad_briefs/alias_bomb.yaml").read_text(encoding="utf-8"), 3, ALIASES),
        ("a: &x 1\nb: &x 2\n", 2, "invalid YAML: second occurrence"),
        ("- a\n- " + "[" * 40 + "]" * 40 + "\n", 2, "YAML nested too deeply"),
        ("a:\n" + "".join(f"{'  ' * d}  k{d}:\n" for d in range(40)), 32, "YAML nested too deeply"),
        ("a: 1\nb: !python/object x\n", 2, "YAML tag !python/object is not allowed"),
        ("a: 1\n? [k]\n: v\n", 2, "keys must be plain names (no merge keys or complex keys)"),
        ("a: 1\n<<: {b: 2}\n", 2, "keys must be plain names (no merge keys or complex keys)"),
        ("a: 1\n---\nb: 2\n", 2, "invalid YAML: but found another document"),
        ("- a\n- [b,\n- c\n", 3, "invalid YAML: expected the node content, but found '-'"),
        ("a: b\n  c: d\n", 2, "invalid YAML: mapping values are not allowed here"),
        ("- id: x\n  title: \x07\n", 2, "invalid YAML: control character U+0007 is not allowed"),
        ("- id: x\n  title: \ud800\n", 2, "invalid YAML: control character U+D800 is not allowed"),
    ],
    ids=[
        "alias bomb",
        "anchor reused",
        "flow nesting",
        "block nesting",
        "tag",
        "complex key",
        "merge key",
        "two documents",
        "unclosed list",
        "bad indentation",
        "control character",
        "lone surrogate",
    ],
)
def test_a_hostile_or_broken_file_is_refused_at_the_right_line(text: str, line: int, message: str) -> None:
    assert refusal(text) == (line, message)


@pytest.mark.usefixtures("parser")
def test_the_node_limit_stops_a_flood_at_the_node_that_exceeds_it() -> None:
    assert refusal("- a\n" * 1000, max_nodes=500) == (500, "file has too many YAML nodes")
    assert parse("- a\n" * 499, max_nodes=500).data == ["a"] * 499


@pytest.mark.usefixtures("parser")
def test_a_syntax_error_further_down_is_reported_before_a_tag_or_key_problem() -> None:
    assert refusal("a: !tag x\n<<: y\nb: [\n") == (
        4,
        "invalid YAML: expected the node content, but found '<stream end>'",
    )
    assert refusal("a: !tag x\n<<: y\n") == (1, "YAML tag !tag is not allowed")


def test_libyaml_falls_back_to_pyyaml_for_the_wording_of_syntax_errors() -> None:
    """libyaml would say «did not find expected ',' or ']'»: the editor sees PyYAML's words, as always."""
    line, message = refusal((ROOT / "tests/fixtures/bad_briefs/invalid_yaml.yaml").read_text(encoding="utf-8"))
    assert (line, message) == (5, "invalid YAML: expected ',' or ']', but got ':'")


# Brief-like YAML assembled from pieces that exercise both parsers' corners. Left out on purpose:
# tabs (briefs refuse them before parsing) and a comment glued to a block scalar's indicator
# (`|#x`, which libyaml accepts and PyYAML refuses).
PIECES = [
    "id", "كلمة", "<<", "~", "null", "''", '""', "'it''s'", '"q\\n\\u0041"', "004", "2024-12-08", "yes",
    ": ", ":", "- ", "? ", "[", "]", "{", "}", ", ", "&a ", "*a", "!x ", "!!str ", "! ", "|", ">-", "#c", " #c",
    "\n", "\n", "\n  ", "\n    ", "\n  - ", "---", "...", "%YAML 1.1\n", " ", "'", '"', "@", "%", "\u00a0", "\x85",
    "\r\n", "\ue005", "😀",
]  # fmt: skip
GLUED_COMMENT = re.compile(r"[|>][-+0-9]*#")


@contextmanager
def pyyaml_only() -> Iterator[None]:
    """PyYAML's parser for the duration (a hypothesis example cannot use pytest's monkeypatch)."""
    saved = yamlfile._LIBYAML
    yamlfile._LIBYAML = None
    try:
        yield
    finally:
        yamlfile._LIBYAML = saved


def outcome(text: str, max_nodes: int | None = None) -> tuple[object, ...]:
    try:
        doc = parse(text, max_nodes)
    except YamlError:
        return ("refused",)  # a file wrong in two ways may be refused for either
    return (doc.data, doc.lines, [(p.line, p.message) for p in doc.problems])


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")
@settings(max_examples=400)
@given(text=st.lists(st.sampled_from(PIECES), max_size=30).map("".join).filter(lambda t: not GLUED_COMMENT.search(t)))
def test_libyaml_and_pyyaml_agree_on_any_text(text: str) -> None:
    fast = outcome(text, max_nodes=60)
    with pyyaml_only():
        assert outcome(text, max_nodes=60) == fast


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="no libyaml")
def test_the_shipped_briefs_and_configuration_read_the_same_with_either_parser() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted([*ROOT.glob("briefs/*.yaml"), *ROOT.glob("config/*.yaml")])]
    fast = [outcome(t) for t in texts]
    assert all(o[0] != "refused" for o in fast)
    with pyyaml_only():
        assert [outcome(t) for t in texts] == fast
