"""Long polling feeds the same processing as the webhook; failures are fetched again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from aiohttp import web
from sqlalchemy import select

from garagebot.bot.api import TelegramApi
from garagebot.bot.polling import run_polling
from garagebot.bot.webhook import TelegramConfig, TelegramDeps, setup_telegram
from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.core.dispatch import Transports
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.bot.conftest import SECRET, MakeClient, OtherChannels, update
from tests.bot.fake_api import TOKEN, FakeBotApi
from tests.conversations.chat import linked_user


async def test_polled_updates_are_processed_in_order_and_a_failed_one_is_fetched_again(
    api: TelegramApi, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]
    seen: list[int] = []
    failed_once = asyncio.Event()
    done = asyncio.Event()

    async def process(raw: Mapping[str, object]) -> None:
        update_id = int(str(raw["update_id"]))
        if update_id == 2 and not failed_once.is_set():
            failed_once.set()
            raise RuntimeError("database away")
        seen.append(update_id)
        if update_id == 3:
            done.set()

    async def no_pause(seconds: float) -> None:
        return None

    poller = asyncio.create_task(run_polling(api, process, poll_seconds=1, sleep=no_pause))
    for update_id in (1, 2, 3):
        await fake.add_update({"update_id": update_id})
    await asyncio.wait_for(done.wait(), 10)
    poller.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poller

    assert seen == [1, 2, 3]
    assert fake.of("deleteWebhook")[0].payload == {"drop_pending_updates": False}
    offsets = [c.payload.get("offset") for c in fake.of("getUpdates")]
    assert offsets[:1] == [None]
    assert 2 in offsets  # after the failure, polling resumed at the failed update


async def test_the_app_polls_when_configured_to(
    db: Database, org: OrgId, aiohttp_client: MakeClient, fake_api: tuple[FakeBotApi, str],
) -> None:
    fake, url = fake_api
    _, tg = await linked_user(db, org)
    deps = TelegramDeps(Engine(db, default_registry()), Translator.load(), Transports(OtherChannels()),
                        db.clock)
    app = web.Application()
    setup_telegram(app, TelegramConfig(TOKEN, SECRET, api_url=url, polling=True), lambda _app: deps)
    await aiohttp_client(app)
    raw = update("text", tg, text="help")

    await fake.add_update(raw)
    calls = await fake.wait_for("getUpdates", 2)

    assert calls[-1].payload["offset"] == raw["update_id"] + 1
    async with db.read() as session:
        keys = (await session.scalars(
            select(OutboxRow.topic).where(OutboxRow.recipient == str(tg)))).all()
    assert keys == ["bot.help"]
    assert fake.of("setWebhook") == []


async def test_the_app_sets_its_webhook_when_it_has_a_public_url(
    db: Database, aiohttp_client: MakeClient, fake_api: tuple[FakeBotApi, str],
) -> None:
    fake, url = fake_api
    deps = TelegramDeps(Engine(db, default_registry()), Translator.load(), Transports(OtherChannels()),
                        db.clock)
    app = web.Application()
    config = TelegramConfig(TOKEN, SECRET, api_url=url, public_url="https://garage.example.com/")
    setup_telegram(app, config, lambda _app: deps)

    await aiohttp_client(app)

    [call] = fake.of("setWebhook")
    assert call.payload == {
        "url": "https://garage.example.com/webhooks/telegram", "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
