"""Service-due reminders: a client is reminded when a service of a kind the
garage set an interval for (``ScheduleSettings.service_intervals``: e.g. oil
every 6 months or 5,000 km) is due on their car, counted from the last
completed job card of that template on the car: by time, or by mileage when
the car's mileage is known beyond the one written at that visit. A car
already in the garage is not reminded. Once per (car, service, last visit).

The message offers "reply 1 to book"; ``service_offer`` finds the reminder a
client's "1" answers (within ``OFFER_DAYS``), and the client engine then
opens a booking request for that car and service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.actor import Actor
from garagebot.core.alerts.clients import remind_once
from garagebot.core.alerts.settings import ServiceInterval, schedule_settings
from garagebot.core.enums import JobCardStatus, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import ClientNotice, JobCard, RepairSession, ServiceTemplate, Vehicle
from garagebot.core.notify.staff import localized
from garagebot.core.uow import Database, UnitOfWork

RULE = "service_due"
OFFER_DAYS = 14
BATCH = 300
_DONE = (SessionStatus.COMPLETED.value, SessionStatus.DELIVERED.value)


def months_before(when: dt.datetime, months: int) -> dt.datetime:
    """``when`` moved back ``months`` calendar months (the day clamped to the month's end)."""
    total = when.year * 12 + when.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return when.replace(year=year, month=month, day=min(when.day, days))


def _marker(vehicle_id: int, code: str, session_id: int) -> str:
    return f"{vehicle_id}:{code}:{session_id}"


def _in_garage() -> ColumnElement[bool]:
    other = RepairSession.__table__.alias("other")
    return exists().where(other.c.vehicle_id == Vehicle.id,
                          other.c.organization_id == Vehicle.organization_id,
                          other.c.status.notin_(("DELIVERED", "CANCELLED")))


async def _due(uow: UnitOfWork, template: ServiceTemplate, interval: ServiceInterval,
               now: dt.datetime) -> list[tuple[int, int]]:
    """(vehicle id, last session id) of cars due for ``template``."""
    rs = RepairSession
    last = (select(rs.vehicle_id.label("vehicle_id"), func.max(rs.completed_at).label("at"))
            .join(JobCard, JobCard.session_id == rs.id)
            .where(rs.organization_id == uow.org_id, rs.status.in_(_DONE), JobCard.template_id == template.id,
                   JobCard.status == JobCardStatus.COMPLETED.value)
            .group_by(rs.vehicle_id).subquery())
    due: list[ColumnElement[bool]] = []
    if interval.months > 0:
        due.append(rs.completed_at <= months_before(now, interval.months))
    if interval.km > 0:
        due.append(and_(Vehicle.mileage_km.is_not(None), rs.mileage_in_km.is_not(None),
                        Vehicle.mileage_km >= rs.mileage_in_km + interval.km))
    if not due:
        return []
    marker = cast(rs.vehicle_id, String).concat(literal(f":{template.code}:")).concat(cast(rs.id, String))
    reminded = exists().where(ClientNotice.organization_id == uow.org_id, ClientNotice.rule == RULE,
                              ClientNotice.marker == marker)
    stmt = (select(rs.vehicle_id, func.max(rs.id))
            .join(last, and_(last.c.vehicle_id == rs.vehicle_id, last.c.at == rs.completed_at))
            .join(Vehicle, Vehicle.id == rs.vehicle_id)
            .where(rs.organization_id == uow.org_id, rs.status.in_(_DONE), or_(*due), ~reminded,
                   ~_in_garage())
            .group_by(rs.vehicle_id).limit(BATCH))
    return [(int(v), int(s)) for v, s in (await uow.session.execute(stmt)).all()]


def _service_params(t: ServiceTemplate) -> Callable[[str], Mapping[str, object]]:
    return lambda loc: {"service": localized(loc, t.name_en, t.name_ar)}


async def remind_services(db: Database, org_id: int, now: dt.datetime) -> int:
    """The job: remind every client whose car is due for a service; messages queued."""
    async with db.unit_of_work(Actor.system(OrgId(org_id))) as uow:
        org = await uow.organization()
        intervals = schedule_settings(org.settings).service_intervals
        queued = 0
        for interval in intervals:
            template = (await uow.session.scalars(select(ServiceTemplate).where(
                ServiceTemplate.organization_id == org_id,
                ServiceTemplate.code == interval.template))).first()
            if template is None:
                continue
            for vehicle_id, session_id in await _due(uow, template, interval, now):
                marker = _marker(vehicle_id, template.code, session_id)
                told = await remind_once(uow, session_id, RULE, marker, "schedule.service_due",
                                         _service_params(template))
                queued += told is not None
        return queued


@dataclass(frozen=True, slots=True)
class ServiceOffer:
    """A service reminder a client may answer with "1": book that car for that service."""

    notice_id: int
    plate: str
    service_en: str
    service_ar: str


async def service_offer(session: AsyncSession, org_id: int, client_id: int,
                        now: dt.datetime) -> ServiceOffer | None:
    """The client's latest service reminder of the last ``OFFER_DAYS`` days, if any."""
    row = (await session.execute(
        select(ClientNotice.id, ClientNotice.marker)
        .join(RepairSession, RepairSession.id == ClientNotice.session_id)
        .where(ClientNotice.organization_id == org_id, ClientNotice.rule == RULE,
               RepairSession.client_id == client_id,
               ClientNotice.created_at >= now - dt.timedelta(days=OFFER_DAYS))
        .order_by(ClientNotice.created_at.desc(), ClientNotice.id.desc()).limit(1))).first()
    if row is None:
        return None
    vehicle_id, code, _ = str(row[1]).split(":", 2)
    vehicle = await session.get(Vehicle, int(vehicle_id))
    template = (await session.scalars(select(ServiceTemplate).where(
        ServiceTemplate.organization_id == org_id, ServiceTemplate.code == code))).first()
    if vehicle is None or template is None or vehicle.organization_id != org_id:
        return None
    return ServiceOffer(int(row[0]), vehicle.plate, template.name_en, template.name_ar)


