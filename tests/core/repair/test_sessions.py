"""Check-in, ETA, advisor and priority of a session."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.models import Vehicle
from garagebot.core.repair.sessions import assign_advisor, check_in, set_eta, set_priority
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import S, audit_actions, events, footprint, move, open_direct, session_row
from tests.fakes import FakeClock


async def test_check_in_stamps_the_time_and_the_odometer_once(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    sid = await open_direct(db, staff.advisor, mileage_km=80_000)
    clock.advance(minutes=20)
    async with db.unit_of_work(staff.advisor) as uow:
        await check_in(uow, sid, 80_250)
    rs = await session_row(db, sid)
    assert (rs.checked_in_at, rs.mileage_in_km) == (clock.now(), 80_250)
    async with db.read() as s:
        vehicle = await s.get(Vehicle, rs.vehicle_id)
        assert vehicle is not None
        assert vehicle.mileage_km == 80_250
    assert [e.payload["mileage_km"] for e in await events(db, staff.org, "session.checked_in")] == [80_250]
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await check_in(uow, sid, 80_300)
    assert err.value.key == "error.session_already_checked_in"


async def test_check_in_refuses_a_mileage_below_the_one_on_file(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor, mileage_km=80_000)
    before = await footprint(db, staff.org)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await check_in(uow, sid, 8_000)
    assert err.value.key == "error.vehicle_mileage_lower"
    assert err.value.params == {"value": 8_000, "recorded": 80_000}
    assert await footprint(db, staff.org) == before
    assert (await session_row(db, sid)).checked_in_at is None


async def test_the_eta_must_lie_ahead_and_its_changes_are_events(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    sid = await open_direct(db, staff.advisor)
    eta = clock.now() + dt.timedelta(hours=5)
    async with db.unit_of_work(staff.lead) as uow:
        await set_eta(uow, sid, eta)
    assert (await session_row(db, sid)).eta == eta
    for bad, key in ((clock.now() - dt.timedelta(minutes=1), "error.session_eta_in_past"),
                     (dt.datetime(2026, 12, 1, 9, 0), "error.repair_time_without_zone")):
        with pytest.raises(InvalidInput) as err:
            async with db.unit_of_work(staff.advisor) as uow:
                await set_eta(uow, sid, bad)
        assert err.value.key == key
    async with db.unit_of_work(staff.advisor) as uow:
        await set_eta(uow, sid, None)
    changes = await events(db, staff.org, "session.eta_changed")
    assert [(e.payload["from"], e.payload["to"]) for e in changes] == [
        (None, eta.isoformat()), (eta.isoformat(), None)
    ]
    assert (await audit_actions(db, staff.org, "repair_session", sid)).count("set_eta") == 2


async def test_a_closed_session_takes_no_eta(db: Database, staff: Staff, clock: FakeClock) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.CANCELLED, note="No-show")
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await set_eta(uow, sid, clock.now() + dt.timedelta(hours=1))
    assert err.value.key == "error.session_closed"


async def test_the_advisor_is_reassigned_only_to_staff_who_may_open_sessions(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    async with db.unit_of_work(staff.manager) as uow:
        await assign_advisor(uow, sid, staff.id(staff.manager))
    assert (await session_row(db, sid)).advisor_id == staff.id(staff.manager)
    with pytest.raises(InvalidInput):
        async with db.unit_of_work(staff.manager) as uow:
            await assign_advisor(uow, sid, staff.id(staff.inventory))
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.lead) as uow:
            await assign_advisor(uow, sid, staff.id(staff.advisor))
    assigned = await events(db, staff.org, "session.advisor_assigned")
    assert [(e.payload["from"], e.payload["to"]) for e in assigned] == [
        (staff.id(staff.advisor), staff.id(staff.manager))
    ]


async def test_priority_is_bounded_and_audited(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    async with db.unit_of_work(staff.lead) as uow:
        await set_priority(uow, sid, 3)
    assert (await session_row(db, sid)).priority == 3
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await set_priority(uow, sid, 4)
    assert err.value.key == "error.session_priority_invalid"
    assert "set_priority" in await audit_actions(db, staff.org, "repair_session", sid)
