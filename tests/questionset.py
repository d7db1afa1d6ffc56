"""The question set (``tests/questions/*.yaml``) and how answers to it are scored.

Shared by the accuracy test and the benchmarks, so both measure the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.yamlfile import parse

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
# Written after the search was tuned, by someone who never saw its results: they measure how well the
# tuning generalises, so each is scored on its own and never tuned against (holdout*.yaml).
HOLDOUT_PREFIX = "holdout"
STYLES = ("msa", "dialect", "no_hamza", "keyword", "typo", "english", "out_of_scope")


@dataclass(frozen=True)
class Question:
    """One realistic question: the brief that must answer it, or none when it is out of scope."""

    q: str
    style: str
    brief: str | None
    fact: str | None
    file: str

    @property
    def out_of_scope(self) -> bool:
        return self.brief is None

    @property
    def held_out(self) -> bool:
        return self.file.startswith(HOLDOUT_PREFIX)


def load_questions(folder: Path = QUESTIONS_DIR) -> list[Question]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        for item in parse(path.read_text(encoding="utf-8")).data or []:
            oos = str(item.get("out_of_scope", "")).lower() == "true"
            style = "out_of_scope" if oos else str(item["style"])
            assert style in STYLES, f"{path.name}: unknown style {style!r}"
            out.append(Question(item["q"], style, None if oos else item["brief"], item.get("fact"), path.name))
    return out


@dataclass(frozen=True)
class Outcome:
    """What a system did with one question."""

    question: Question
    top_id: str | None  # the brief a user is shown as the answer (None: «لم أجد» or a pick-list)
    reply: str


@dataclass
class Tally:
    asked: int = 0
    right: int = 0
    facts_asked: int = 0
    facts_shown: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.asked if self.asked else 1.0


def score(outcomes: Iterable[Outcome]) -> dict[str, Tally]:
    """Per style: top-1 right (or, out of scope, correctly refused) and required facts shown."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for o in outcomes:
        for key in (o.question.style, "all"):
            t = tallies[key]
            t.asked += 1
            if o.question.out_of_scope:
                t.right += o.top_id is None and o.reply.startswith("لم أجد")
            else:
                t.right += o.top_id == o.question.brief
                if o.question.fact:
                    t.facts_asked += 1
                    t.facts_shown += o.question.fact in o.reply
    return dict(tallies)


def table(tallies: dict[str, Tally]) -> str:
    rows = [f"{'style':<14}{'n':>5}{'top-1':>8}{'facts':>10}"]
    for style in (*STYLES, "all"):
        t = tallies.get(style)
        if t:
            facts = f"{t.facts_shown}/{t.facts_asked}" if t.facts_asked else "-"
            rows.append(f"{style:<14}{t.asked:>5}{t.accuracy:>8.1%}{facts:>10}")
    return "\n".join(rows)


def run(questions: Iterable[Question], answer: Callable[[str], tuple[str | None, str]]) -> list[Outcome]:
    return [Outcome(q, *answer(q.q)) for q in questions]
