"""Work the scheduler runs for each garage (hourly, or every few minutes):
the day-before reminder and the no-shows after the grace time.

Both have the scheduler's contract ``async def job(db, org_id, now) -> int``
(how many appointments were acted on) and are idempotent: each appointment
is claimed by a conditional ``UPDATE … WHERE reminded_at IS NULL`` (or
``WHERE status IN active``) in the unit of work that acts on it, so two
workers, a restart or a repeated run never remind or mark it twice.

The reminder: an active appointment starting on the next local day, sent
only between ``reminder_from`` and ``reminder_until`` (the client's quiet
hours are the rest), in the client's language on their channel; a WhatsApp
message outside the 24-hour window goes as the garage's approved template
for ``appointment.reminder`` (or by SMS when it has none, ``channel_to``).
A client who opted out is not reminded (the appointment is still claimed,
so they are not asked again).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import cast

from sqlalchemy import CursorResult, select, update

from garagebot.core.actor import Actor
from garagebot.core.appointments.booking import AppointmentStatus, mark_no_show
from garagebot.core.appointments.notices import REMINDER_ANSWERS, tell_client
from garagebot.core.appointments.settings import AppointmentSettings, settings_of
from garagebot.core.ids import OrgId
from garagebot.core.models import Appointment, Organization
from garagebot.core.models.appointments import ACTIVE_APPOINTMENT_STATUSES
from garagebot.core.uow import Database, UnitOfWork

BATCH = 200


def _tomorrow(org: Organization, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(org.timezone)
    day = now.astimezone(tz).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(), tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _may_remind(s: AppointmentSettings, zone: str, now: dt.datetime) -> bool:
    local = now.astimezone(zoneinfo.ZoneInfo(zone)).time()
    return s.reminder_from <= local < s.reminder_until


async def _due(db: Database, org_id: OrgId, now: dt.datetime) -> list[int]:
    async with db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None or not _may_remind(settings_of(org), org.timezone, now):
            return []
        start, end = _tomorrow(org, now)
        return list((await session.scalars(select(Appointment.id).where(
            Appointment.organization_id == org_id, Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES),
            Appointment.reminded_at.is_(None), Appointment.starts_at >= start, Appointment.starts_at < end,
        ).order_by(Appointment.starts_at).limit(BATCH))).all())


async def _claim(uow: UnitOfWork, appointment_id: int) -> bool:
    result = await uow.session.execute(update(Appointment).where(
        Appointment.id == appointment_id, Appointment.organization_id == uow.org_id,
        Appointment.reminded_at.is_(None), Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES),
    ).values(reminded_at=uow.now, awaiting="reminder").execution_options(synchronize_session=False))
    return cast(CursorResult[object], result).rowcount == 1


async def remind_appointments(db: Database, org_id: OrgId, now: dt.datetime) -> int:
    """Remind the clients of tomorrow's appointments (once each); how many were told."""
    told = 0
    for appointment_id in await _due(db, org_id, now):
        async with db.unit_of_work(Actor.system(org_id)) as uow:
            if not await _claim(uow, appointment_id):
                continue
            appt = await uow.get(Appointment, appointment_id)
            await uow.session.refresh(appt)
            sent = await tell_client(uow, appt, "appointment.reminder", REMINDER_ANSWERS)
            await uow.audit("appointment", appt.id, "remind", after={"told": sent})
            told += int(sent)
    return told


async def mark_no_shows(db: Database, org_id: OrgId, now: dt.datetime) -> int:
    """Mark NO_SHOW every active appointment whose start plus the grace time
    has passed (the advisor may have done it already); how many were marked."""
    async with db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None:
            return 0
        late = now - dt.timedelta(minutes=settings_of(org).no_show_grace_minutes)
        ids = list((await session.scalars(select(Appointment.id).where(
            Appointment.organization_id == org_id, Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES),
            Appointment.starts_at <= late).limit(BATCH))).all())
    marked = 0
    for appointment_id in ids:
        async with db.unit_of_work(Actor.system(org_id)) as uow:
            appt = await uow.get(Appointment, appointment_id, lock=True)
            if appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
                await mark_no_show(uow, appointment_id)
                marked += 1
    return marked
