"""Counters for ``/stats``: how much the bot answers and which questions it cannot answer yet.

Only counts and question texts are kept, never who asked: editors need to know what to add,
not who wanted it. Memory stays bounded however many distinct questions arrive.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from bot.arabic import normalize
from bot.search import Decision

MAX_QUESTION = 200  # characters kept of one not-found question
MAX_DISTINCT = 1000  # distinct not-found questions remembered before the rarest are forgotten


@dataclass
class Stats:
    """In-memory counters since start; reset on restart (not on reload)."""

    started: float = field(default_factory=time.monotonic)
    questions: Counter[Decision] = field(default_factory=Counter)
    inline_queries: int = 0
    buttons: int = 0
    errors: int = 0
    # Delivery (bot.retry): Bot API calls retried, messages re-sent after Telegram may already have
    # accepted them (each a possible duplicate), and calls given up on after the retry budget.
    retries: int = 0
    possible_duplicates: int = 0
    undelivered: int = 0
    _missing: Counter[str] = field(default_factory=Counter)
    _wording: dict[str, str] = field(default_factory=dict)

    def question(self, text: str, decision: Decision) -> None:
        """Count one answered question; remember it when nothing answered it."""
        self.questions[decision] += 1
        if decision != "not_found":
            return
        text = " ".join(text.split())[:MAX_QUESTION]
        key = normalize(text) or text
        if not key:
            return
        self._missing[key] += 1
        self._wording.setdefault(key, text)
        if len(self._missing) > MAX_DISTINCT:
            keep = dict(self._missing.most_common(MAX_DISTINCT // 2))
            self._missing = Counter(keep)
            self._wording = {k: v for k, v in self._wording.items() if k in keep}

    @property
    def served(self) -> int:
        return sum(self.questions.values())

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started

    def top_missing(self, n: int = 10) -> list[tuple[str, int]]:
        """The most frequent not-found questions, as first worded, with how often they were asked."""
        return [(self._wording[k], count) for k, count in self._missing.most_common(n)]
