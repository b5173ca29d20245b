"""A repair session with a quote sent to its client, for the client pages,
the approval service and the notification rules: two job cards and a part
(so three lines at least), a client-visible photo on a step and one on the
session. Sessions, job cards and quotes go through the real services; the
part and the step photo are written as rows (their own services are tested
elsewhere)."""

from __future__ import annotations

import base64
import random
import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import ClientId, OrgId, QuoteId, QuoteLineId, SessionId
from garagebot.core.links import approval_url, timeline_url
from garagebot.core.models import Client, MediaFile, QuoteLine, RepairSession, Step
from garagebot.core.ports import FileStorage
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import Visit, add_job, add_part

SECRET = "pages-secret-" + "x" * 40
PUBLIC = "https://garage.example.com"
_rng = random.Random()


@dataclass(frozen=True)
class QuotedVisit:
    org: OrgId
    session_id: SessionId
    client_id: ClientId
    number: str
    phone: str
    quote_id: QuoteId
    lines: tuple[QuoteLineId, ...]
    step_photo_id: int
    session_photo_id: int

    @property
    def client(self) -> Actor:
        return Actor.client(self.org, self.client_id, Channel.WEB)

    def approval_path(self, db: Database) -> str:
        return approval_url(PUBLIC, SECRET, self.quote_id, now=db.clock.now()).removeprefix(PUBLIC)

    def timeline_path(self, db: Database) -> str:
        return timeline_url(PUBLIC, SECRET, self.session_id, now=db.clock.now()).removeprefix(PUBLIC)


def png(width: int = 60, height: int = 20, *, ink: bool = True) -> bytes:
    """An RGBA PNG, transparent, with a dark diagonal stroke when ``ink``."""
    rows = bytearray()
    for y in range(height):
        row = bytearray(width * 4)
        if ink:
            x = y * width // height
            row[x * 4:x * 4 + 4] = b"\x10\x24\x3e\xff"
        rows += b"\x00" + row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(
        b"IEND", b"")


def png_data_url(data: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(data if data is not None else png()).decode()


async def open_visit(db: Database, staff: Staff, *, locale: str = "en", phone: str | None = None) -> Visit:
    phone = phone or f"079{_rng.randrange(10**6, 10**7)}"
    plate = f"{_rng.randrange(10, 99)}-{_rng.randrange(10**4, 10**5)}"
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, phone=phone, plate=plate, complaint="Brakes squeal",
                                 client_name="Lina Haddad", locale=locale, make="Toyota", model="Corolla",
                                 year=2018)
        await change_status(uow, sid, SessionStatus.DIAGNOSING)
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == sid))).scalar_one()
    return Visit(sid, ClientId(rs.client_id), rs.number, phone)


async def add_photo(
    db: Database, storage: FileStorage, org: OrgId, session_id: int, step_id: int | None,
    *, visible: bool = True, caption: str = "Worn pads",
) -> int:
    data = png(8, 8)
    key = f"{org}/photos/{_rng.randrange(10**12)}"
    await storage.put(key, data, "image/png")
    async with db.raw_transaction() as s:
        media = MediaFile(organization_id=org, session_id=session_id, step_id=step_id, kind="photo",
                          content_type="image/png", storage_key=key, size_bytes=len(data), sha256="0" * 64,
                          client_visible=visible, caption=caption, created_at=db.clock.now())
        s.add(media)
        await s.flush()
        return media.id


async def quoted_visit(db: Database, staff: Staff, storage: FileStorage, *, locale: str = "en",
                       send: bool = True) -> QuotedVisit:
    """A session in DIAGNOSING with a quote of 3+ lines, sent (unless ``send`` is False)."""
    visit = await open_visit(db, staff, locale=locale)
    brakes = await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_job(db, staff, visit, "Oil change", [(30, None)])
    await add_part(db, staff.org, visit, "Pads", Decimal(2), Decimal("12.500"))
    async with db.read() as s:
        step_id = (await s.execute(select(Step.id).where(Step.job_card_id == brakes))).scalars().first()
    assert step_id is not None
    step_photo = await add_photo(db, storage, staff.org, visit.session_id, step_id)
    session_photo = await add_photo(db, storage, staff.org, visit.session_id, None, caption="Car on arrival")
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        if send:
            await send_quote(uow, qid)
    async with db.read() as s:
        lines = tuple(QuoteLineId(i) for i in (await s.scalars(
            select(QuoteLine.id).where(QuoteLine.quote_id == qid).order_by(QuoteLine.position))).all())
    assert len(lines) >= 3
    return QuotedVisit(staff.org, visit.session_id, visit.client_id, visit.number, visit.phone, qid, lines,
                       step_photo, session_photo)


async def set_consent(db: Database, client_id: ClientId, consent: bool) -> None:
    async with db.raw_transaction() as s:
        client = await s.get(Client, client_id)
        assert client is not None
        client.messaging_consent = consent
