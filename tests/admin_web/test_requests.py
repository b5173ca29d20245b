"""Booking requests in the console: listed oldest first, opened as a session
with the request's details (the complaint editable), or declined with a
reason; wrong roles and other garages are refused and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import RequestStatus
from garagebot.core.ids import RequestId
from garagebot.core.models import RepairSession, Request
from garagebot.core.repair.intake import create_request
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff, make_staff, new_garage


async def a_request(db: Database, staff: Staff, plate: str = "12-34567") -> RequestId:
    async with db.unit_of_work(staff.advisor) as uow:
        return await create_request(uow, phone="0791234567", plate=plate, complaint="Brakes squeal",
                                    client_name="Omar Saleh",
                                    preferred_time=db.clock.now() + dt.timedelta(days=1))


async def request_status(db: Database, request_id: int) -> str:
    async with db.read() as s:
        row = await s.get(Request, request_id)
    assert row is not None
    return row.status


async def test_an_advisor_opens_a_session_from_a_request_with_its_details(
    browser: Browser, db: Database, staff: Staff
) -> None:
    rid = await a_request(db, staff)
    await browser.sign_in(await give_password(db, staff.advisor))
    status, body = await browser.get("/requests")
    assert status == 200
    assert html_problems(body) == []
    assert "Omar Saleh" in body
    assert 'value="Brakes squeal"' in body
    status, body, _ = await browser.post(f"/requests/{rid}/convert",
                                         {"complaint": "Squeal", "mileage": "12a"})
    assert status == 400
    assert "digits only" in body
    status, _, location = await browser.post(f"/requests/{rid}/convert",
                                             {"complaint": "Brakes squeal when cold", "mileage": "81234"})
    assert status == 303
    assert await request_status(db, rid) == RequestStatus.CONVERTED.value
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.request_id == rid))).scalar_one()
    assert (rs.complaint, rs.mileage_in_km) == ("Brakes squeal when cold", 81234)
    assert location == f"/sessions/{rs.id}?notice=saved"


async def test_declining_needs_a_reason_beside_the_field(
    browser: Browser, db: Database, staff: Staff
) -> None:
    rid = await a_request(db, staff, plate="22-11111")
    await browser.sign_in(await give_password(db, staff.manager))
    await browser.get("/requests")
    status, body, _ = await browser.post(f"/requests/{rid}/decline", {"reason": ""})
    assert status == 400
    assert '<p class="error">This field is required.</p>' in body
    status, _, _ = await browser.post(f"/requests/{rid}/decline", {"reason": "The client went elsewhere"})
    assert status == 303
    assert await request_status(db, rid) == RequestStatus.CLOSED.value


@pytest.mark.parametrize("role", ["lead", "tech", "assistant", "inventory", "accountant"])
async def test_other_roles_cannot_see_or_act_on_requests(
    browser: Browser, db: Database, staff: Staff, role: str
) -> None:
    rid = await a_request(db, staff, plate="33-22222")
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    assert (await browser.get("/requests"))[0] == 403
    assert (await browser.post(f"/requests/{rid}/convert", {"complaint": "x"}))[0] == 403
    assert (await browser.post(f"/requests/{rid}/decline", {"reason": "x"}))[0] == 403
    assert await request_status(db, rid) == RequestStatus.OPEN.value


async def test_another_garages_owner_gets_404_and_changes_nothing(
    browser: Browser, db: Database, staff: Staff
) -> None:
    rid = await a_request(db, staff, plate="44-33333")
    other = await make_staff(db, await new_garage(db))
    await browser.sign_in(await give_password(db, other.owner))
    status, body = await browser.get("/requests")
    assert status == 200
    assert "Omar Saleh" not in body
    assert (await browser.post(f"/requests/{rid}/convert", {"complaint": "x"}))[0] == 404
    assert (await browser.post(f"/requests/{rid}/decline", {"reason": "x"}))[0] == 404
    assert await request_status(db, rid) == RequestStatus.OPEN.value
