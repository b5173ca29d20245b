"""Inspections in the console: a car's inspections with each measurement
over the visits (tread depth 6 → 2.5 mm), in both languages; the dashboard's
tiles (inspections in progress; the share of findings clients approved);
another garage's car is not found and roles without inspections are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.enums import SessionStatus
from garagebot.core.inspections.service import start_inspection
from garagebot.core.models import RepairSession
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inspections.scene import VALUES, inspect, open_car, published
from tests.fakes import FakeClock


async def test_a_cars_inspections_and_its_measurements_over_the_visits(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff, tmp_path: Path, clock: FakeClock,
) -> None:
    storage = LocalFileStorage(tmp_path / "media")
    first = await published(db, staff.advisor, staff.tech, storage, values={**VALUES, "tread_fl": "6"})
    async with db.unit_of_work(first.client) as uow:
        await decide_quote_lines(uow, first.quote_id, {first.lines[0]: LineDecision.APPROVED,
                                                       first.lines[1]: LineDecision.DECLINED}, key="k")
    async with db.unit_of_work(staff.manager) as uow:
        await change_status(uow, first.session_id, SessionStatus.CANCELLED, note="came back later")
    clock.advance(days=90)
    sid, _, _ = await open_car(db, staff.advisor, plate=first.vehicle_plate, phone=first.phone)
    await inspect(db, staff.tech, sid, storage, media=False)
    sid3, _, _ = await open_car(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        await start_inspection(uow, sid3)  # one in progress
    async with db.read() as s:
        vehicle = (await s.execute(
            select(RepairSession.vehicle_id).where(RepairSession.id == sid))).scalar_one()
    await browser.sign_in(await give_password(db, staff.lead))
    _, page = await browser.get(f"/vehicles/{vehicle}")  # the car's page links its inspections
    assert f'href="/vehicles/{vehicle}/inspections"' in page
    status, body = await browser.get(f"/vehicles/{vehicle}/inspections")
    assert status == 200
    assert html_problems(body) == []
    assert "Tread depth, front left" in body
    assert "6 → 2.5</span> mm" in body
    await browser.post("/lang", {"lang": "ar", "next": "/"})
    status, body = await browser.get(f"/vehicles/{vehicle}/inspections")
    assert "عمق النقشة، الأمامي الأيسر" in body
    assert "6 → 2.5</span> ملم" in body
    other = await make_staff(db, await new_garage(db))
    await other_browser.sign_in(await give_password(db, other.owner))
    assert (await other_browser.get(f"/vehicles/{vehicle}/inspections"))[0] == 404

    await browser.sign_in(await give_password(db, staff.manager))
    await browser.post("/lang", {"lang": "en", "next": "/"})
    status, body = await browser.get("/")
    assert status == 200
    tiles = {name: value for value, name in re.findall(
        r'<span class="value">([^<]+)</span><span class="name">([^<]+)</span>', body)}
    assert tiles["Inspections in progress"] == "1"
    # the first visit: 3 findings put to the client, 1 approved, 1 declined, 1 left undecided
    assert tiles["Findings approved by clients"] == "50 %"


@pytest.mark.parametrize("role", ["assistant", "inventory", "accountant"])
async def test_roles_without_inspections_are_refused(
    browser: Browser, db: Database, staff: Staff, role: str,
) -> None:
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    assert (await browser.get("/vehicles/1/inspections"))[0] == 403
