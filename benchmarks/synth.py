"""Synthetic brief sets of any size, built deterministically from the shipped briefs.

Each synthetic brief recombines real text: its title and aliases splice two real names, each fact
splices two real fact texts (and keeps one real fact's evidence, source and date, so every quote is
still verbatim in its document), its summary joins the first sentences of two real summaries, and
its questions and tags come from the real pools. The words stay realistic Arabic; the vocabulary
stays that of the five documents, so postings grow with the set (a hard case for an inverted
index) while the vocabulary does not (an easy case for typo correction).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.schema import Brief, Fact

SEED = 20241208
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: ten times faster at 10,000 briefs
_FIRST_SENTENCE = re.compile(r"^.*?[.!?؟…]+(?=\s|$)", re.S)


def _splice(rng: random.Random, a: str, b: str, limit: int) -> str:
    """The first part of ``a`` followed by the last part of ``b``, cut at word boundaries, within ``limit``."""
    wa, wb = a.split(), b.split()
    head = wa[: rng.randint(1, max(1, len(wa) - 1))]
    tail = wb[rng.randint(min(1, len(wb) - 1), max(0, len(wb) - 1)) :]
    words = head + tail
    while len(" ".join(words)) > limit and len(words) > 1:
        words.pop()
    return " ".join(words)[:limit]


def _first_sentence(text: str) -> str:
    m = _FIRST_SENTENCE.match(text)
    return (m.group(0) if m else text).strip()


class Recombiner:
    """Pools of real names, facts, questions and tags, and a seeded way to recombine them."""

    def __init__(self, real: Sequence[Brief], seed: int = SEED) -> None:
        self.real = list(real)
        self.rng = random.Random(seed)
        self.titles = [b.title for b in real]
        self.aliases = [a for b in real for a in b.aliases] or self.titles
        self.facts: list[Fact] = [f for b in real for f in b.facts]
        self.questions = [q for b in real for q in b.questions]
        self.tags = sorted({t for b in real for t in b.tags})
        self.summaries = [_first_sentence(b.summary) for b in real]

    def brief(self, n: int) -> dict[str, Any]:
        """The raw fields of synthetic brief number ``n`` (as an editor would write them)."""
        rng = self.rng
        shape = rng.choice(self.real)  # how many aliases, questions, tags and facts, as a real brief has
        facts = []
        for _ in range(len(shape.facts)):
            quoted = rng.choice(self.facts)
            fact: dict[str, Any] = {
                "text": _splice(rng, quoted.text, rng.choice(self.facts).text, 300),
                "evidence": quoted.evidence,
                "source": quoted.source,
            }
            if quoted.date:
                fact["date"] = quoted.date
            facts.append(fact)
        summary = f"{rng.choice(self.summaries)} {rng.choice(self.summaries)}"
        return {
            "id": f"synthetic-{n:06d}",
            "kind": shape.kind,
            "title": _splice(rng, rng.choice(self.titles), rng.choice(self.titles), 120),
            "summary": summary if len(summary) <= 600 else rng.choice(self.summaries),
            "facts": facts,
            "aliases": [_splice(rng, rng.choice(self.aliases), rng.choice(self.aliases), 120) for _ in shape.aliases],
            "questions": [rng.choice(self.questions) for _ in shape.questions] if self.questions else [],
            "tags": rng.sample(self.tags, min(len(shape.tags), len(self.tags))),
        }


def raw_briefs(real: Sequence[Brief], size: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``size - len(real)`` synthetic briefs' raw fields (the real briefs are kept as they are)."""
    gen = Recombiner(real, seed)
    return [gen.brief(n) for n in range(max(0, size - len(real)))]


def briefs(real: Sequence[Brief], size: int, seed: int = SEED) -> tuple[Brief, ...]:
    """The real briefs plus synthetic ones up to ``size``, each validated as a ``Brief``."""
    extra = [Brief.model_validate(raw) for raw in raw_briefs(real, size, seed)]
    return (*real, *extra)[: max(size, 0)] if size < len(real) else (*real, *extra)


def write_yaml(real_dir: Path, out: Path, real: Sequence[Brief], size: int, per_file: int = 500) -> None:
    """A briefs folder for the loader: the shipped YAML files plus synthetic ones, ``per_file`` briefs each."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(real_dir.glob("*.yaml")):
        (out / path.name).write_bytes(path.read_bytes())
    extra = raw_briefs(real, size)
    for start in range(0, len(extra), per_file):
        (out / f"synthetic_{start // per_file:04d}.yaml").write_text(
            dump(extra[start : start + per_file]), encoding="utf-8"
        )


def dump(briefs: Sequence[dict[str, Any]]) -> str:
    """Briefs' raw fields as the YAML of a brief file (strings that look like numbers quoted)."""
    text: str = yaml.dump(list(briefs), Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=10_000)
    return text
