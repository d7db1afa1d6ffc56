"""Configuration from the environment (and optionally ``config/bot.yaml``), validated once at start.

Precedence, highest first: arguments given in code (tests), environment variables, ``config/bot.yaml``,
defaults. The environment wins so that one run can override the file (``BOT_RATE_LIMIT=off make run``).
Secrets (the bot token, the webhook secret) are accepted only from the environment: ``config/`` lives
in the repository, and a token committed there is a token leaked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.yamlfile import YamlError, parse

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "config" / "bot.yaml"

# Every valid token also matches bot.logsafe.TOKEN_SHAPE, so the redaction filter catches it.
_TOKEN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram allows in X-Telegram-Bot-Api-Secret-Token
SECRET_FIELDS = frozenset({"telegram_bot_token", "webhook_secret"})


class SettingsError(Exception):
    """Invalid configuration; ``lines`` say what to fix, in Arabic and English, never echoing a value."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))

    def report(self) -> str:
        return "خطأ في الإعدادات / Configuration error:\n" + "\n".join(f"  {line}" for line in self.lines)


class Settings(BaseSettings):
    """Everything the console and the Telegram bot need; paths default to folders next to the package."""

    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    briefs_dir: Path = ROOT / "briefs"
    seeds_dir: Path = ROOT / "seeds"
    synonyms_file: Path = ROOT / "config" / "synonyms.yaml"

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    bot_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    bot_rate_limit: bool = True
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    log_level: str = "INFO"

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str) or not _TOKEN.match(raw.strip()):
            raise ValueError(
                "رمز البوت غير صالح: انسخه كما أعطاك إياه ‎@BotFather (أرقام ثم «:» ثم 35 حرفًا تقريبًا) / "
                "not a bot token: copy it exactly as @BotFather gave it (digits, ':', about 35 characters)"
            )
        return raw.strip()

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _base_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = str(value).strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "عنوان خادم Bot API يجب أن يبدأ بـ http:// أو https://، مثل http://127.0.0.1:8081/bot / "
                "must be an http(s) URL such as http://127.0.0.1:8081/bot"
            )
        return url if url.endswith("/bot") else url + "/bot"

    @field_validator("bot_admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[\s,]+", value.strip().strip("[]")) if p]
        elif isinstance(value, (list, tuple, set, frozenset)):
            parts = [str(p).strip() for p in value]
        else:
            parts = [str(value)]
        if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
            raise ValueError(
                "يجب أن تكون أرقام معرّفات مستخدمي تيليغرام مفصولة بفواصل، مثل 12345,67890 / "
                "must be numeric Telegram user ids separated by commas, e.g. 12345,67890"
            )
        return frozenset(int(p) for p in parts)

    @field_validator("bot_rate_limit", mode="before")
    @classmethod
    def _on_off(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in ("on", "true", "1", "yes"):
            return True
        if word in ("off", "false", "0", "no"):
            return False
        raise ValueError("القيمة المقبولة on أو off / must be on or off")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parts = urlsplit(str(value).strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "عنوان الـwebhook يجب أن يكون رابطًا كاملًا مثل https://example.org/mojaz / "
                "must be a full URL such as https://example.org/mojaz"
            )
        return str(value).strip()

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw):
            return None
        if not isinstance(raw, str) or not _SECRET.match(raw):
            raise ValueError(
                "السرّ من 1 إلى 256 حرفًا من A-Z وa-z و0-9 و_ و- فقط / 1-256 characters from A-Z, a-z, 0-9, _ and - only"
            )
        return raw

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        level = str(value).strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("DEBUG أو INFO أو WARNING أو ERROR / one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET مطلوب مع WEBHOOK_URL حتى يرفض البوت الطلبات التي لا تأتي من تيليغرام / "
                "WEBHOOK_SECRET is required with WEBHOOK_URL so that requests not from Telegram are refused"
            )
        return self

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def base_file_url(self) -> str | None:
        """Telegram serves files under ``…/file/bot<token>``, next to ``…/bot<token>``."""
        if not self.telegram_api_base_url:
            return None
        return self.telegram_api_base_url.removesuffix("/bot") + "/file/bot"

    @property
    def webhook_path(self) -> str:
        """The path the webhook server listens on: the path of ``WEBHOOK_URL`` (a proxy forwards it as is)."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def secrets(self) -> Iterator[str]:
        """Every configured secret, for the log redaction filter."""
        for secret in (self.telegram_bot_token, self.webhook_secret):
            if secret is not None:
                yield secret.get_secret_value()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("BOT_CONFIG_FILE") or CONFIG_FILE)
        return init_settings, env_settings, YamlSource(settings_cls, path)


class YamlSource(PydanticBaseSettingsSource):
    """``config/bot.yaml``: a mapping of lower-case setting names; unknown names and secrets are errors."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data = self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        where = _display(self.path)
        try:
            doc = parse(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError([f"{where}: لا يمكن قراءته / cannot be read: {exc}"]) from None
        except YamlError as exc:
            raise SettingsError([f"{where}:{exc.line}: {exc.message}"]) from None
        if doc.problems:
            raise SettingsError([f"{where}:{p.line}: {p.message}" for p in doc.problems])
        if doc.data is None:
            return {}
        if not isinstance(doc.data, dict):
            raise SettingsError([f"{where}:1: يجب أن يكون قائمة مفاتيح وقيم / must be a mapping of setting: value"])
        out: dict[str, Any] = {}
        problems = []
        fields = self.settings_cls.model_fields
        for key, value in doc.data.items():
            name = str(key).lower()
            line = doc.line_of((key,))
            if name in SECRET_FIELDS:
                problems.append(
                    f"{where}:{line}: {name}: ضع الأسرار في متغيرات البيئة لا في ملف داخل المستودع / "
                    "secrets belong in the environment, not in a file in the repository"
                )
            elif name not in fields:
                problems.append(f"{where}:{line}: {key}: إعداد غير معروف / unknown setting")
            else:
                out[name] = _relative_to_root(value) if _is_path(fields[name]) else value
        if problems:
            raise SettingsError(problems)
        return out

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def _is_path(field: FieldInfo) -> bool:
    return field.annotation is Path


def _relative_to_root(value: Any) -> Any:
    """Relative paths in ``bot.yaml`` are relative to the project folder, not to wherever the bot was started."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str(ROOT / value)
    return value


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_settings(**overrides: Any) -> Settings:
    """Build ``Settings`` or raise ``SettingsError`` whose lines name each variable and never echo its value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper()
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {msg}" if name else msg)
        raise SettingsError(lines) from None
