"""Intake: requests, opening sessions, numbers, one active session per vehicle."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import RequestStatus
from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import SessionId
from garagebot.core.models import Client, RepairSession, Request, Vehicle
from garagebot.core.repair.intake import close_request, create_request, open_session
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import (
    S,
    audit_actions,
    events,
    footprint,
    history,
    move,
    open_direct,
    phone,
    plate,
    session_row,
)
from tests.fakes import FakeClock


async def test_a_request_finds_or_creates_the_client_and_vehicle_and_is_audited(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    preferred = clock.now() + dt.timedelta(days=1)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await create_request(
            uow, phone="079 123 4567", plate="12-34567", complaint="Engine light on", client_name="Omar",
            locale="ar", make="Toyota", model="Corolla", year=2018, mileage_km=120_000,
            preferred_time=preferred,
        )
    async with db.read() as s:
        req = await s.get(Request, rid)
        assert req is not None
        client = await s.get(Client, req.client_id)
        vehicle = await s.get(Vehicle, req.vehicle_id)
    assert req.status == RequestStatus.OPEN
    assert req.complaint == "Engine light on"
    assert req.preferred_time == preferred
    assert req.channel == "telegram"
    assert req.created_by_user_id == staff.id(staff.advisor)
    assert client is not None
    assert client.phone == "+962791234567"
    assert client.locale == "ar"
    assert vehicle is not None
    assert (vehicle.plate, vehicle.make, vehicle.mileage_km) == ("12-34567", "Toyota", 120_000)
    assert await audit_actions(db, staff.org, "request", rid) == ["create"]
    assert await audit_actions(db, staff.org, "client", client.id) == ["create"]
    topics = [e.topic for e in await events(db, staff.org)]
    assert topics == ["client.created", "vehicle.created", "request.created"]


async def test_opening_from_a_request_converts_it_and_uses_its_complaint(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await create_request(uow, phone=phone(1), plate=plate(1), complaint="AC blows warm air")
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, request_id=rid, mileage_km=50_000)
    rs = await session_row(db, sid)
    assert (rs.request_id, rs.complaint, rs.mileage_in_km) == (rid, "AC blows warm air", 50_000)
    async with db.read() as s:
        req = await s.get(Request, rid)
        assert req is not None
        assert req.status == RequestStatus.CONVERTED
    assert await audit_actions(db, staff.org, "request", rid) == ["create", "convert"]
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await open_session(uow, request_id=rid, confirm_second=True)
    assert err.value.key == "error.request_not_open"


async def test_closing_a_request_needs_a_reason_and_keeps_it(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await create_request(uow, phone=phone(2), plate=plate(2), complaint="Oil leak")
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await close_request(uow, rid, reason="  ")
    assert err.value.key == "error.request_close_reason_required"
    async with db.unit_of_work(staff.advisor) as uow:
        await close_request(uow, rid, reason="Client went elsewhere")
    async with db.read() as s:
        req = await s.get(Request, rid)
        assert req is not None
        assert (req.status, req.close_reason) == ("CLOSED", "Client went elsewhere")
    assert [e.topic for e in await events(db, staff.org, "request.closed")] == ["request.closed"]


async def test_a_direct_session_gets_the_days_number_a_pin_history_and_the_advisor(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor, priority=2)
    rs = await session_row(db, sid)
    assert rs.number == "SES-20261122-001"
    assert rs.status == S.NEW
    assert rs.priority == 2
    assert len(rs.delivery_pin) == 4
    assert rs.delivery_pin.isdigit()
    assert rs.advisor_id == staff.id(staff.advisor)
    assert await history(db, sid) == [(None, "NEW")]
    assert await audit_actions(db, staff.org, "repair_session", sid) == ["open"]
    opened = await events(db, staff.org, "session.opened")
    assert len(opened) == 1
    assert opened[0].payload["number"] == "SES-20261122-001"
    assert opened[0].payload["to"] == "NEW"
    assert "delivery_pin" not in str(opened[0].payload)


async def test_the_number_follows_the_garage_day_not_the_utc_day(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    await open_direct(db, staff.advisor, 1)
    clock.set(dt.datetime(2026, 11, 22, 21, 30, tzinfo=dt.UTC))  # 00:30 on the 23rd in Amman
    sid = await open_direct(db, staff.advisor, 2)
    assert (await session_row(db, sid)).number == "SES-20261123-001"


async def test_a_vehicle_with_an_active_session_needs_a_confirmed_second_one(
    db: Database, staff: Staff
) -> None:
    first = await open_direct(db, staff.advisor, 3)
    before = await footprint(db, staff.org)
    with pytest.raises(Conflict) as err:
        await open_direct(db, staff.advisor, 3)
    assert err.value.key == "error.vehicle_has_active_session"
    assert err.value.params["number"] == (await session_row(db, first)).number
    assert await footprint(db, staff.org) == before  # not even a number was used
    second = await open_direct(db, staff.advisor, 3, confirm_second=True)
    rs = await session_row(db, second)
    assert rs.second_active_confirmed
    assert rs.number == "SES-20261122-002"


async def test_a_completed_session_still_blocks_but_a_cancelled_one_does_not(
    db: Database, staff: Staff
) -> None:
    first = await open_direct(db, staff.advisor, 4)
    await move(db, staff.advisor, first, S.CANCELLED, note="Client changed their mind")
    again = await open_direct(db, staff.advisor, 4)
    assert not (await session_row(db, again)).second_active_confirmed


async def test_sixteen_concurrent_creators_get_contiguous_numbers(db: Database, staff: Staff) -> None:
    async def create(n: int) -> SessionId:
        return await open_direct(db, staff.advisor, 100 + n)

    ids = await asyncio.gather(*(create(n) for n in range(16)))
    async with db.read() as s:
        stmt = select(RepairSession.number).where(RepairSession.id.in_(ids))
        numbers = sorted((await s.scalars(stmt)).all())
    assert numbers == [f"SES-20261122-{n:03d}" for n in range(1, 17)]


async def test_two_concurrent_intakes_of_one_new_vehicle_open_exactly_one_session(
    db: Database, staff: Staff
) -> None:
    results = await asyncio.gather(
        open_direct(db, staff.advisor, 7), open_direct(db, staff.manager, 7), return_exceptions=True
    )
    opened = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(opened) == 1
    assert len(refused) == 1
    assert refused[0].key == "error.vehicle_has_active_session"
    counts = await footprint(db, staff.org)
    assert (counts["client"], counts["vehicle"], counts["session"]) == (1, 1, 1)


async def test_an_explicit_advisor_must_be_staff_who_may_open_sessions(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.manager, 8, advisor_id=staff.id(staff.advisor))
    assert (await session_row(db, sid)).advisor_id == staff.id(staff.advisor)
    with pytest.raises(InvalidInput) as err:
        await open_direct(db, staff.advisor, 9, advisor_id=staff.id(staff.tech))
    assert err.value.key == "error.session_not_an_advisor"


async def test_the_system_actor_opens_a_session_without_an_advisor(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, Actor.system(staff.org), 10)
    rs = await session_row(db, sid)
    assert rs.advisor_id is None
    assert rs.number.startswith("SES-20261122-")
