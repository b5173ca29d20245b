"""Issue 10, point 7: a garage made by ``create-org`` and ``org import`` of a
configuration file takes a client's car from intake to a paid delivery
through Telegram (updates posted to the composed app's webhook), WhatsApp
(the signed Twilio webhook) and the client's signed approval page only, in
English and in Arabic, on SQLite and PostgreSQL. Every message each person
receives is asserted, step by step, in their language; at the end the
invoice is paid, the stock matches its ledger and the audit chain holds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import select

from garagebot.app import telegram
from garagebot.app.keys import RUNTIME
from garagebot.app.settings import Settings
from garagebot.app.telegram import telegram_config as paced
from garagebot.app.web import create_app
from garagebot.bot.webhook import TelegramConfig
from garagebot.core.actor import Actor
from garagebot.core.audit import verify_chain
from garagebot.core.enums import Channel
from garagebot.core.ids import OrgId, UserId
from garagebot.core.inventory.verify import verify_stock
from garagebot.core.linking import make_link_code
from garagebot.core.models import ClientRating, Invoice, QuoteLine, RepairSession, User
from garagebot.core.uow import Database
from tests.app.conftest import fake_twilio_settings
from tests.app.test_client_journey import link, settled
from tests.bot.fake_api import TOKEN, FakeBotApi
from tests.conversations.chat import telegram_id
from tests.conversations.client.harness import PUBLIC_URL, mobile
from tests.core.inventory.support import new_item
from tests.fakes import FakeClock
from tests.journeys.cast import ARABIC, ENGLISH, Cast, Words
from tests.journeys.harness import PHOTO_ID, TG_SECRET, App, ClientPhone, Settle, StaffPhone, cli
from tests.webhooks.pages.conftest import form_of
from tests.webhooks.pages.scene import png_data_url

CONFIG = Path(__file__).with_name("garage.yaml")
STAFF = {"advisor": "Huda", "manager": "Omar", "technician": "Sami", "lead_technician": "Khaled",
         "inventory": "Nour"}


async def garage(
    capsys: pytest.CaptureFixture[str], locale: str, whatsapp: str
) -> tuple[OrgId, str, dict[str, int]]:
    """``create-org``, ``org import`` of the file, and one member of staff per role, by the CLI."""
    slug = f"journey-{telegram_id()}"
    org = OrgId(int(await cli(capsys, "create-org", "--slug", slug, "--name-en", "Journey Motors",
                              "--name-ar", "كراج الرحلة", "--default-locale", locale,
                              "--whatsapp-number", whatsapp)))
    imported = await cli(capsys, "org", "import", "--org", slug, str(CONFIG))
    assert imported == f"{slug}: updated billing, qc_items, templates\n"
    users = {role: int(await cli(capsys, "create-user", "--org", slug, "--name", name, "--role", role,
                                 "--language", locale, "--skills", "mechanical"))
             for role, name in STAFF.items()}
    return org, slug, users


async def linked(app: App, db: Database, org: OrgId, user: int, locale: str, settle: Settle) -> StaffPhone:
    """The code ``link-code`` prints (made by the service it calls), sent to the bot as ``/start CODE``."""
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        code = await make_link_code(uow, UserId(user))
    phone = StaffPhone(app, db, telegram_id(), locale, settle)
    assert await phone.say(f"/start {code}") == ["bot.linked", "bot.menu"]
    async with db.read() as s:
        account = await s.get(User, user)
    assert account is not None
    assert account.telegram_user_id == phone.tg
    return phone


async def the_cast(
    words: Words, db: Database, clock: FakeClock, db_url: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> Cast:
    garage_number, client_number = mobile(), mobile()
    org, slug, users = await garage(capsys, words.locale, garage_number)
    fake_tg = FakeBotApi()
    fake_tg.files[PHOTO_ID] = b"\xff\xd8" + b"j" * 98
    tg_server = await aiohttp_server(fake_tg.app())
    _, settings = await fake_twilio_settings(aiohttp_server, db_url, tmp_path)
    settings = settings.model_copy(update={
        "telegram_token": TOKEN, "telegram_webhook_secret": TG_SECRET,
        "telegram_api_url": str(tg_server.make_url("")).rstrip("/")})
    app = await aiohttp_client(create_app(settings, clock=clock))

    async def settle() -> None:
        # A round that began before this call may still be handling an event (no
        # longer pending, its messages not yet queued): let it finish first.
        assert app.app is not None
        drainer = app.app[RUNTIME].drainer
        assert drainer is not None
        await drainer.outbox_written()  # wake it now rather than at its next poll
        await drainer.next_round()
        await settled(app, db, clock, org)

    staff = [await linked(app, db, org, users[role], words.locale, settle) for role in STAFF]
    client = ClientPhone(app, db, client_number, garage_number, words.locale, settle)
    # The garage's stock: no chat or page creates an item yet (reported).
    await new_item(db, Actor.user(org, UserId(users["inventory"]), Channel.TELEGRAM), stock=4,
                   price="12.000", name_en="Brake pads", name_ar="فحمات فرامل")
    advisor, manager, tech, lead, store = staff
    return Cast(app, db, org, slug, words, advisor, manager, tech, lead, store, client)


def unpaced(settings: Settings) -> TelegramConfig | None:
    """The app's Telegram settings without Telegram's pace of one message a second
    per chat, which would make a journey minutes long."""
    config = paced(settings)
    return None if config is None else dataclasses.replace(config, per_chat_per_second=1e6,
                                                           global_per_second=1e6)


@pytest.mark.parametrize("words", [ENGLISH, ARABIC], ids=["english", "arabic"])
async def test_a_car_goes_from_intake_to_a_paid_delivery_in_chat(
    words: Words, db: Database, clock: FakeClock, db_url: str, tmp_path: Path, clean_env: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> None:
    monkeypatch.setenv("GARAGEBOT_DATABASE_URL", db_url)
    monkeypatch.setattr(telegram, "telegram_config", unpaced)
    cast = await the_cast(words, db, clock, db_url, tmp_path, capsys, aiohttp_server, aiohttp_client)
    number = await cast.intake()
    await cast.reserve_the_part(number)
    await cast.diagnose_and_assign(number)
    await cast.quote_with_an_approved_discount()
    await client_decides(cast)
    await cast.technician_works()
    await cast.lead_reviews_and_qc(number)
    await cast.invoice_and_payment(number)
    pin = await cast.client_asks_the_pin(number)
    await cast.delivery_and_rating(number, pin)

    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.organization_id == cast.org))).one()
        invoice = (await s.scalars(select(Invoice).where(Invoice.session_id == rs.id))).one()
        rating = (await s.scalars(select(ClientRating).where(ClientRating.session_id == rs.id))).one()
        assert (rs.status, invoice.status) == ("DELIVERED", "PAID")
        assert (rating.score, rating.comment, rating.channel) == (5, words.comment, "whatsapp")
        assert await verify_stock(s, cast.org) == []
        assert await verify_chain(s, cast.org) is None
    assert (await cli(capsys, "stock", "verify", "--org", cast.slug)).startswith("stock matches the ledger")
    assert (await cli(capsys, "audit", "verify", "--org", cast.slug)).startswith(f"ok {cast.slug}:")


async def client_decides(cast: Cast) -> None:
    """Lines 1 and 3 approved by a WhatsApp reply (an exact form), line 2 on the signed page."""
    client, w = cast.client, cast.words
    page = link(client.text(), "/a/").removeprefix(PUBLIC_URL)
    assert await client.write(w.approve_1_3) == ["client.quote_decided", "client.quote_still_open"]
    await cast.told(advisor=["floor.told_quote_partly"])  # a part answer by reply: the advisor hears of it
    fields = form_of(await (await cast.app.get(page)).text())
    assert fields.lines == [f"line-{cast.lines[1]}"]  # only the line still open
    data = dict(fields.fields, name=w.name, signature=png_data_url())
    data.update(dict.fromkeys(fields.lines, "APPROVED"))
    assert (await cast.app.post(page, data=data)).status == 200
    await cast.told(advisor=["floor.told_signed"])
    async with cast.db.read() as s:
        decided = (await s.scalars(select(QuoteLine.decision).where(QuoteLine.id.in_(cast.lines)))).all()
    assert decided == ["APPROVED"] * 3
