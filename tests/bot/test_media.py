"""A step fetches the bytes of a photo sent in Telegram through the engine's media sources."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from garagebot.bot.webhook import TelegramConfig, TelegramDeps, setup_telegram
from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.conversations.router import Flow, MenuEntry, StateSpec, Step, StepContext, stay
from garagebot.conversations.types import Reply
from garagebot.core.dispatch import Transports
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.bot.conftest import SECRET, MakeClient, OtherChannels, update
from tests.bot.fake_api import TOKEN, FakeBotApi
from tests.conversations.chat import linked_user


def attach_flow() -> Flow:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply("test.send_photo"),)

    async def handle(ctx: StepContext) -> Step:
        sizes = [len(await ctx.fetch(ref)) for ref in ctx.msg.media]
        return stay(Reply("test.got", {"bytes": sum(sizes)}))

    return Flow("attach", "waiting", {"waiting": StateSpec(prompt, handle)})


async def replies_to(db: Database, chat: int) -> list[dict[str, object]]:
    async with db.read() as session:
        rows = (await session.scalars(
            select(OutboxRow).where(OutboxRow.recipient == str(chat)).order_by(OutboxRow.id))).all()
    return [r.payload for r in rows]


async def test_a_step_gets_the_photo_bytes_and_a_missing_file_is_explained(
    db: Database, org: OrgId, aiohttp_client: MakeClient, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake, url = fake_api
    registry = default_registry()
    registry.add_flow(attach_flow())
    registry.add_menu_entry(MenuEntry("attach", "test.attach", "attach", phrases=("attach",)))
    deps = TelegramDeps(Engine(db, registry), Translator.load(), Transports(OtherChannels()), db.clock)
    app = web.Application()
    setup_telegram(app, TelegramConfig(TOKEN, SECRET, api_url=url), lambda _app: deps)
    client = await aiohttp_client(app)
    _, tg = await linked_user(db, org)
    fake.files["AgACAgQAAxkBAAIBsmZ0large"] = b"\xff\xd8" + b"j" * 98

    for raw in (update("text", tg, text="attach"), update("photo", tg)):
        resp = await client.post("/webhooks/telegram", json=raw,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert resp.status == 200
    fake.files.clear()
    await client.post("/webhooks/telegram", json=update("photo", tg),
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

    payloads = await replies_to(db, tg)
    assert [(p["key"], p["params"]) for p in payloads] == [
        ("test.send_photo", {}),
        ("test.got", {"bytes": 100}),
        ("error.media_unavailable", {"kind": "photo"}),
    ]
    assert [c.payload["file_id"] for c in fake.of("getFile")] == ["AgACAgQAAxkBAAIBsmZ0large"] * 2
