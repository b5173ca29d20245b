"""Fixtures of the console tests: the whole app on the test's database and clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from garagebot.app.web import create_app
from tests.admin_web.harness import Browser, MakeClient
from tests.app.conftest import app_settings
from tests.fakes import FakeClock


@pytest.fixture
async def browser(aiohttp_client: MakeClient, db_url: str, tmp_path: Path, clock: FakeClock) -> Browser:
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path), clock=clock))
    return Browser(client)


@pytest.fixture
async def other_browser(aiohttp_client: MakeClient, db_url: str, tmp_path: Path, clock: FakeClock) -> Browser:
    """A second browser (its own cookies) on another app of the same database."""
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path / "b"), clock=clock))
    return Browser(client)
