"""Fixtures of the composition-root tests: a clean GARAGEBOT_* environment in a
temporary working directory, and settings built directly for app factories."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from garagebot.app.settings import PREFIX, Settings
from tests.webhooks.twilio.fake_api import FakeTwilioApi

SECRET = "s" * 40


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GARAGEBOT_* setting from the outer environment; cwd is a fresh directory."""
    for name in Settings.model_fields:
        monkeypatch.delenv(PREFIX + name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def app_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Settings for an app built in-process (no environment involved)."""
    values: dict[str, object] = {
        "database_url": database_url, "secret_key": SECRET, "media_dir": tmp_path / "media",
        "state_dir": tmp_path / "state", **overrides,
    }
    return Settings.model_validate(values)


async def fake_twilio_settings(aiohttp_server: AiohttpServer, database_url: str,
                               tmp_path: Path) -> tuple[FakeTwilioApi, Settings]:
    """A local fake Twilio API, and app settings pointing the Twilio adapter at it."""
    from tests.conversations.client.harness import PUBLIC_URL
    from tests.webhooks.twilio.fake_api import ACCOUNT_SID, AUTH_TOKEN

    fake = FakeTwilioApi()
    fake_server = await aiohttp_server(fake.app())
    settings = app_settings(
        database_url, tmp_path, public_url=PUBLIC_URL, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN, twilio_api_url=str(fake_server.make_url("")).rstrip("/"),
        outbox_poll_seconds=0.2,
    )
    return fake, settings


def refusal(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    """The one-line SettingsError ``load_settings`` raises with ``env`` set."""
    from garagebot.app.settings import SettingsError, load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    return message
