"""Shared fixtures: the real seeds, the fixture briefs and the shipped synonyms; the hypothesis profiles."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURE_BRIEFS = ROOT / "tests" / "fixtures" / "briefs"
SYNONYMS = ROOT / "config" / "synonyms.yaml"

# Property tests drive the real bot over HTTP (milliseconds per example), sharing one bot per test.
# "default" keeps `make test` fast and repeatable (the same examples every run, nothing stored);
# HYPOTHESIS_PROFILE=thorough explores far more, with fresh random examples each run.
_SHARED = {
    "deadline": None,  # an example's time is the bot's and the loop's, not a property of the input
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", max_examples=25, derandomize=True, database=None, **_SHARED)
settings.register_profile("thorough", max_examples=1000, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """An engine over the small fixture brief set (independent of the shipped briefs)."""
    return Engine(FIXTURE_BRIEFS, SEEDS, SYNONYMS)


@pytest.fixture
def briefs_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture briefs, which a test may edit and then reload."""
    folder = tmp_path / "briefs"
    shutil.copytree(FIXTURE_BRIEFS, folder)
    return folder
