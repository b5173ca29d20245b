"""The composed app mounts the client pages and reads its settings for them."""

from __future__ import annotations

from pathlib import Path

from garagebot.app.pages import notify_config
from garagebot.app.web import create_app
from tests.app.conftest import SECRET, app_settings
from tests.webhooks.pages.conftest import MakeClient


async def test_the_app_serves_the_pages_and_their_static_files(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path)))
    forged = await client.get("/a/forged-token")
    assert forged.status == 404
    assert "This link is not valid" in await forged.text()
    assert (await client.get("/t/forged-token")).status == 404
    script = await client.get("/pages-static/signature.js")
    assert script.status == 200
    assert "pointerdown" in await script.text()


def test_the_notification_links_use_the_public_url_and_the_link_settings(tmp_path: Path) -> None:
    settings = app_settings("sqlite+aiosqlite:///x.db", tmp_path, public_url="https://cars.example.jo/",
                            approval_link_hours=48, approval_reminder_hours=0)
    config = notify_config(settings)
    assert (config.public_url, config.secret) == ("https://cars.example.jo", SECRET)
    assert (config.approval_link_hours, config.approval_reminder_hours) == (48, 0)
