"""Free slots: within the opening hours by the garage's wall clock (a DST
zone keeps 08:00 local on both sides of the change), holidays and closed
days left out, each time in the first free bay, two a day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.appointments.booking import Slot, book_appointment
from garagebot.core.appointments.settings import AppointmentSettings, set_appointment_settings, settings_of
from garagebot.core.appointments.slots import day_starts, free_slots
from garagebot.core.models import Bay, Organization
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.appointments.helpers import add_bays, local, new_request
from tests.fakes import FakeClock

BERLIN = "Europe/Berlin"


def test_on_the_day_berlin_leaves_summer_time_the_slots_keep_the_wall_clock() -> None:
    s = AppointmentSettings(hours=tuple((dt.time(8), dt.time(11)) for _ in range(7)), slot_minutes=60)
    before, change, after = dt.date(2026, 10, 24), dt.date(2026, 10, 25), dt.date(2026, 10, 26)
    utc = dt.UTC
    assert [a for a, _ in day_starts(s, before, BERLIN, 60)] == [
        dt.datetime(2026, 10, 24, h, tzinfo=utc) for h in (6, 7, 8)]  # UTC+2
    assert [a for a, _ in day_starts(s, change, BERLIN, 60)] == [
        dt.datetime(2026, 10, 25, h, tzinfo=utc) for h in (7, 8, 9)]  # UTC+1 from 03:00 that night
    assert [a for a, _ in day_starts(s, after, BERLIN, 60)] == [
        dt.datetime(2026, 10, 26, h, tzinfo=utc) for h in (7, 8, 9)]


def test_a_wall_time_the_spring_change_skips_is_no_slot() -> None:
    night = AppointmentSettings(hours=tuple((dt.time(1), dt.time(5)) for _ in range(7)), slot_minutes=60)
    starts = [a for a, _ in day_starts(night, dt.date(2026, 3, 29), BERLIN, 60)]
    # 01:00 (UTC+1) and 03:00, 04:00 (UTC+2); 02:00 does not exist, and 01:00-02:00 ends in the gap.
    assert starts == [dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 2, tzinfo=dt.UTC)]


async def test_in_a_berlin_garage_the_free_times_skip_sunday_a_holiday_and_taken_bays(
        db: Database, clock: FakeClock) -> None:
    org = await new_garage(db, timezone=BERLIN)
    staff: Staff = await make_staff(db, org)
    bays = await add_bays(db, org)
    async with db.unit_of_work(Actor.system(org)) as uow:
        hours = tuple(None if d == 6 else (dt.time(8), dt.time(11)) for d in range(7))  # closed on Sunday
        holiday = dt.date(2026, 10, 26)
        await set_appointment_settings(uow, AppointmentSettings(hours=hours, holidays=(holiday,)))
    clock.set(dt.datetime(2026, 10, 23, 20, tzinfo=dt.UTC))  # Friday 22:00 in Berlin (summer time)
    rid = await new_request(db, staff, "+962790000301", "40-4001")
    async with db.unit_of_work(staff.advisor) as uow:  # Saturday 08:00 in bay 1 is taken
        await book_appointment(uow, rid, Slot(bays[0], local(dt.date(2026, 10, 24), 8, BERLIN)))
    async with db.read() as session:
        org_row = await session.get(Organization, org)
        rows = list((await session.scalars(select(Bay).where(Bay.organization_id == org)
                                           .order_by(Bay.position))).all())
        assert org_row is not None
        found = await free_slots(session, org, BERLIN, settings_of(org_row), rows, clock.now(), count=4)
    assert [(s.starts_at, s.bay_id) for s in found] == [
        (dt.datetime(2026, 10, 24, 6, tzinfo=dt.UTC), bays[1]),  # Saturday 08:00 (UTC+2), bay 2: bay 1 taken
        (dt.datetime(2026, 10, 24, 7, tzinfo=dt.UTC), bays[0]),  # Saturday 09:00
        # Sunday closed, Monday 26 a holiday; Tuesday 08:00 is UTC+1
        (dt.datetime(2026, 10, 27, 7, tzinfo=dt.UTC), bays[0]),
        (dt.datetime(2026, 10, 27, 8, tzinfo=dt.UTC), bays[0]),
    ]
