"""The three systems compared, each answering a question with a brief (or «لم أجد») over the same briefs.

- ``Mojaz``: the project's own index (``bot.search.Index``); the answer is the top brief when the
  decision is "found", exactly as ``tests/test_questions.py`` scores it.
- ``Naive``: what someone would build in ten minutes — ``rapidfuzz.process.extractOne`` with
  ``fuzz.WRatio`` and rapidfuzz's default processing over every title, alias, example question and
  fact text; the brief of the best text is the answer (below ``threshold``: «لم أجد»).
- ``BM25``: ``bm25s`` (Lucene's BM25, k1=1.5, b=0.75) over the same texts, one document per text,
  tokenised with Mojaz's own normaliser, stopwords and light stemmer; the brief of the best
  document is the answer (below ``threshold``: «لم أجد»). One document per text scored a little
  better than one per brief on the question set, so the baseline gets the better of the two.

Both baselines render their answer with Mojaz's renderer, the matched fact first, so required-fact
recall compares what is found, not how it is formatted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import bm25s  # type: ignore[import-untyped]
import numpy as np
from rapidfuzz import fuzz, process

from bot import render
from bot.arabic import content_tokens, normalize, stem, tokenize
from bot.briefs import Snapshot
from bot.schema import Brief, Fact
from bot.search import Index, Result
from bot.seeds import Source
from bot.synonyms import Synonyms

Answer = tuple[str | None, str]  # (brief id shown as the answer or None, the reply text)
Scored = tuple[int, float] | None  # (position in the text list, score) of the best text, or nothing


class Mojaz:
    name = "mojaz"

    def __init__(self, briefs: Sequence[Brief], sources: Mapping[str, Source], synonyms: Synonyms) -> None:
        self.sources = sources
        self.index = Index(Snapshot(tuple(briefs), sources, "bench"), synonyms)

    def search(self, q: str) -> Result:
        return self.index.search(q)

    def first(self, result: Result) -> str | None:
        """The brief ranked first, whatever the decision."""
        return result.hits[0].brief.id if result.hits else None

    def reply(self, result: Result) -> Answer:
        """The top brief when the decision is "found", and the reply the bot renders."""
        top = result.best.brief.id if result.decision == "found" and result.best else None
        return top, render.answer(result, self.sources, render.PLAIN)


class _Texts:
    """Every title, alias, example question and fact text, each remembering its brief and fact."""

    def __init__(self, briefs: Sequence[Brief], sources: Mapping[str, Source]) -> None:
        self.briefs = briefs
        self.sources = sources
        self.texts: list[str] = []
        self.owner: list[tuple[int, int]] = []  # (brief, fact or -1)
        for i, b in enumerate(briefs):
            for text in (b.title, *b.aliases, *b.questions):
                self.texts.append(text)
                self.owner.append((i, -1))
            for j, f in enumerate(b.facts):
                self.texts.append(f.text)
                self.owner.append((i, j))
        self.threshold = 0.0

    def first(self, scored: Scored) -> str | None:
        """The brief of the best text, whatever its score."""
        return self.briefs[self.owner[scored[0]][0]].id if scored else None

    def decide(self, scored: Scored) -> Scored:
        """The best text if it clears the threshold (what is timed: ranking and decision, not rendering)."""
        return None if scored is None or scored[1] <= 0 or scored[1] < self.threshold else scored

    def reply(self, scored: Scored) -> Answer:
        """The brief of the best text, its matched fact first, or «لم أجد» below the threshold."""
        scored = self.decide(scored)
        if scored is None:
            return None, render.NOT_FOUND
        i, j = self.owner[scored[0]]
        brief = self.briefs[i]
        facts: tuple[Fact, ...] = brief.facts if j < 0 else (brief.facts[j], *brief.facts[:j], *brief.facts[j + 1 :])
        return brief.id, render.brief_briefing(brief, facts, self.sources, render.PLAIN)


class Naive(_Texts):
    name = "naive"

    def best(self, q: str) -> Scored:
        found = process.extractOne(q, self.texts, scorer=fuzz.WRatio, score_cutoff=self.threshold or None)
        return (found[2], float(found[1])) if found else None

    def search(self, q: str) -> object:
        return self.decide(self.best(q))


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    return stem(token)


def bm25_tokens(text: str) -> list[str]:
    """Mojaz's normalisation for the BM25 baseline: normalise, tokenise, drop stopwords, light-stem."""
    return [_stem(t) for t in content_tokens(tokenize(normalize(text)))]


class BM25(_Texts):
    name = "bm25"

    def __init__(self, briefs: Sequence[Brief], sources: Mapping[str, Source]) -> None:
        super().__init__(briefs, sources)
        self.retriever = bm25s.BM25()
        self.retriever.index([bm25_tokens(t) for t in self.texts], show_progress=False)

    def best(self, q: str) -> Scored:
        tokens = bm25_tokens(q)
        if not self.retriever.get_tokens_ids(tokens):
            return None
        scores = self.retriever.get_scores(tokens)
        top = int(np.argmax(scores))
        return top, float(scores[top])

    def search(self, q: str) -> object:
        return self.decide(self.best(q))
