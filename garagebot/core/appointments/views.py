"""What staff read: a day's (or a week's) appointments of the garage, with
the client, the car, the bay and the technician, for the chat's "today's
appointments" and the console's calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from garagebot.core.models import Appointment, Bay, Client, User, Vehicle

LIMIT = 500


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    appointment_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    bay_id: int
    bay_en: str
    bay_ar: str
    technician: str  # "" when none
    technician_id: int | None
    client_name: str
    phone: str
    plate: str
    request_id: int | None
    session_id: int | None


def day_bounds(day: dt.date, zone: str, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """The UTC range of ``days`` local days from ``day``."""
    tz = zoneinfo.ZoneInfo(zone)
    return (dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC),
            dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tz).astimezone(dt.UTC))


async def appointments_between(session: AsyncSession, org_id: int, start: dt.datetime, end: dt.datetime,
                               *, statuses: tuple[str, ...] | None = None) -> list[AppointmentRow]:
    """The garage's appointments starting in [start, end), by time then bay."""
    tech = aliased(User)
    stmt = (select(Appointment, Bay, Client, Vehicle.plate, tech.name)
            .join(Bay, Bay.id == Appointment.bay_id)
            .join(Client, Client.id == Appointment.client_id)
            .outerjoin(Vehicle, Vehicle.id == Appointment.vehicle_id)
            .outerjoin(tech, tech.id == Appointment.technician_id)
            .where(Appointment.organization_id == org_id, Appointment.starts_at >= start,
                   Appointment.starts_at < end)
            .order_by(Appointment.starts_at, Bay.position, Appointment.id).limit(LIMIT))
    if statuses is not None:
        stmt = stmt.where(Appointment.status.in_(statuses))
    rows = (await session.execute(stmt)).all()
    return [AppointmentRow(a.id, a.starts_at, a.ends_at, a.status, b.id, b.name_en, b.name_ar, t or "",
                           a.technician_id, c.name, c.phone, plate or "", a.request_id, a.session_id)
            for a, b, c, plate, t in rows]


async def appointment_row(session: AsyncSession, org_id: int, appointment_id: int) -> AppointmentRow | None:
    a = await session.get(Appointment, appointment_id)
    if a is None or a.organization_id != org_id:
        return None
    found = await appointments_between(session, org_id, a.starts_at, a.starts_at + dt.timedelta(seconds=1))
    return next((r for r in found if r.appointment_id == appointment_id), None)


async def awaiting_answer(session: AsyncSession, org_id: int, client_id: int) -> tuple[int, str] | None:
    """The client's active appointment that last asked them a question (its
    id and the question: "offer" or "reminder"), or None."""
    row = (await session.execute(select(Appointment.id, Appointment.awaiting).where(
        Appointment.organization_id == org_id, Appointment.client_id == client_id,
        Appointment.awaiting.is_not(None), Appointment.status.in_(("BOOKED", "CONFIRMED")),
    ).order_by(Appointment.reminded_at.desc().nulls_last(), Appointment.created_at.desc(),
               Appointment.id.desc()).limit(1))).first()
    return None if row is None else (int(row[0]), str(row[1]))


async def active_bays(session: AsyncSession, org_id: int) -> list[Bay]:
    return list((await session.scalars(select(Bay).where(Bay.organization_id == org_id, Bay.active.is_(True))
                                       .order_by(Bay.position, Bay.id))).all())


async def technicians(session: AsyncSession, org_id: int) -> list[tuple[int, str]]:
    """(id, name) of the garage's active technicians and leads, who can be booked."""
    rows = await session.execute(select(User.id, User.name).where(
        User.organization_id == org_id, User.active.is_(True),
        User.role.in_(("technician", "lead_technician"))).order_by(User.name))
    return [(int(i), str(n)) for i, n in rows.all()]
