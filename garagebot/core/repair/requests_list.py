"""Open booking requests for the console's list (oldest first, keyset pages
after ``(created_at, id)``) and how many are waiting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import RequestStatus
from garagebot.core.ids import OrgId, RequestId
from garagebot.core.models import Client, Request, Vehicle

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class OpenRequest:
    id: RequestId
    client_name: str
    client_phone: str
    plate: str | None
    make: str | None
    model: str | None
    complaint: str
    preferred_time: dt.datetime | None
    channel: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = None  # booked for preferred_time


async def waiting_requests(session: AsyncSession, org_id: OrgId) -> int:
    return int((await session.execute(select(func.count()).select_from(Request).where(
        Request.organization_id == org_id, Request.status == RequestStatus.OPEN.value))).scalar_one())


async def open_requests(session: AsyncSession, org_id: OrgId, *, after: tuple[dt.datetime, int] | None = None,
                        limit: int = PAGE_SIZE) -> tuple[list[OpenRequest], tuple[dt.datetime, int] | None]:
    """One page of OPEN requests and the key of the next page (None on the last)."""
    where = [Request.organization_id == org_id, Request.status == RequestStatus.OPEN.value]
    if after is not None:
        at, id_ = after
        where.append(or_(Request.created_at > at, and_(Request.created_at == at, Request.id > id_)))
    rows = (await session.execute(
        select(Request, Client.name, Client.phone, Vehicle.plate, Vehicle.make, Vehicle.model)
        .join(Client, and_(Client.id == Request.client_id, Client.organization_id == org_id))
        .outerjoin(Vehicle, and_(Vehicle.id == Request.vehicle_id, Vehicle.organization_id == org_id))
        .where(*where).order_by(Request.created_at, Request.id).limit(limit + 1))).all()
    found = [OpenRequest(RequestId(r.id), name, phone, plate, make, model, r.complaint, r.preferred_time,
                         r.channel, r.created_at, r.confirmed_at)
             for r, name, phone, plate, make, model in rows[:limit]]
    more = len(rows) > limit and found
    return found, (found[-1].created_at, int(found[-1].id)) if more else None
