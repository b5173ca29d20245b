"""Two garages: no repair service or query reads or writes across them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from garagebot.core.errors import NotFound
from garagebot.core.ids import ClientId, QcItemId, RequestId, SessionId, VehicleId
from garagebot.core.repair.clients import update_client
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.repair.intake import close_request, create_request, open_session
from garagebot.core.repair.lookups import client_vehicles, find_client, find_vehicle
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.queries import active_board, session_detail, vehicle_history
from garagebot.core.repair.sessions import (
    assign_advisor,
    change_status,
    check_in,
    resume_session,
    set_eta,
    set_priority,
)
from garagebot.core.repair.vehicles import register_vehicle, update_vehicle
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import Staff, make_staff, new_garage
from tests.core.repair.helpers import S, footprint, move, open_direct, qc_item_ids, session_row
from tests.fakes import FakeClock


async def test_the_same_phone_and_plate_are_separate_clients_and_vehicles_with_their_own_numbers(
    db: Database, staff: Staff
) -> None:
    other = await make_staff(db, await new_garage(db))
    mine = await session_row(db, await open_direct(db, staff.advisor, 1))
    theirs = await session_row(db, await open_direct(db, other.advisor, 1))
    assert mine.number == theirs.number == "SES-20261122-001"
    assert mine.client_id != theirs.client_id
    assert mine.vehicle_id != theirs.vehicle_id


async def test_no_service_reaches_another_garages_records(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    sid = await open_direct(db, staff.advisor, 1)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    item = (await qc_item_ids(db, staff.org, sid))[0]
    rs = await session_row(db, sid)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await create_request(uow, phone="0781234567", plate="33-33333", complaint="Noise")
    other = await make_staff(db, await new_garage(db))
    before = await footprint(db, staff.org)
    later = clock.now() + dt.timedelta(hours=2)
    calls: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: change_status(uow, sid, S.IN_PROGRESS),
        lambda uow: resume_session(uow, sid),
        lambda uow: check_in(uow, sid, 1000),
        lambda uow: set_eta(uow, sid, later),
        lambda uow: set_priority(uow, sid, 2),
        lambda uow: assign_advisor(uow, SessionId(sid), staff.id(staff.advisor)),
        lambda uow: tick_qc_item(uow, QcItemId(item)),
        lambda uow: confirm_delivery(uow, sid, pin=rs.delivery_pin),
        lambda uow: update_client(uow, ClientId(rs.client_id), name="Stolen"),
        lambda uow: update_vehicle(uow, VehicleId(rs.vehicle_id), colour="Black"),
        lambda uow: register_vehicle(uow, client_id=ClientId(rs.client_id), plate="44-44444"),
        lambda uow: open_session(uow, request_id=RequestId(rid)),
        lambda uow: close_request(uow, RequestId(rid), reason="Not ours"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            async with db.unit_of_work(other.manager) as uow:
                await call(uow)
    assert await footprint(db, staff.org) == before
    assert (await footprint(db, other.org))["session"] == 0


async def test_no_query_reads_another_garages_records(db: Database, staff: Staff, clock: FakeClock) -> None:
    sid = await open_direct(db, staff.advisor, 1, client_name="Mine")
    rs = await session_row(db, sid)
    other = await make_staff(db, await new_garage(db))
    await open_direct(db, other.advisor, 2, client_name="Theirs")
    async with db.read() as s:
        board = await active_board(s, other.org, clock.now())
        assert [r.client_name for r in board] == ["Theirs"]
        with pytest.raises(NotFound):
            await session_detail(s, other.org, sid)
        with pytest.raises(NotFound):
            await vehicle_history(s, other.org, VehicleId(rs.vehicle_id))
        with pytest.raises(NotFound):
            await client_vehicles(s, other.org, ClientId(rs.client_id))
        assert await find_client(s, other.org, "0790000001") is None
        assert await find_vehicle(s, other.org, "11-00001") is None
