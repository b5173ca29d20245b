"""Deactivating a member in the console ends their console sessions and the
bot refuses their Telegram messages (through the real app's webhook)."""

from __future__ import annotations

from pathlib import Path

from pytest_aiohttp import AiohttpServer
from sqlalchemy import func, select

from garagebot.app.web import create_app
from garagebot.bot.webhook import SECRET_HEADER
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, MakeClient, give_password, link_telegram
from tests.app.conftest import app_settings
from tests.app.test_telegram_app import SECRET, text_update
from tests.bot.fake_api import TOKEN, FakeBotApi
from tests.conftest import Staff
from tests.fakes import FakeClock


async def replies_to(db: Database, staff: Staff, chat: int) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.organization_id == staff.org, OutboxRow.recipient == str(chat))) or 0)


async def test_a_deactivated_member_is_signed_out_and_the_bot_refuses_them(
    aiohttp_client: MakeClient, aiohttp_server: AiohttpServer, db_url: str, tmp_path: Path,
    clock: FakeClock, db: Database, staff: Staff, other_browser: Browser,
) -> None:
    assert staff.tech.id is not None
    chat = 9_700_000 + staff.tech.id
    await link_telegram(db, staff.tech, chat)
    fake = FakeBotApi()
    fake_server = await aiohttp_server(fake.app())
    settings = app_settings(db_url, tmp_path, telegram_token=TOKEN, telegram_webhook_secret=SECRET,
                            telegram_api_url=str(fake_server.make_url("")).rstrip("/"))
    client = await aiohttp_client(create_app(settings, clock=clock))
    update = text_update(chat, chat, "menu")
    resp = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert resp.status == 200
    assert await replies_to(db, staff, chat) == 1
    await other_browser.sign_in(await give_password(db, staff.tech))
    manager = Browser(client)
    await manager.sign_in(await give_password(db, staff.manager))
    await manager.get(f"/staff/{staff.tech.id}")
    assert (await manager.post(f"/staff/{staff.tech.id}/active", {"active": "0"}))[0] == 303
    assert (await other_browser.get("/"))[0] == 303  # signed out of the console
    update = text_update(chat + 1, chat, "menu")
    resp = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert resp.status == 200
    assert await replies_to(db, staff, chat) == 1  # nothing more queued for them in the garage
