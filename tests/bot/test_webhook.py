"""POST /webhooks/telegram through the real aiohttp app, with captured updates,
the engine on both databases and a local fake Bot API."""

from __future__ import annotations

import pytest
from aiohttp import web
from sqlalchemy import func, select

from garagebot.bot.webhook import SECRET_HEADER, TelegramConfig, TelegramDeps, setup_telegram
from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.conversations.types import Handled, Inbound
from garagebot.core.dispatch import Transports
from garagebot.core.enums import Role
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.linking import make_link_code
from garagebot.core.models import InboundEvent, OutboxRow, User
from garagebot.core.uow import Database
from tests.bot.conftest import SECRET, BotHarness, MakeClient, OtherChannels, update
from tests.bot.fake_api import TOKEN, FakeBotApi
from tests.conftest import Staff
from tests.conversations.chat import linked_user, telegram_id


async def inbound_count(bot: BotHarness, update_id: int) -> int:
    async with bot.db.read() as session:
        return int(await session.scalar(
            select(func.count()).select_from(InboundEvent)
            .where(InboundEvent.provider == "telegram", InboundEvent.event_id == str(update_id))
        ) or 0)


async def outbox_to(bot: BotHarness, chat: int) -> list[OutboxRow]:
    async with bot.db.read() as session:
        return list((await session.scalars(
            select(OutboxRow).where(OutboxRow.recipient == str(chat)).order_by(OutboxRow.id)
        )).all())


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_recorded(
    bot: BotHarness, org: OrgId
) -> None:
    _, tg = await linked_user(bot.db, org)
    raw = update("text", tg)

    assert await bot.post(raw, secret="wrong") == 403  # noqa: S106
    assert await bot.post(raw, secret=None) == 403
    assert await bot.post(raw, secret="") == 403
    assert await inbound_count(bot, raw["update_id"]) == 0
    assert await outbox_to(bot, tg) == []


async def test_a_text_message_gets_the_menu_with_an_inline_keyboard(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org, name="Sami")

    assert await bot.post(update("text", tg, text="menu")) == 200
    await bot.deliver()

    [sent] = bot.fake.to_chat(tg)
    assert sent.payload["text"] == "Hello Sami! What would you like to do?"
    keyboard = sent.payload["reply_markup"]
    assert keyboard == {"inline_keyboard": [
        [{"text": "My jobs", "callback_data": "m:jobs"}, {"text": "Parts", "callback_data": "m:parts"}],
        [{"text": "🔍 Inspections", "callback_data": "m:inspect"},
         {"text": "🌐 Language / اللغة", "callback_data": "g:language"}],
        [{"text": "❓ Help", "callback_data": "g:help"}],
    ]}
    [row] = await outbox_to(bot, tg)
    assert row.status == "sent"
    assert str(row.provider_message_id).startswith(f"{tg}:")


