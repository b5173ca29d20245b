"""Setting the scene for client conversations: a garage with WhatsApp/SMS
numbers, clients with a visit and a sent quote, an advisor on Telegram, and
a chat that says things to the client engine and reads back what it queued."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from garagebot.conversations.client.engine import ClientEngine
from garagebot.conversations.client.types import ClientServices, LinkSettings
from garagebot.conversations.types import Handled, Inbound, Location, MediaRef
from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineKind
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import NewLine, add_quote_line, create_quote
from garagebot.core.clientlookup import Garage
from garagebot.core.enums import Channel, OutboxKind, SessionStatus
from garagebot.core.garage import set_garage_settings
from garagebot.core.i18n import FSI, PDI, Translator
from garagebot.core.ids import ClientId, OrgId, QuoteId, QuoteLineId, SessionId, UserId
from garagebot.core.models import AuditEntry, Client, Organization, OutboxRow, RepairSession, User
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.fakes import MemoryFileStorage

PUBLIC_URL = "https://garage.example.com"
SECRET = "client-links-secret-for-tests-0123456789"  # noqa: S105 (a test value)
_EVENTS = itertools.count(1)
_TRANSLATOR: list[Translator] = []


def translator() -> Translator:
    if not _TRANSLATOR:
        _TRANSLATOR.append(Translator.load())
    return _TRANSLATOR[0]


def mobile() -> str:
    """A Jordanian mobile number in E.164 that no other test uses."""
    return f"+96279{uuid.uuid4().int % 10**7:07d}"


def plain(text: str) -> str:
    """Rendered text without the bidi isolation marks around parameters, and
    with plain spaces for the no-break spaces Babel puts in amounts."""
    return text.replace(FSI, "").replace(PDI, "").replace("\xa0", " ").replace("\u200f", "")


class FakeMedia:
    """A provider's media download: file id → bytes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def fetch(self, ref: MediaRef) -> bytes:
        return self.files[ref.provider_file_id]


@dataclass
class Scene:
    db: Database
    org: OrgId
    garage: Garage
    whatsapp: str
    sms: str
    storage: MemoryFileStorage
    media: FakeMedia

    def engine(self, *, button_providers: frozenset[str] = frozenset({"meta"})) -> ClientEngine:
        from garagebot.conversations.client.engine import ClientEngineConfig

        services = ClientServices(translator(), LinkSettings(PUBLIC_URL, SECRET), self.storage,
                                  {"meta": self.media, "twilio": self.media})
        return ClientEngine(self.db, services, ClientEngineConfig(button_providers=button_providers))


async def scene(db: Database, org: OrgId) -> Scene:
    """The test's garage, given its own WhatsApp and SMS numbers."""
    whatsapp, sms = mobile(), mobile()
    async with db.unit_of_work(Actor.system(org)) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": whatsapp, "sms_number": sms})
    async with db.read() as s:
        row = (await s.scalars(select(Organization).where(Organization.id == org))).one()
    garage = Garage(org, row.name_en, row.name_ar, row.default_locale, row.timezone)
    return Scene(db, org, garage, whatsapp, sms, MemoryFileStorage(), FakeMedia())


async def on_telegram(db: Database, user: UserId) -> int:
    """Give a member of staff a Telegram id (as linking would)."""
    tg = 10**9 + uuid.uuid4().int % 10**11
    async with db.raw_transaction() as s:
        await s.execute(update(User).where(User.id == user).values(telegram_user_id=tg))
    return tg


@dataclass(frozen=True)
class Visit:
    session_id: SessionId
    client_id: ClientId
    number: str
    phone: str
    plate: str


async def visit(db: Database, staff: Staff, *, locale: str = "en", name: str = "Rami",
                path: Sequence[SessionStatus] = (), phone: str | None = None) -> Visit:
    """A client's car checked in by the advisor, moved along ``path``."""
    phone = phone or mobile()
    plate = f"{uuid.uuid4().int % 80 + 10}-{uuid.uuid4().int % 90000 + 10000}"
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, phone=phone, plate=plate, complaint="Brakes squeal",
                                 client_name=name, locale=locale)
    for status in path:
        async with db.unit_of_work(staff.advisor) as uow:
            await change_status(uow, sid, status)
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.id == sid))).one()
    return Visit(sid, ClientId(rs.client_id), rs.number, phone, plate)


LINES = (("Brake pads", "فحمات الفرامل", "45.000"), ("Brake fluid", "زيت الفرامل", "12.500"),
         ("Wiper blades", "مساحات الزجاج", "8.000"))


async def sent_quote(db: Database, staff: Staff, v: Visit,
                     lines: Sequence[tuple[str, str, str]] = LINES) -> tuple[QuoteId, list[QuoteLineId]]:
    """A quote of ``lines`` sent to the client on WhatsApp."""
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, v.session_id)
        ids = [await add_quote_line(uow, qid, NewLine(LineKind.PART, en, ar, "1", Decimal(price)))
               for en, ar, price in lines]
        await send_quote(uow, qid, channel=Channel.WHATSAPP)
    return qid, ids


@dataclass(frozen=True)
class Said:
    """One queued reply as the client will read it."""

    key: str
    text: str
    choices: tuple[tuple[str, str], ...]


class ClientChat:
    """A client's chat (WhatsApp by default) with the client engine."""

    def __init__(self, engine: ClientEngine, garage: Garage, phone: str, *,
                 channel: Channel = Channel.WHATSAPP, provider: str = "meta") -> None:
        self.engine = engine
        self.garage = garage
        self.phone = phone
        self.channel = channel
        self.provider = provider
        self.handled: list[Handled] = []

    def inbound(self, text: str = "", *, choice: str | None = None, media: Sequence[MediaRef] = (),
                event_id: str | None = None, location: Location | None = None) -> Inbound:
        return Inbound(
            channel=self.channel, provider=self.provider, event_id=event_id or f"c{next(_EVENTS)}",
            sender=self.phone, received_at=self.engine.db.clock.now(), text=text, choice=choice,
            media=tuple(media), location=location,
        )

    async def send(self, msg: Inbound) -> Handled:
        handled = await self.engine.handle(self.garage, msg)
        self.handled.append(handled)
        return handled

    async def say(self, text: str = "", *, choice: str | None = None, media: Sequence[MediaRef] = (),
                  location: Location | None = None) -> list[Said]:
        handled = await self.send(self.inbound(text, choice=choice, media=media, location=location))
        tr = translator()
        locale = handled.locale or "en"
        return [Said(r.key, plain(tr.render(locale, r.key, r.params)),
                     tuple((c.id, plain(tr.render(locale, c.key, c.params))) for c in r.choices))
                for r in handled.replies]


async def outbox_to(db: Database, recipient: str) -> list[OutboxRow]:
    async with db.read() as s:
        return list((await s.scalars(
            select(OutboxRow)
            .where(OutboxRow.recipient == recipient, OutboxRow.kind == OutboxKind.MESSAGE.value)
            .order_by(OutboxRow.id)
        )).all())


async def audit_of(db: Database, org: OrgId, entity: str, action: str | None = None) -> list[AuditEntry]:
    async with db.read() as s:
        stmt = select(AuditEntry).where(AuditEntry.organization_id == org, AuditEntry.entity == entity)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list((await s.scalars(stmt.order_by(AuditEntry.seq))).all())


async def client_row(db: Database, org: OrgId, phone: str) -> Client:
    async with db.read() as s:
        return (await s.scalars(
            select(Client).where(Client.organization_id == org, Client.phone == phone))).one()
