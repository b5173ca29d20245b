"""A garage with bays and a booking request, for the appointment tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.appointments.settings import BaySpec, set_bays
from garagebot.core.ids import OrgId
from garagebot.core.models import Bay, OutboxRow
from garagebot.core.repair.intake import create_request
from garagebot.core.uow import Database
from tests.conftest import Staff

BAYS = (BaySpec("b1", "Bay 1", "الرافعة ١"), BaySpec("b2", "Bay 2", "الرافعة ٢"))


async def add_bays(db: Database, org: OrgId, bays: Sequence[BaySpec] = BAYS) -> list[int]:
    async with db.unit_of_work(Actor.system(org)) as uow:
        await set_bays(uow, bays)
    async with db.read() as session:
        return list((await session.scalars(select(Bay.id).where(Bay.organization_id == org)
                                           .order_by(Bay.position))).all())


async def new_request(db: Database, staff: Staff, phone: str, plate: str, *, locale: str = "en") -> int:
    async with db.unit_of_work(staff.advisor) as uow:
        return int(await create_request(uow, phone=phone, plate=plate, complaint="brakes squeal",
                                        client_name="Rami", locale=locale))


async def messages_to(db: Database, org: OrgId, phone: str) -> list[OutboxRow]:
    async with db.read() as session:
        return list((await session.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == org, OutboxRow.recipient == phone,
            OutboxRow.kind == "message").order_by(OutboxRow.id))).all())


def local(day: dt.date, hour: int, zone: str = "Asia/Amman") -> dt.datetime:
    import zoneinfo

    return dt.datetime.combine(day, dt.time(hour), zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def choice_ids(row: OutboxRow) -> list[str]:
    """The ids of the choices a queued message offers."""
    choices = row.payload.get("choices")
    assert isinstance(choices, list)
    return [str(c["id"]) for c in choices if isinstance(c, dict)]
