"""Issue 11 findings on POST /webhooks/telegram through the real aiohttp app
with the right secret: text the database cannot store (1.5), and input that
used to answer 500 (1.9): a secret header that is not UTF-8, deep nesting,
ids beyond BIGINT, a ``message`` that is a string."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sqlalchemy import select

from garagebot.bot.webhook import SECRET_HEADER, TelegramConfig, TelegramDeps, setup_telegram
from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.core.dispatch import Transports
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.models import InboundEvent
from garagebot.core.uow import Database
from tests.bot.conftest import SECRET, BotHarness, MakeClient, OtherChannels, update
from tests.bot.fake_api import TOKEN
from tests.conversations.chat import linked_user
from tests.fakes import FakeClock
from tests.webhooks.rawhttp import raw_request

PATH = b"/webhooks/telegram"


async def recorded(bot: BotHarness, update_id: int) -> InboundEvent | None:
    async with bot.db.read() as session:
        return (await session.scalars(select(InboundEvent).where(
            InboundEvent.provider == "telegram", InboundEvent.event_id == str(update_id)))).one_or_none()


async def post_body(bot: BotHarness, body: bytes) -> int:
    resp = await bot.client.post("/webhooks/telegram", data=body, headers={
        SECRET_HEADER: SECRET, "Content-Type": "application/json"})
    return resp.status


async def test_nul_and_lone_surrogates_are_recorded_and_answered(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    for text in ("menu\x00", "men\ud800u", "\udfff\x00"):
        raw = update("text", tg, text=text)
        assert await post_body(bot, json.dumps(raw).encode()) == 200, repr(text)
        event = await recorded(bot, raw["update_id"])
        assert event is not None, repr(text)
        assert event.processed_at is not None, repr(text)
        assert "\x00" not in json.dumps(event.payload, ensure_ascii=False)


async def test_a_secret_header_that_is_not_utf8_is_refused(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    raw = update("text", tg, text="menu")
    for header in (SECRET.encode() + b"\xff", b"\xc3\x28", b"\xff"):
        status = await raw_request(bot.client, "POST", PATH, {
            SECRET_HEADER.encode(): header, b"Content-Type": b"application/json"}, json.dumps(raw).encode())
        assert status == 403, header
    assert await recorded(bot, raw["update_id"]) is None


async def test_strange_but_authentic_updates_get_a_4xx_or_200_never_500(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    huge = 2**70
    bodies: list[Any] = [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        {"update_id": 901_000_001, "message": "hello"},
        {"update_id": 901_000_002, "callback_query": "hello"},
        {"update_id": huge, "message": update("text", tg)["message"]},
        update("text", huge, text="menu"),
        update("callback_query", huge, data="m:jobs"),
        update("text", -huge, text="menu"),
        update("text", tg, text="menu", message_id=huge),
        update("text", tg, text="menu", chat={"id": huge, "type": "private"}),
        update("location", tg, location={"latitude": 1e308, "longitude": -1e308}),
        b'{"update_id": 901000003, "message": {"text": "\xff"}}',
        b"\xff\xfe",
    ]
    for body in bodies:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        assert await post_body(bot, data) < 500, data[:200]


async def test_with_the_database_down_the_answer_is_a_503_so_telegram_delivers_again(
    aiohttp_client: MakeClient, clock: FakeClock, translator: Translator
) -> None:
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:9/closed_port", clock=clock)
    deps = TelegramDeps(Engine(down, default_registry()), translator, Transports(OtherChannels()), clock)
    app = web.Application()
    setup_telegram(app, TelegramConfig(TOKEN, SECRET, api_url="http://127.0.0.1:9"), lambda _app: deps)
    client = await aiohttp_client(app)
    try:
        resp = await client.post("/webhooks/telegram", json=update("text", 42, text="menu"),
                                 headers={SECRET_HEADER: SECRET})
    finally:
        await down.dispose()
    assert resp.status == 503