async def test_a_redelivered_update_is_processed_once(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    raw = update("text", tg, text="help")

    assert [await bot.post(raw), await bot.post(raw)] == [200, 200]

    assert await inbound_count(bot, raw["update_id"]) == 1
    assert [r.payload["key"] for r in await outbox_to(bot, tg)] == ["bot.help"]


async def test_an_unknown_telegram_user_is_refused_politely_in_both_languages(bot: BotHarness) -> None:
    stranger = telegram_id()

    assert await bot.post(update("text", stranger, text="hello")) == 200

    [text] = bot.fake.texts(stranger)
    assert text.startswith("Hello! This bot is for the garage's staff only")
    assert "هذا البوت مخصص لموظفي الكراج فقط" in text
    await bot.deliver()
    assert bot.fake.texts(stranger) == [text]
    assert await outbox_to(bot, stranger) == []


async def test_an_arabic_stranger_reads_the_arabic_refusal_first(bot: BotHarness) -> None:
    stranger = telegram_id()
    raw = update("text", stranger, text="مرحبا")
    raw["message"]["from"]["language_code"] = "ar"

    assert await bot.post(raw) == 200

    [text] = bot.fake.texts(stranger)
    assert text.startswith("مرحبًا! هذا البوت مخصص لموظفي الكراج فقط")
    assert "Hello! This bot is for the garage's staff only" in text


async def test_start_with_a_code_links_the_account(bot: BotHarness, staff: Staff) -> None:
    async with bot.db.unit_of_work(staff.manager) as uow:
        code = await make_link_code(uow, staff.id(staff.advisor))
    tg = telegram_id()

    assert await bot.post(update("text", tg, text=f"/start {code}")) == 200
    await bot.deliver()

    texts = bot.fake.texts(tg)
    assert texts[0] == "Welcome, Advisor! Your Telegram account is now linked."
    assert texts[1] == "Hello Advisor! What would you like to do?"
    async with bot.db.read() as session:
        linked = await session.scalar(select(User.telegram_user_id).where(User.id == staff.id(staff.advisor)))
    assert linked == tg


async def test_switching_language_with_buttons_answers_every_callback(bot: BotHarness, org: OrgId) -> None:
    uid, tg = await linked_user(bot.db, org, role=Role.LEAD_TECHNICIAN, name="Rami")
    await bot.post(update("text", tg, text="language"))
    press = update("callback_query", tg, data="lang:ar")

    assert await bot.post(press) == 200
    await bot.deliver()

    [answer] = bot.fake.of("answerCallbackQuery")
    assert answer.payload == {"callback_query_id": press["callback_query"]["id"]}
    texts = bot.fake.texts(tg)
    assert texts[0] == "Which language would you like? / بأي لغة تريد أن نتحدث؟"
    assert texts[1] == "تم: سأكتب لك بالعربية."
    assert texts[2].startswith("مرحبًا \u2068Rami\u2069!")
    async with bot.db.read() as session:
        assert await session.scalar(select(User.locale).where(User.id == uid)) == "ar"


async def test_menu_back_and_help_work_in_english_and_arabic(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org, locale="ar")
    for word in ("مساعدة", "help", "القائمة", "language", "رجوع"):
        assert await bot.post(update("text", tg, text=word)) == 200
    await bot.deliver()

    keys = [r.payload["key"] for r in await outbox_to(bot, tg)]
    assert keys == ["bot.help", "bot.help", "bot.menu", "bot.language_prompt", "bot.menu"]
    texts = bot.fake.texts(tg)
    assert texts[0].startswith("يمكنك كتابة هذه الكلمات في أي وقت")
    assert texts[2].startswith("مرحبًا")


async def test_a_button_press_from_a_stranger_is_still_answered(bot: BotHarness) -> None:
    stranger = telegram_id()
    press = update("callback_query", stranger, data="g:menu")

    assert await bot.post(press) == 200

    assert [c.payload["callback_query_id"] for c in bot.fake.of("answerCallbackQuery")] == [
        press["callback_query"]["id"]
    ]
    assert len(bot.fake.texts(stranger)) == 1


async def test_an_edited_message_and_an_unknown_update_kind_are_accepted_and_ignored(
    bot: BotHarness, org: OrgId
) -> None:
    _, tg = await linked_user(bot.db, org)
    edited, unknown = update("edited_message", tg), update("unknown_kind", tg)

    assert await bot.post(edited) == 200
    assert await bot.post(unknown) == 200

    assert await inbound_count(bot, edited["update_id"]) == 1
    assert await inbound_count(bot, unknown["update_id"]) == 0
    assert await outbox_to(bot, tg) == []


async def test_a_group_chat_is_not_served(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    raw = update("group_text", tg)

    assert await bot.post(raw) == 200

    assert await inbound_count(bot, raw["update_id"]) == 0
    assert bot.fake.calls == []


async def test_a_body_that_is_not_an_update_is_a_bad_request(bot: BotHarness) -> None:
    resp = await bot.client.post("/webhooks/telegram", data=b"{not json",
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_for-tests"})
    assert resp.status == 400
    assert await bot.post({"hello": "world"}) == 400


async def test_media_messages_reach_the_engine(bot: BotHarness, org: OrgId) -> None:
    _, tg = await linked_user(bot.db, org)
    for name in ("photo", "document", "voice", "location"):
        assert await bot.post(update(name, tg)) == 200

    keys = [r.payload["key"] for r in await outbox_to(bot, tg)]
    # A technician's photo, document and voice note are files for a step: the
    # job list asks which (they have none); a location means nothing there.
    assert keys == (["staff.media_which_step", "staff.no_jobs"] * 3
                    + ["staff.not_understood_jobs", "staff.no_jobs"])


class BrokenEngine(Engine):
    async def handle(self, msg: Inbound) -> Handled:
        raise ConnectionError("database away")


async def test_an_update_that_could_not_be_processed_is_a_503_so_telegram_redelivers_it(
    db: Database, aiohttp_client: MakeClient, fake_api: tuple[FakeBotApi, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = fake_api
    deps = TelegramDeps(BrokenEngine(db, default_registry()), Translator.load(),
                        Transports(OtherChannels()), db.clock)
    app = web.Application()
    setup_telegram(app, TelegramConfig(TOKEN, SECRET, api_url=url), lambda _app: deps)
    client = await aiohttp_client(app)
    press = update("callback_query", telegram_id())

    resp = await client.post("/webhooks/telegram", json=press, headers={SECRET_HEADER: SECRET})

    assert resp.status == 503
    assert "was not processed" in caplog.text
    assert len(fake.of("answerCallbackQuery")) == 1  # the spinner stops even so
