"""Settings: environment parsing, config/bot.yaml and its precedence, and errors that never echo secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ROOT, Settings, SettingsError, load_settings
from tests.harness import TOKEN, isolate_env


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_env(monkeypatch)


def problems(**env: str) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(**env)
    return info.value.report()


def test_defaults_need_no_environment() -> None:
    s = load_settings()
    assert s.token is None and s.bot_admin_ids == frozenset() and s.bot_rate_limit is True
    assert s.briefs_dir == ROOT / "briefs" and s.telegram_api_base_url is None and s.webhook_url is None


@pytest.mark.parametrize(
    ("raw", "ids"), [("1,2", {1, 2}), (" 1 , 2 ", {1, 2}), ("1 2", {1, 2}), ("[3,4]", {3, 4}), ("", set())]
)
def test_admin_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, ids: set[int]) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", raw)
    assert load_settings().bot_admin_ids == frozenset(ids)


def test_bad_admin_ids_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", "12,@editor")
    report = problems()
    assert "BOT_ADMIN_IDS" in report and "12345,67890" in report and "@editor" not in report


@pytest.mark.parametrize(("raw", "on"), [("on", True), ("off", False), ("OFF", False), ("true", True), ("0", False)])
def test_rate_limit_switch(monkeypatch: pytest.MonkeyPatch, raw: str, on: bool) -> None:
    monkeypatch.setenv("BOT_RATE_LIMIT", raw)
    assert load_settings().bot_rate_limit is on


def test_token_is_secret_and_validated_without_being_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    s = load_settings()
    assert s.token == TOKEN and TOKEN not in repr(s) and TOKEN not in str(s.model_dump())
    assert list(s.secrets()) == [TOKEN]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "12345:short-but-secret")
    report = problems()
    assert "TELEGRAM_BOT_TOKEN" in report and "BotFather" in report and "short-but-secret" not in report


@pytest.mark.parametrize(
    ("raw", "base", "files"),
    [
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("https://tg.example.org/api/bot/", "https://tg.example.org/api/bot", "https://tg.example.org/api/file/bot"),
    ],
)
def test_api_base_url_and_its_file_url(monkeypatch: pytest.MonkeyPatch, raw: str, base: str, files: str) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", raw)
    s = load_settings()
    assert (s.telegram_api_base_url, s.base_file_url) == (base, files)


def test_api_base_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "127.0.0.1:8081")
    assert "TELEGRAM_API_BASE_URL" in problems()


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/mojaz")
    assert "WEBHOOK_SECRET" in problems()
    monkeypatch.setenv("WEBHOOK_SECRET", "only-letters_digits-and-dashes")
    s = load_settings()
    assert s.webhook_path == "mojaz" and s.webhook_port == 8443 and s.webhook_listen == "127.0.0.1"
    monkeypatch.setenv("WEBHOOK_SECRET", "no spaces allowed")
    report = problems()
    assert "WEBHOOK_SECRET" in report and "no spaces" not in report


def write_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("BOT_CONFIG_FILE", str(path))
    return path


def test_bot_yaml_fills_in_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, "bot_rate_limit: off\nbot_admin_ids: [7, 8]\nbriefs_dir: tests/fixtures/briefs\n")
    s = load_settings()
    assert s.bot_rate_limit is False and s.bot_admin_ids == {7, 8}
    assert s.briefs_dir == ROOT / "tests" / "fixtures" / "briefs", "relative to the project, not the cwd"
    monkeypatch.setenv("BOT_RATE_LIMIT", "on")
    monkeypatch.setenv("BOT_ADMIN_IDS", "9")
    s = load_settings()
    assert s.bot_rate_limit is True and s.bot_admin_ids == {9}


def test_bot_yaml_refuses_secrets_and_unknown_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, f"telegram_bot_token: '{TOKEN}'\nbot_rate_limt: off\n")
    report = problems()
    assert "bot.yaml:1: telegram_bot_token" in report and "bot.yaml:2: bot_rate_limt" in report
    assert TOKEN not in report


def test_bot_yaml_syntax_errors_have_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, "log_level: INFO\nlog_level: DEBUG\n")
    assert "bot.yaml:2" in problems() and "duplicate" in problems()


def test_settings_in_code_win_over_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, "bot_rate_limit: off\n")
    monkeypatch.setenv("BOT_RATE_LIMIT", "off")
    assert Settings(bot_rate_limit=True).bot_rate_limit is True
