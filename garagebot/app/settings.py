"""Settings from ``GARAGEBOT_*`` environment variables, validated at start-up.

``load_settings()`` is called by the CLI and the app factory, never at import
time. A bad value raises ``SettingsError`` whose message is one line naming the
variable, the expected form and the value given, e.g.
``GARAGEBOT_PORT: expected an integer 1-65535, got 'abc'``.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from arq.connections import RedisSettings
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from garagebot.core.staff import currency_exponent

PREFIX = "GARAGEBOT_"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# The expected form of each variable, as shown when its value is refused.
EXPECTED: Mapping[str, str] = {
    "database_url": "a URL like sqlite+aiosqlite:///./garagebot.db or "
    "postgresql+asyncpg://user:password@host:5432/dbname",
    "redis_url": "a URL like redis://host:6379/0 (or unset for the in-process queue)",
    "public_url": "an http:// or https:// URL like https://garage.example.com",
    "secret_key": "at least 32 characters (or unset to generate one)",
    "host": "a host name or IP address like 127.0.0.1 or 0.0.0.0",
    "port": "an integer 1-65535",
    "default_locale": "en or ar",
    "timezone": "an IANA time zone like Asia/Amman",
    "currency": "a supported ISO 4217 currency code like JOD",
    "media_dir": "a directory path like ./media",
    "state_dir": "a directory path like ./.garagebot",
    "log_level": "one of " + ", ".join(_LOG_LEVELS),
    "log_format": "text or json",
    "outbox_max_age_seconds": "a whole number of seconds between 10 and 86400",
    "queue_name": "a Redis key name like garagebot:queue",
    "outbox_poll_seconds": "a number of seconds between 0.1 and 3600",
    "outbox_lease_seconds": "a number of seconds between 1 and 600 (how long a crashed sender "
    "holds a message it was sending)",
    "outbox_concurrency": "a whole number between 1 and 1000 (messages in flight per process)",
    "telegram_token": "a Bot API token like 123456:ABC-DEF… (or unset to run without Telegram)",
    "telegram_webhook_secret": "1-256 characters A-Z, a-z, 0-9, _ and - (required with "
    "GARAGEBOT_TELEGRAM_TOKEN unless GARAGEBOT_TELEGRAM_POLLING is on)",
    "telegram_api_url": "an http:// or https:// URL like https://api.telegram.org",
    "telegram_polling": "true or false",
    "telegram_bot_username": "the bot's username like garage_bot (for the console's link QR codes; or unset)",
    "console_simulator": "true or false",
    "conversation_idle_minutes": "a whole number of minutes between 1 and 1440",
    "approval_link_hours": "a whole number of hours between 1 and 720",
    "approval_reminder_hours": "a whole number of hours between 0 (no reminder) and 720",
    "twilio_account_sid": "a Twilio Account SID like AC followed by 32 hex digits (or unset)",
    "twilio_auth_token": "the account's auth token, 16-256 characters without spaces (required with "
    "GARAGEBOT_TWILIO_ACCOUNT_SID)",
    "twilio_api_url": "an http:// or https:// URL like https://api.twilio.com",
    "meta_app_secret": "the Meta app secret (required with GARAGEBOT_META_ACCESS_TOKEN)",
    "meta_verify_token": "1-256 printable characters without spaces (the webhook's verify token)",
    "meta_access_token": "a Meta Graph API access token (or unset to run without Meta WhatsApp)",
    "meta_api_url": "an http:// or https:// URL like https://graph.facebook.com/v21.0",
}


# Never echoed back in an error message.
_SECRET_FIELDS = frozenset({
    "secret_key", "telegram_token", "telegram_webhook_secret", "twilio_auth_token",
    "meta_app_secret", "meta_verify_token", "meta_access_token",
})
_URL = r"^https?://[^/\s]+(/\S*)?$"


class SettingsError(Exception):
    """A setting has a bad value; ``str(error)`` is the one line to show."""


class Settings(BaseSettings):
    """The process configuration (12-factor: everything from the environment)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./garagebot.db"
    redis_url: str | None = None
    public_url: str | None = None
    secret_key: str | None = Field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    default_locale: Literal["en", "ar"] = "en"
    timezone: str = "Asia/Amman"
    currency: str = "JOD"
    media_dir: Path = Path("./media")
    state_dir: Path = Path("./.garagebot")
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # /readyz fails when the oldest due outbox message has waited longer than this.
    outbox_max_age_seconds: int = Field(default=300, ge=10, le=86400)
    queue_name: str = "garagebot:queue"
    outbox_poll_seconds: float = Field(default=5.0, ge=0.1, le=3600)
    outbox_lease_seconds: float = Field(default=30.0, ge=1, le=600)
    outbox_concurrency: int = Field(default=256, ge=1, le=1000)
    telegram_token: str | None = Field(default=None, repr=False)
    telegram_webhook_secret: str | None = Field(default=None, repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    telegram_polling: bool = False
    telegram_bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{3,64}$")
    # The console's "try the bot in the browser" page (owners chat as any member of staff).
    console_simulator: bool = False
    # A staff chat left this long goes back to the main menu at its next message.
    conversation_idle_minutes: int = Field(default=30, ge=1, le=1440)
    # How long a client's approval link stays valid, and when an undecided quote is recalled.
    approval_link_hours: int = Field(default=72, ge=1, le=720)
    approval_reminder_hours: int = Field(default=24, ge=0, le=720)
    # Client channels: each provider is on when its credentials are set.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(default=None, repr=False)
    twilio_api_url: str = "https://api.twilio.com"
    meta_app_secret: str | None = Field(default=None, repr=False)
    meta_verify_token: str | None = Field(default=None, repr=False)
    meta_access_token: str | None = Field(default=None, repr=False)
    meta_api_url: str = "https://graph.facebook.com/v21.0"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        # Hosting platforms hand out postgres:// URLs; we always talk asyncpg.
        for plain in ("postgres://", "postgresql://"):
            if value.startswith(plain):
                value = "postgresql+asyncpg://" + value[len(plain):]
        if not re.match(r"^(sqlite\+aiosqlite:///.+|postgresql\+asyncpg://.+/.+)$", value):
            raise ValueError("database_url")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^(rediss?|unix)://.+", value.strip()):
            raise ValueError("redis_url")
        try:
            RedisSettings.from_dsn(value.strip())  # what the worker will parse it with
        except (ValueError, RuntimeError) as exc:
            raise ValueError("redis_url") from exc
        return value.strip()

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+(/\S*)?$", value.strip()):
            raise ValueError("public_url")
        return value.strip().rstrip("/")

    @field_validator("secret_key", mode="before")
    @classmethod
    def _secret_key(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value):
            return None
        if not isinstance(value, str) or len(value) < 32:
            raise ValueError("secret_key")
        return value

    @field_validator("telegram_token", mode="before")
    @classmethod
    def _telegram_token(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^[0-9]+:[A-Za-z0-9_-]+$", value.strip()):
            raise ValueError("telegram_token")
        return value.strip()

    @field_validator("telegram_webhook_secret", mode="before")
    @classmethod
    def _telegram_secret(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value):
            return None
        # Telegram's own rule for secret_token in setWebhook.
        if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9_-]{1,256}$", value):
            raise ValueError("telegram_webhook_secret")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _telegram_api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value.strip()):
            raise ValueError("telegram_api_url")
        return value.strip().rstrip("/")

    @field_validator("twilio_account_sid", mode="before")
    @classmethod
    def _twilio_sid(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^AC[0-9a-fA-F]{32}$", value.strip()):
            raise ValueError("twilio_account_sid")
        return value.strip()

    @field_validator("twilio_auth_token", mode="before")
    @classmethod
    def _twilio_token(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^\S{16,256}$", value.strip()):
            raise ValueError("twilio_auth_token")
        return value.strip()

    @field_validator("meta_app_secret", "meta_access_token", mode="before")
    @classmethod
    def _meta_secret(cls, value: object, info: ValidationInfo) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^\S{8,1024}$", value.strip()):
            raise ValueError(info.field_name)
        return value.strip()

    @field_validator("meta_verify_token", mode="before")
    @classmethod
    def _meta_verify(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value):
            return None
        if not isinstance(value, str) or not re.match(r"^[!-~]{1,256}$", value):
            raise ValueError("meta_verify_token")
        return value

    @field_validator("twilio_api_url", "meta_api_url")
    @classmethod
    def _provider_url(cls, value: str, info: ValidationInfo) -> str:
        if not re.match(_URL, value.strip()):
            raise ValueError(info.field_name)
        return value.strip().rstrip("/")

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9.:\-\[\]]+$", value.strip()):
            raise ValueError("host")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("timezone") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        try:
            currency_exponent(value)
        except KeyError as exc:
            raise ValueError("currency") from exc
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError("log_level")
        return value.upper()

    @field_validator("queue_name")
    @classmethod
    def _queue_name(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9:_.\-]{1,100}$", value):
            raise ValueError("queue_name")
        return value

    @property
    def base_url(self) -> str:
        """Where people reach this server: PUBLIC_URL, or the bound host and port."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    def secrets(self) -> list[str | None]:
        """Every secret value, for the log redactor."""
        return [getattr(self, name) for name in sorted(_SECRET_FIELDS)]

    def secret(self) -> str:
        """The secret key (always set after ``load_settings``)."""
        if self.secret_key is None:
            raise RuntimeError("settings were built without load_settings()")
        return self.secret_key


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    expected = EXPECTED.get(field, first["msg"])
    given = first["input"]
    if field in _SECRET_FIELDS and isinstance(given, str):
        return f"{PREFIX}{field.upper()}: expected {expected}, got a value of {len(given)} characters"
    return f"{PREFIX}{field.upper()}: expected {expected}, got {given!r}"


def _checked(path: Path) -> str:
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < 32:
        raise SettingsError(
            f"{PREFIX}SECRET_KEY: expected {EXPECTED['secret_key']}, but {path} holds "
            f"{len(value)} characters (delete it to generate a new one)"
        )
    return value


def local_secret(state_dir: Path) -> str:
    """The secret kept in ``state_dir/secret_key`` (mode 0600), created on first use."""
    path = state_dir / "secret_key"
    if path.exists():
        return _checked(path)
    state_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
        # link() publishes the complete file or fails if another process won the race.
        os.link(tmp, path)
    except FileExistsError:
        return _checked(path)
    finally:
        os.unlink(tmp)
    return value


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings from the environment; raise ``SettingsError``
    (one line) on a bad value. ``overrides`` (from command-line flags) win over
    the environment. When no SECRET_KEY is given, one is generated
    once and kept in the state directory."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    if settings.telegram_token and not settings.telegram_webhook_secret and not settings.telegram_polling:
        raise SettingsError(
            f"{PREFIX}TELEGRAM_WEBHOOK_SECRET: expected {EXPECTED['telegram_webhook_secret']}, got None"
        )
    for present, missing in (("twilio_account_sid", "twilio_auth_token"),
                             ("twilio_auth_token", "twilio_account_sid"),
                             ("meta_access_token", "meta_app_secret"),
                             ("meta_access_token", "meta_verify_token"),
                             ("meta_verify_token", "meta_access_token"),
                             ("meta_app_secret", "meta_access_token")):
        if getattr(settings, present) and not getattr(settings, missing):
            raise SettingsError(f"{PREFIX}{missing.upper()}: expected {EXPECTED[missing]}, got None")
    if (settings.twilio_account_sid or settings.meta_access_token) and not settings.public_url:
        # Twilio signs the public URL it posts to, and the links sent to clients must reach us.
        raise SettingsError(f"{PREFIX}PUBLIC_URL: expected {EXPECTED['public_url']} (required with "
                            f"Twilio or Meta credentials), got None")
    if settings.secret_key is None:
        try:
            secret = local_secret(settings.state_dir)
        except OSError as exc:
            raise SettingsError(
                f"{PREFIX}STATE_DIR: expected {EXPECTED['state_dir']} that can be written, "
                f"got {str(settings.state_dir)!r} ({exc.strerror})"
            ) from None
        settings = settings.model_copy(update={"secret_key": secret})
    return settings
