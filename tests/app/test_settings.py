"""Settings: defaults, the generated secret, and one clear line per bad variable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from garagebot.app.cli import main
from garagebot.app.settings import SettingsError, load_settings


def test_defaults_suit_the_embedded_demo(clean_env: Path) -> None:
    s = load_settings()
    assert s.database_url == "sqlite+aiosqlite:///./garagebot.db"
    assert (s.redis_url, s.public_url) == (None, None)
    assert (s.host, s.port, s.base_url) == ("127.0.0.1", 8080, "http://127.0.0.1:8080")
    assert (s.default_locale, s.timezone, s.currency) == ("en", "Asia/Amman", "JOD")
    assert s.media_dir == Path("media")
    assert s.log_level == "INFO"


def test_an_unset_secret_is_generated_once_and_kept_private(clean_env: Path) -> None:
    first = load_settings().secret()
    key_file = clean_env / ".garagebot" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text(encoding="utf-8") == first
    assert len(first) >= 32
    assert load_settings().secret() == first


def test_a_given_secret_is_used_and_nothing_is_written(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARAGEBOT_SECRET_KEY", "k" * 32)
    assert load_settings().secret() == "k" * 32
    assert not (clean_env / ".garagebot").exists()


def test_values_are_read_and_normalised(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DATABASE_URL": "postgres://app:pw@db.internal:5432/garage",
        "REDIS_URL": "redis://cache:6379/2",
        "PUBLIC_URL": "https://garage.example.com/",
        "PORT": "9000",
        "DEFAULT_LOCALE": "ar",
        "TIMEZONE": "Asia/Riyadh",
        "CURRENCY": "SAR",
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": " JSON ",
        "OUTBOX_MAX_AGE_SECONDS": "600",
    }.items():
        monkeypatch.setenv(f"GARAGEBOT_{name}", value)
    s = load_settings()
    assert s.database_url == "postgresql+asyncpg://app:pw@db.internal:5432/garage"
    assert s.redis_url == "redis://cache:6379/2"
    assert s.base_url == "https://garage.example.com"
    assert (s.port, s.default_locale, s.timezone, s.currency) == (9000, "ar", "Asia/Riyadh", "SAR")
    assert s.log_level == "DEBUG"
    assert (s.log_format, s.outbox_max_age_seconds) == ("json", 600)


BAD = [
    ("PORT", "abc", "GARAGEBOT_PORT: expected an integer 1-65535, got 'abc'"),
    ("PORT", "70000", "GARAGEBOT_PORT: expected an integer 1-65535, got '70000'"),
    ("DATABASE_URL", "mysql://x/y",
     "GARAGEBOT_DATABASE_URL: expected a URL like sqlite+aiosqlite:///./garagebot.db or "
     "postgresql+asyncpg://user:password@host:5432/dbname, got 'mysql://x/y'"),
    ("REDIS_URL", "localhost:6379",
     "GARAGEBOT_REDIS_URL: expected a URL like redis://host:6379/0 (or unset for the in-process "
     "queue), got 'localhost:6379'"),
    ("REDIS_URL", "redis://cache:6379/zero",
     "GARAGEBOT_REDIS_URL: expected a URL like redis://host:6379/0 (or unset for the in-process "
     "queue), got 'redis://cache:6379/zero'"),
    ("PUBLIC_URL", "garage.example.com",
     "GARAGEBOT_PUBLIC_URL: expected an http:// or https:// URL like https://garage.example.com, "
     "got 'garage.example.com'"),
    ("SECRET_KEY", "short",
     "GARAGEBOT_SECRET_KEY: expected at least 32 characters (or unset to generate one), "
     "got a value of 5 characters"),  # a secret, even a bad one, is never echoed
    ("HOST", "my host", "GARAGEBOT_HOST: expected a host name or IP address like 127.0.0.1 or "
     "0.0.0.0, got 'my host'"),
    ("DEFAULT_LOCALE", "fr", "GARAGEBOT_DEFAULT_LOCALE: expected en or ar, got 'fr'"),
    ("TIMEZONE", "Mars/Olympus",
     "GARAGEBOT_TIMEZONE: expected an IANA time zone like Asia/Amman, got 'Mars/Olympus'"),
    ("CURRENCY", "XYZ",
     "GARAGEBOT_CURRENCY: expected a supported ISO 4217 currency code like JOD, got 'XYZ'"),
    ("LOG_LEVEL", "LOUD",
     "GARAGEBOT_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'"),
    ("LOG_FORMAT", "yaml", "GARAGEBOT_LOG_FORMAT: expected text or json, got 'yaml'"),
    ("OUTBOX_MAX_AGE_SECONDS", "5",
     "GARAGEBOT_OUTBOX_MAX_AGE_SECONDS: expected a whole number of seconds between 10 and 86400, got '5'"),
    ("QUEUE_NAME", "a queue",
     "GARAGEBOT_QUEUE_NAME: expected a Redis key name like garagebot:queue, got 'a queue'"),
    ("OUTBOX_POLL_SECONDS", "0",
     "GARAGEBOT_OUTBOX_POLL_SECONDS: expected a number of seconds between 0.1 and 3600, got '0'"),
]


@pytest.mark.parametrize(("name", "value", "line"), BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_value_is_refused_with_one_line_naming_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, line: str
) -> None:
    monkeypatch.setenv(f"GARAGEBOT_{name}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == line


def test_an_unwritable_state_dir_is_named(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "file").write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("GARAGEBOT_STATE_DIR", str(clean_env / "file" / "state"))
    with pytest.raises(SettingsError, match=r"^GARAGEBOT_STATE_DIR: expected a directory path"):
        load_settings()


def test_the_cli_stops_on_a_bad_setting_with_exit_code_2(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GARAGEBOT_PORT", "abc")
    assert main(["migrate"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "GARAGEBOT_PORT: expected an integer 1-65535, got 'abc'\n"
    assert captured.out == ""


def test_the_installed_command_prints_no_traceback_for_a_bad_setting(clean_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GARAGEBOT_")}
    env["GARAGEBOT_TIMEZONE"] = "Asia/Nowhere"
    garagebot = Path(sys.executable).parent / "garagebot"
    done = subprocess.run(  # noqa: S603  (our own console script)
        [str(garagebot), "serve"], env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "GARAGEBOT_TIMEZONE: expected an IANA time zone like Asia/Amman, got 'Asia/Nowhere'\n"
    )


def test_a_damaged_secret_file_is_named_instead_of_used(clean_env: Path) -> None:
    (clean_env / ".garagebot").mkdir()
    (clean_env / ".garagebot" / "secret_key").write_text("short\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^GARAGEBOT_SECRET_KEY: expected at least 32 "
                       r"characters .* holds 5 characters \(delete it to generate a new one\)$"):
        load_settings()
