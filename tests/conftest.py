"""Shared fixtures: the real seeds, the fixture briefs and the shipped synonyms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURE_BRIEFS = ROOT / "tests" / "fixtures" / "briefs"
SYNONYMS = ROOT / "config" / "synonyms.yaml"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """An engine over the small fixture brief set (independent of the shipped briefs)."""
    return Engine(FIXTURE_BRIEFS, SEEDS, SYNONYMS)
