"""The brief schema: what an editor may write in ``briefs/*.yaml``.

Strict on purpose (unknown fields rejected, every field typed) so that a typo in a field
name is an error at load time rather than a silently missing fact.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
DocId = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
Date = Annotated[str, StringConstraints(pattern=r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Kind = Literal["topic", "person", "organization", "place", "event"]

_SENTENCE_END = re.compile(r"[.!?؟…]+(?=\s|$)")
MAX_SUMMARY_SENTENCES = 4


class Fact(BaseModel):
    """One statement, the verbatim quote that grounds it, and the document it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[Text, StringConstraints(max_length=300)]
    evidence: Annotated[Text, StringConstraints(min_length=20)]
    source: DocId
    date: Date | None = None


class Brief(BaseModel):
    """A curated briefing on one topic, person, organisation, place or event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    kind: Kind
    title: Annotated[Text, StringConstraints(max_length=120)]
    summary: Annotated[Text, StringConstraints(max_length=600)]
    facts: tuple[Fact, ...] = Field(min_length=1)
    aliases: tuple[Text, ...] = ()
    questions: tuple[Text, ...] = ()
    tags: tuple[Text, ...] = ()
    related: tuple[Slug, ...] = ()

    @field_validator("summary")
    @classmethod
    def _short_summary(cls, value: str) -> str:
        sentences = len(_SENTENCE_END.findall(value)) or 1
        if sentences > MAX_SUMMARY_SENTENCES:
            raise ValueError(f"summary has {sentences} sentences; at most {MAX_SUMMARY_SENTENCES}")
        return value
