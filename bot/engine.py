"""The answer engine: the live snapshot, its search index, and atomic reloads.

Console and Telegram share one ``Engine``. A reload builds a complete new snapshot and
index first and then swaps a single reference, so a question is answered entirely from
the old briefs or entirely from the new ones, never a mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot import briefs
from bot.briefs import Snapshot
from bot.search import Index, Result
from bot.synonyms import Synonyms


@dataclass(frozen=True)
class Live:
    """A snapshot and the index built from it; always replaced together."""

    snapshot: Snapshot
    index: Index


class Engine:
    """Answers questions from the current snapshot; ``reload`` swaps in new briefs or changes nothing."""

    def __init__(self, briefs_dir: Path, seeds_dir: Path, synonyms_file: Path) -> None:
        self.briefs_dir = briefs_dir
        self.seeds_dir = seeds_dir
        self.synonyms_file = synonyms_file
        self.live = self._build()

    def _build(self) -> Live:
        snapshot = briefs.load(self.briefs_dir, self.seeds_dir)
        return Live(snapshot, Index(snapshot, Synonyms.load(self.synonyms_file)))

    def reload(self) -> Snapshot:
        """Load the briefs again; on ``BriefsError`` the current briefs stay live."""
        live = self._build()
        self.live = live
        return live.snapshot

    @property
    def snapshot(self) -> Snapshot:
        return self.live.snapshot

    def search(self, query: str, limit: int = 5) -> Result:
        return self.live.index.search(query, limit)
