"""Fixtures for the Telegram adapter: the fake Bot API, the app with the bot
mounted through ``setup_telegram``, captured updates and the dispatcher."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from garagebot.bot.api import TelegramApi
from garagebot.bot.webhook import SECRET_HEADER, TelegramConfig, TelegramDeps, setup_telegram
from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.core.dispatch import Dispatcher, Subscribers, Transports
from garagebot.core.i18n import Translator
from garagebot.core.ports import OutboundMessage, SendResult
from garagebot.core.uow import Database
from tests.bot.fake_api import TOKEN, FakeBotApi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SECRET = "s3cret-Token_for-tests"  # noqa: S105 (a test value)
_UPDATE_IDS = itertools.count(1)

Client = TestClient[web.Request, web.Application]
MakeServer = Callable[[web.Application], Awaitable[TestServer]]
MakeClient = Callable[[web.Application], Awaitable[Client]]


class OtherChannels:
    """Other tests' messages on other channels (the databases are shared by the run)."""

    async def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(f"elsewhere-{message.outbox_id}")


def update(name: str, user: int, *, update_id: int | None = None, **changes: Any) -> dict[str, Any]:
    """A captured update from tests/fixtures/telegram with the sender (and
    chat) set to ``user``, a fresh ``update_id``, and ``changes`` applied to
    its message (``text=…``) or callback query (``data=…``)."""
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["update_id"] = update_id if update_id is not None else 900_000_000 + next(_UPDATE_IDS)
    body = next(v for k, v in raw.items() if k != "update_id")
    body["from"]["id"] = user
    chat = body.get("chat") or body.get("message", {}).get("chat")
    if chat is not None and chat.get("type") == "private":
        chat["id"] = user
    body.update(changes)
    return raw


@pytest.fixture
def translator() -> Translator:
    return Translator.load()


@pytest.fixture
async def fake_api(aiohttp_server: MakeServer) -> tuple[FakeBotApi, str]:
    fake = FakeBotApi()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@dataclass
class BotHarness:
    client: Client
    fake: FakeBotApi
    db: Database
    dispatcher: Dispatcher
    api_url: str

    async def post(self, raw: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        resp = await self.client.post("/webhooks/telegram", json=raw, headers=headers)
        return resp.status

    async def deliver(self) -> None:
        """Drain the outbox (the dispatcher sends through the Telegram transport)."""
        await self.dispatcher.drain()


@pytest.fixture
async def bot(
    db: Database, aiohttp_client: MakeClient, fake_api: tuple[FakeBotApi, str], translator: Translator
) -> BotHarness:
    fake, url = fake_api
    transports = Transports(OtherChannels())
    engine = Engine(db, default_registry())
    deps = TelegramDeps(engine, translator, transports, db.clock)
    app = web.Application()
    # Unpaced: draining also sends what earlier tests left in the shared databases.
    config = TelegramConfig(TOKEN, SECRET, api_url=url, per_chat_per_second=1e6, global_per_second=1e6)
    setup_telegram(app, config, lambda _app: deps)
    client = await aiohttp_client(app)
    dispatcher = Dispatcher(db, translator, transports, Subscribers())
    return BotHarness(client, fake, db, dispatcher, url)


@pytest.fixture
async def api(fake_api: tuple[FakeBotApi, str]) -> AsyncIterator[TelegramApi]:
    async with aiohttp.ClientSession() as session:
        yield TelegramApi(session, TOKEN, fake_api[1])
