"""Configuration from the environment (and optionally ``config/bot.yaml``), validated once at start."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Paths default to the folders next to the package, so the CLI works from any directory."""

    model_config = SettingsConfigDict(extra="ignore")

    briefs_dir: Path = ROOT / "briefs"
    seeds_dir: Path = ROOT / "seeds"
    synonyms_file: Path = ROOT / "config" / "synonyms.yaml"
