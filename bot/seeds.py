"""The five source documents and what is known about each (``seeds/sources.yaml``).

Briefs cite documents by id ("000"…"004"); this module turns an id into the document's
text (for the evidence check) and into a citation a reader can follow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict

from bot.arabic import fold_whitespace, normalize

# 003 was extracted from a PDF whose font put digits (and two ligatures) in the private-use area;
# the mapping is documented in seeds/sources.yaml (text_note of document 003).
_PUA = {"\ue0ed\ue085": "زع", "\ue0a5\ue072": "رج", "\ue005": "0"}
_PUA.update({chr(0xE008 + i): str(i + 1) for i in range(9)})
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# libyaml's loader where PyYAML has it: PyYAML's own takes 20 times as long over sources.yaml.
_SAFE_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def decode_private_use(text: str) -> str:
    """Replace the private-use glyphs of the PDF extraction with the digits and letters they stand for."""
    if not _PRIVATE_USE.search(text):
        return text
    for glyph, plain in _PUA.items():
        text = text.replace(glyph, plain)
    return text


def searchable(text: str) -> str:
    """The form in which evidence quotes are compared with documents: decoded, normalised, whitespace folded."""
    return fold_whitespace(normalize(decode_private_use(text)))


class Source(BaseModel):
    """One document's metadata; ``None`` means unknown, and nothing is ever guessed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    file: str
    kind: str | None = None
    title: str | None = None
    topic: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    date_note: str | None = None
    url: str | None = None
    original_title: str | None = None
    original_publisher: str | None = None
    original_date: str | None = None
    original_url: str | None = None

    @property
    def name(self) -> str:
        """The document's title, or the descriptive topic when the text carries no title."""
        return self.title or self.topic or self.file


class Seeds:
    """Source metadata plus each document's searchable text, read once per load."""

    def __init__(self, sources: Mapping[str, Source], texts: Mapping[str, str]) -> None:
        self.sources: Mapping[str, Source] = MappingProxyType(dict(sources))
        self._texts = dict(texts)
        self._found: dict[tuple[str, str], bool] = {}

    def contains(self, source_id: str, quote: str) -> bool:
        """Whether ``quote`` occurs in the document after normalisation.

        Briefs quote the same sentences again and again (the shipped 790 facts cite 703 distinct
        quotes, and a larger set draws on the same five documents), so each distinct quote is
        normalised and looked for once per load.
        """
        key = (source_id, quote)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = searchable(quote) in self._texts.get(source_id, "")
        return found

    @classmethod
    def load(cls, seeds_dir: Path) -> Seeds:
        """Read ``sources.yaml`` and every document it lists."""
        raw = yaml.load((seeds_dir / "sources.yaml").read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        sources = {}
        texts = {}
        for entry in raw:
            src = Source.model_validate({k: (str(v) if v is not None else None) for k, v in entry.items()})
            sources[src.id] = src
            texts[src.id] = _searchable_document((seeds_dir / src.file).read_text(encoding="utf-8"))
        return cls(sources, texts)


@lru_cache(maxsize=16)
def _searchable_document(text: str) -> str:
    """A document's searchable form, kept across reloads: the documents rarely change, and normalising them is slow."""
    return searchable(text)
