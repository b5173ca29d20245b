"""Booking an appointment from a request: the client is asked to confirm on
their channel, a taken bay or technician is refused with a clear message,
and concurrent bookings of one bay never both succeed (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from garagebot.core.appointments.arrival import convert_appointment
from garagebot.core.appointments.booking import (
    AppointmentStatus,
    Slot,
    book_appointment,
    cancel_appointment,
    mark_no_show,
    move_appointment,
)
from garagebot.core.appointments.jobs import mark_no_shows
from garagebot.core.errors import Conflict, DomainError, InvalidInput
from garagebot.core.ids import OrgId
from garagebot.core.models import Appointment, RepairSession, Request
from garagebot.core.uow import Database
from tests.conftest import START, Staff
from tests.core.appointments.helpers import add_bays, choice_ids, local, messages_to, new_request
from tests.fakes import FakeClock

TOMORROW = (START + dt.timedelta(days=1)).date()  # a Monday in Amman


async def test_a_booking_asks_the_client_to_confirm_on_their_channel(db: Database, staff: Staff) -> None:
    bays = await add_bays(db, staff.org)
    rid = await new_request(db, staff, "+962790000101", "10-1001")
    async with db.unit_of_work(staff.advisor) as uow:
        booked = await book_appointment(uow, rid, Slot(bays[0], local(TOMORROW, 10)))
    assert booked.told
    [offer] = await messages_to(db, staff.org, "+962790000101")
    assert offer.topic == "appointment.offer"
    assert offer.channel == "sms"
    assert choice_ids(offer) == [f"ap:{booked.appointment_id}:yes", f"ap:{booked.appointment_id}:other"]
    async with db.read() as session:
        req = await session.get(Request, rid)
        assert req is not None
        assert req.status == "OPEN"
        assert req.preferred_time == local(TOMORROW, 10)


async def test_a_taken_bay_or_technician_is_refused_with_the_reason(db: Database, staff: Staff) -> None:
    bays = await add_bays(db, staff.org)
    first = await new_request(db, staff, "+962790000102", "10-1002")
    second = await new_request(db, staff, "+962790000103", "10-1003")
    async with db.unit_of_work(staff.advisor) as uow:
        await book_appointment(uow, first, Slot(bays[0], local(TOMORROW, 10), 90, staff.id(staff.tech)))
    for slot, key in ((Slot(bays[0], local(TOMORROW, 11)), "appointment.bay_taken"),
                      (Slot(bays[1], local(TOMORROW, 11), None, staff.id(staff.tech)),
                       "appointment.technician_taken")):
        with pytest.raises(Conflict) as refused:
            async with db.unit_of_work(staff.advisor) as uow:
                await book_appointment(uow, second, slot)
        assert refused.value.key == key
    with pytest.raises(Conflict, match=r"appointment\.request_booked"):  # one appointment per request
        async with db.unit_of_work(staff.advisor) as uow:
            await book_appointment(uow, first, Slot(bays[1], local(TOMORROW, 15)))
    async with db.unit_of_work(staff.advisor) as uow:  # right after it ends: free (half-open ranges)
        await book_appointment(uow, second, Slot(bays[0], local(TOMORROW, 10) + dt.timedelta(minutes=90)))


@pytest.mark.parametrize(("when", "key"), [(START - dt.timedelta(hours=1), "appointment.time_past"),
                                           (local(TOMORROW, 19), "appointment.outside_hours"),
                                           (local(TOMORROW + dt.timedelta(days=4), 10),  # a Friday
                                            "appointment.outside_hours")])
async def test_a_time_in_the_past_or_outside_the_hours_is_refused(
        db: Database, staff: Staff, when: dt.datetime, key: str) -> None:
    bays = await add_bays(db, staff.org)
    rid = await new_request(db, staff, "+962790000104", "10-1004")
    with pytest.raises(InvalidInput) as refused:
        async with db.unit_of_work(staff.advisor) as uow:
            await book_appointment(uow, rid, Slot(bays[0], when))
    assert refused.value.key == key


async def _book(db: Database, staff: Staff, rid: int, slot: Slot) -> str:
    try:
        async with db.unit_of_work(staff.advisor) as uow:
            await book_appointment(uow, rid, slot)
    except DomainError as exc:
        return exc.key
    return "booked"


@pytest.mark.parametrize("technician", [False, True])
async def test_concurrent_bookings_of_one_bay_or_technician_give_exactly_one(
        db: Database, staff: Staff, technician: bool) -> None:
    bays = await add_bays(db, staff.org)
    rids = [await new_request(db, staff, f"+96279000{200 + i:04d}", f"20-{2000 + i}") for i in range(8)]
    tech = staff.id(staff.tech) if technician else None
    slots = [Slot(bays[i % 2] if technician else bays[0], local(TOMORROW, 12), 60, tech) for i in range(8)]
    results = await asyncio.gather(*(_book(db, staff, r, s) for r, s in zip(rids, slots, strict=True)))
    assert results.count("booked") == 1
    assert set(results) - {"booked"} <= {"appointment.bay_taken", "appointment.technician_taken",
                                         "appointment.slot_taken"}
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.organization_id == staff.org))
    assert count == 1


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_on_postgresql_the_exclusion_constraint_refuses_an_overlap_written_directly(
        db: Database, staff: Staff) -> None:
    from sqlalchemy.exc import IntegrityError

    bays = await add_bays(db, staff.org)
    rid = await new_request(db, staff, "+962790000105", "10-1005")
    async with db.unit_of_work(staff.advisor) as uow:
        booked = await book_appointment(uow, rid, Slot(bays[0], local(TOMORROW, 10)))
    async with db.read() as session:
        row = await session.get(Appointment, booked.appointment_id)
    assert row is not None
    half = dt.timedelta(minutes=30)
    overlapping = Appointment(organization_id=staff.org, bay_id=bays[0], client_id=row.client_id,
                              starts_at=row.starts_at + half, ends_at=row.ends_at + half, status="CONFIRMED",
                              created_at=START)
    with pytest.raises(IntegrityError, match="ex_appointment_bay_overlap"):
        await _insert(db, overlapping)


async def _insert(db: Database, row: Appointment) -> None:
    async with db.raw_transaction() as session:
        session.add(row)


async def test_move_cancel_convert_and_no_show(db: Database, staff: Staff, clock: FakeClock) -> None:
    bays = await add_bays(db, staff.org)
    phone = "+962790000106"
    rids = [await new_request(db, staff, phone, f"30-300{i}") for i in range(3)]
    async with db.unit_of_work(staff.advisor) as uow:
        a = (await book_appointment(uow, rids[0], Slot(bays[0], local(TOMORROW, 9)))).appointment_id
        b = (await book_appointment(uow, rids[1], Slot(bays[1], local(TOMORROW, 9)))).appointment_id
        c = (await book_appointment(uow, rids[2], Slot(bays[0], local(TOMORROW, 11)))).appointment_id
    async with db.unit_of_work(staff.advisor) as uow:
        assert await move_appointment(uow, c, Slot(bays[1], local(TOMORROW, 14)))
        assert await cancel_appointment(uow, b, "the client called to cancel")
    topics = [m.topic for m in await messages_to(db, staff.org, phone)]
    assert topics[-2:] == ["appointment.moved", "appointment.cancelled"]
    with pytest.raises(InvalidInput):  # not due yet
        async with db.unit_of_work(staff.advisor) as uow:
            await mark_no_show(uow, a)
    clock.set(local(TOMORROW, 9) + dt.timedelta(minutes=5))
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await convert_appointment(uow, a)
    assert await mark_no_shows(db, OrgId(staff.org), clock.now()) == 0  # c starts at 14:00
    clock.set(local(TOMORROW, 14) + dt.timedelta(minutes=31))
    assert await mark_no_shows(db, OrgId(staff.org), clock.now()) == 1
    assert await mark_no_shows(db, OrgId(staff.org), clock.now()) == 0
    async with db.read() as session:
        statuses = {x.id: x.status for x in (await session.scalars(
            select(Appointment).where(Appointment.organization_id == staff.org))).all()}
        rs = await session.get(RepairSession, sid)
        assert rs is not None
        assert rs.request_id == rids[0]
        assert rs.complaint == "brakes squeal"
    assert statuses == {a: AppointmentStatus.CONVERTED, b: AppointmentStatus.CANCELLED,
                        c: AppointmentStatus.NO_SHOW}
