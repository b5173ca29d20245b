"""Free slots: the next times a car can be booked, within the garage's
opening hours, on days that are not holidays, each in the first bay free
then (bays in their order).

Slots are laid out in the garage's wall-clock time (08:00, 09:00 … every
``slot_minutes`` from opening) and converted to UTC per day, so a day when
the clocks change (Europe/Berlin in March and October) still opens at 08:00
local; a slot whose wall time does not exist that day is skipped.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.appointments.settings import AppointmentSettings
from garagebot.core.models import Appointment, Bay
from garagebot.core.models.appointments import ACTIVE_APPOINTMENT_STATUSES

SEARCH_DAYS = 21


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    bay_id: int


def local_range(day: dt.date, opens: dt.time, closes: dt.time,
                zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(zone)
    return (dt.datetime.combine(day, opens, tz).astimezone(dt.UTC),
            dt.datetime.combine(day, closes, tz).astimezone(dt.UTC))


def _exists(local: dt.datetime) -> bool:
    """False for a wall time skipped when the clocks go forward."""
    back = local.astimezone(dt.UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def day_starts(settings: AppointmentSettings, day: dt.date, zone: str,
               minutes: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) in UTC of every slot of ``minutes`` on ``day``, by wall time."""
    hours = settings.open_on(day)
    if hours is None:
        return
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(day, hours[0], tz)
    close = dt.datetime.combine(day, hours[1], tz)
    step = dt.timedelta(minutes=settings.slot_minutes)
    length = dt.timedelta(minutes=minutes)
    while start + length <= close:  # wall-clock arithmetic (aware datetimes of one zone)
        end = start + length
        if _exists(start) and _exists(end):
            yield start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        start += step


def within_hours(settings: AppointmentSettings, zone: str, starts_at: dt.datetime,
                 ends_at: dt.datetime) -> bool:
    """Whether the range lies inside one day's opening hours (not a holiday)."""
    local = starts_at.astimezone(zoneinfo.ZoneInfo(zone))
    hours = settings.open_on(local.date())
    if hours is None:
        return False
    opens, closes = local_range(local.date(), hours[0], hours[1], zone)
    return opens <= starts_at < ends_at <= closes


async def busy(session: AsyncSession, org_id: int, start: dt.datetime,
               end: dt.datetime) -> list[tuple[int, int | None, dt.datetime, dt.datetime]]:
    """(bay, technician, start, end) of the active appointments overlapping [start, end)."""
    rows = await session.execute(select(
        Appointment.bay_id, Appointment.technician_id, Appointment.starts_at, Appointment.ends_at,
    ).where(Appointment.organization_id == org_id, Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES),
            Appointment.starts_at < end, Appointment.ends_at > start))
    return [(r[0], r[1], r[2], r[3]) for r in rows.all()]


def _free_bay(bays: Sequence[Bay], taken: list[tuple[int, int | None, dt.datetime, dt.datetime]],
              start: dt.datetime, end: dt.datetime) -> int | None:
    used = {b for b, _t, s, e in taken if s < end and e > start}
    return next((b.id for b in bays if b.id not in used), None)


async def free_slots(session: AsyncSession, org_id: int, zone: str, settings: AppointmentSettings,
                     bays: Sequence[Bay], now: dt.datetime, *, count: int = 6, per_day: int = 2,
                     minutes: int | None = None, days: int = SEARCH_DAYS) -> list[Slot]:
    """The next ``count`` free times after ``now`` (one bay each), earliest
    first, at most ``per_day`` a day so that the client has days to choose from."""
    if not bays:
        return []
    length = minutes or settings.slot_minutes
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    horizon = now + dt.timedelta(days=days + 1)
    taken = await busy(session, org_id, now, horizon)
    found: list[Slot] = []
    for offset in range(days):
        that_day = 0
        for start, end in day_starts(settings, today + dt.timedelta(days=offset), zone, length):
            bay = _free_bay(bays, taken, start, end) if start > now and that_day < per_day else None
            if bay is not None:
                found.append(Slot(start, end, bay))
                that_day += 1
                if len(found) >= count:
                    return found
    return found


async def slot_at(session: AsyncSession, org_id: int, zone: str, settings: AppointmentSettings,
                  bays: Sequence[Bay], when: dt.datetime, now: dt.datetime) -> Slot | None:
    """``when`` (a client's preferred time) as a slot in the first bay free
    then; None when it is past, outside the opening hours or every bay is taken."""
    end = when + dt.timedelta(minutes=settings.slot_minutes)
    if when <= now or not within_hours(settings, zone, when, end):
        return None
    bay = _free_bay(bays, await busy(session, org_id, when, end), when, end)
    return None if bay is None else Slot(when, end, bay)
