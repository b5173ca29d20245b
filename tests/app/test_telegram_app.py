"""The Telegram bot composed into the real app: settings, webhook, engine,
outbox, in-process dispatcher and the Telegram transport, against a local
fake Bot API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import func, select

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import load_settings
from garagebot.app.web import create_app
from garagebot.bot.sender import TelegramTransport
from garagebot.bot.webhook import SECRET_HEADER
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role
from garagebot.core.ids import OrgId
from garagebot.core.models import InboundEvent, OutboxRow
from garagebot.core.staff import create_user
from garagebot.core.uow import Database
from tests.app.conftest import app_settings, refusal
from tests.bot.fake_api import TOKEN, FakeBotApi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SECRET = "webhook-Secret_1"  # noqa: S105 (a test value)


def text_update(update_id: int, user: int, text: str) -> dict[str, object]:
    raw: dict[str, object] = json.loads((FIXTURES / "text.json").read_text(encoding="utf-8"))
    message = raw["message"]
    assert isinstance(message, dict)
    message["from"]["id"] = user
    message["chat"]["id"] = user
    message["text"] = text
    raw["update_id"] = update_id
    return raw


async def test_a_linked_technician_gets_the_menu_back_through_the_real_app(
    db: Database, org: OrgId, db_url: str, tmp_path: Path,
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> None:
    async with db.unit_of_work(Actor.system(org)) as uow:
        await create_user(uow, name="Yousef", role=Role.TECHNICIAN, telegram_user_id=7100001)
    fake = FakeBotApi()
    fake_server = await aiohttp_server(fake.app())
    settings = app_settings(
        db_url, tmp_path, telegram_token=TOKEN, telegram_webhook_secret=SECRET,
        telegram_api_url=str(fake_server.make_url("")).rstrip("/"), outbox_poll_seconds=0.2,
    )
    client = await aiohttp_client(create_app(settings))
    update = text_update(880001, 7100001, "menu")

    forged = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: "wrong"})
    assert forged.status == 403
    missing = await client.post("/webhooks/telegram", json=update)
    assert missing.status == 403

    for _ in range(2):  # the second delivery is Telegram's retry of the same update
        ok = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert ok.status == 200

    await fake.wait_for("sendMessage")
    assert fake.texts(7100001)[0].startswith("Hello Yousef!")
    async with db.read() as s:
        events = await s.scalar(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.event_id == "880001"))
        rows = await s.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.organization_id == org, OutboxRow.recipient == "7100001"))
    assert (events, rows) == (1, 1)


async def test_every_process_registers_the_telegram_sender_when_a_token_is_set(
    db_url: str, tmp_path: Path
) -> None:
    with_token = app_settings(db_url, tmp_path, telegram_token=TOKEN, telegram_webhook_secret=SECRET)
    async with open_runtime(with_token, in_process_drain=False) as rt:
        assert isinstance(rt.transports.get(Channel.TELEGRAM), TelegramTransport)
    without = app_settings(db_url, tmp_path)
    async with open_runtime(without, in_process_drain=False) as rt:
        assert not isinstance(rt.transports.get(Channel.TELEGRAM), TelegramTransport)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GARAGEBOT_TELEGRAM_TOKEN": "123456:" + "A" * 30},
         "GARAGEBOT_TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters"),
        ({"GARAGEBOT_TELEGRAM_TOKEN": "not-a-token"},
         "GARAGEBOT_TELEGRAM_TOKEN: expected a Bot API token like 123456:ABC-DEF… "
         "(or unset to run without Telegram), got a value of 11 characters"),
        ({"GARAGEBOT_TELEGRAM_TOKEN": "123456:" + "A" * 30, "GARAGEBOT_TELEGRAM_WEBHOOK_SECRET": "has space"},
         "GARAGEBOT_TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters"),
        ({"GARAGEBOT_TELEGRAM_API_URL": "ftp://x"}, "GARAGEBOT_TELEGRAM_API_URL: expected an http://"),
    ],
)
def test_bad_telegram_settings_stop_with_one_line_that_never_echoes_a_secret(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    message = refusal(monkeypatch, env)
    assert message.startswith(expected)
    assert "AAAAAAAAAAAAAAAAAAAA" not in message
    assert "has space" not in message


def test_polling_needs_no_webhook_secret(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARAGEBOT_TELEGRAM_TOKEN", "123456:" + "A" * 30)
    assert load_settings(telegram_polling=True).telegram_polling is True
