"""A published inspection through the real services: a session opened by an
advisor, every item of the default template answered by a technician (some
measured), a photo and a video on a finding, the findings quoted and the
report published."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import ClientId, OrgId, QuoteId, QuoteLineId, SessionId
from garagebot.core.inspections.enums import FindingId, InspectionId, Severity
from garagebot.core.inspections.recommend import publish_inspection, recommend
from garagebot.core.inspections.service import (
    attach_to_finding,
    note_finding,
    record_item,
    start_inspection,
)
from garagebot.core.inspections.templates import DEFAULT_TEMPLATE
from garagebot.core.links import inspection_url
from garagebot.core.models import InspectionLine, RepairSession
from garagebot.core.ports import FileStorage
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.media import MediaKind
from tests.webhooks.pages.scene import PUBLIC, SECRET, png

_rng = random.Random()
MP4 = b"\x00\x00\x00\x18ftypmp42 a short video of the pads"
# Typed values for the measured items; every other item is OK unless listed in ``taps``.
VALUES = {"pads_front": "1.5", "tread_fl": "2.5", "tread_fr": "6", "coolant": "-30",
          "battery_voltage": "12.6"}


@dataclass(frozen=True)
class Published:
    org: OrgId
    session_id: SessionId
    client_id: ClientId
    vehicle_plate: str
    phone: str
    inspection_id: InspectionId
    quote_id: QuoteId
    lines: tuple[QuoteLineId, ...]

    @property
    def client(self) -> Actor:
        return Actor.client(self.org, self.client_id, Channel.WEB)

    def path(self, db: Database) -> str:
        return inspection_url(PUBLIC, SECRET, self.inspection_id, now=db.clock.now()).removeprefix(PUBLIC)


async def open_car(db: Database, advisor: Actor, *, locale: str = "en", plate: str | None = None,
                   phone: str | None = None) -> tuple[SessionId, str, str]:
    phone = phone or f"079{_rng.randrange(10**6, 10**7)}"
    plate = plate or f"{_rng.randrange(10, 99)}-{_rng.randrange(10**4, 10**5)}"
    async with db.unit_of_work(advisor) as uow:
        sid = await open_session(uow, phone=phone, plate=plate, complaint="Service", make="Toyota",
                                 model="Corolla", year=2018, locale=locale)
        await change_status(uow, sid, SessionStatus.DIAGNOSING)
    return sid, plate, phone


async def inspect(db: Database, tech: Actor, sid: SessionId, storage: FileStorage,
                  taps: Mapping[str, Severity] | None = None, values: Mapping[str, str] | None = None,
                  media: bool = True) -> InspectionId:
    taps = {"wipers": Severity.ADVISORY, **(taps or {})}
    values = VALUES if values is None else values
    async with db.unit_of_work(tech) as uow:
        insp, _ = await start_inspection(uow, sid)
        for _, item in DEFAULT_TEMPLATE.items():
            if item.key in values:
                done = await record_item(uow, insp, item.key, value=values[item.key])
            else:
                done = await record_item(uow, insp, item.key, severity=taps.get(item.key, Severity.OK))
            if item.key == "pads_front" and media:
                await note_finding(uow, FindingId(done.finding_id), "Pads worn to the metal")
                await attach_to_finding(uow, storage, done.finding_id, kind=MediaKind.PHOTO,
                                        content_type="image/png", data=png(), caption="Front pads")
                await attach_to_finding(uow, storage, done.finding_id, kind=MediaKind.VIDEO,
                                        content_type="video/mp4", data=MP4)
    return insp


async def published(db: Database, advisor: Actor, tech: Actor, storage: FileStorage, *,
                    locale: str = "en", **kwargs: object) -> Published:
    sid, plate, phone = await open_car(db, advisor, locale=locale)
    insp = await inspect(db, tech, sid, storage, **kwargs)  # type: ignore[arg-type]
    async with db.unit_of_work(advisor) as uow:
        quote = await recommend(uow, insp)
        await publish_inspection(uow, insp)
        rs = await uow.get(RepairSession, sid)
        lines = (await uow.session.scalars(select(InspectionLine.quote_line_id).where(
            InspectionLine.inspection_id == insp).order_by(InspectionLine.id))).all()
    return Published(rs.organization_id, sid, ClientId(rs.client_id), plate, phone, insp, quote,  # type: ignore[arg-type]
                     tuple(QuoteLineId(x) for x in lines))
