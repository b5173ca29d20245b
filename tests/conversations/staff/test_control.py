"""Steering a session from chat ("More"), in English and Arabic: start the
diagnosis, hold with a reason and resume, priority, a job card from a
template and a free one, the client's name and the car's details corrected
(numbers in Arabic digits too), and cancelling with a reason. Statuses
show by their names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, JobCard, RepairSession, Vehicle
from garagebot.core.uow import Database
from garagebot.core.work.templates import create_template
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, count, staff_chat
from tests.conversations.staff.test_qc import plain, readable
from tests.core.repair.helpers import open_direct, session_row
from tests.core.work.helpers import simple_steps

WORDS = {"en": ("Diagnosing", "On hold"), "ar": ("قيد التشخيص", "معلّقة")}


@pytest.mark.parametrize(("locale", "year", "mileage"), [
    ("en", "2016", "85,000 km"), ("ar", "٢٠١٦", "٨٥٠٠٠ كم"),
])
async def test_the_advisor_steers_a_session_from_more(
    db: Database, org: OrgId, staff: Staff, locale: str, year: str, mileage: str,
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        template = await create_template(uow, code=f"ac-{locale}", name_en="A/C service",
                                         name_ar="صيانة المكيف", steps=simple_steps(1))
    sid = await open_direct(db, staff.advisor, 71)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{sid}")
    more = await advisor.say(choice="sa:more")
    assert keys(more) == ["control.menu"]
    offered_actions = {"sc:diagnose", "sc:hold", "sc:cancel", "sc:priority", "sc:card", "sc:edit"}
    assert offered_actions <= set(choice_ids(more))

    started = await advisor.say(choice="sc:diagnose")
    assert keys(started) == ["control.diagnosing", "staff.session_card"]
    assert WORDS[locale][0] in plain(started[-1].text)

    await advisor.say(choice="sa:more")
    await advisor.say(choice="sc:hold")
    held = await advisor.say("Waiting for the client's call")
    assert keys(held) == ["control.held", "staff.session_card"]
    assert (await session_row(db, sid)).status == "ON_HOLD"
    await advisor.say(choice="sa:more")
    assert keys(await advisor.say(choice="sc:resume")) == ["control.resumed", "staff.session_card"]
    assert (await session_row(db, sid)).status == "DIAGNOSING"

    await advisor.say(choice="sa:more")
    await advisor.say(choice="sc:priority")
    assert keys(await advisor.say(choice="sr:2")) == ["control.priority_set", "staff.session_card"]
    assert (await session_row(db, sid)).priority == 2

    await advisor.say(choice="sa:more")
    offered = await advisor.say(choice="sc:card")
    assert f"ct:{template}" in choice_ids(offered)
    assert keys(await advisor.say(choice=f"ct:{template}"))[0] == "staff.job_card_added"
    await advisor.say(choice="sa:more")
    await advisor.say(choice="sc:card")
    await advisor.say(choice="ct:free")
    assert keys(await advisor.say("Check the horn"))[0] == "staff.job_card_added"
    assert await count(db, JobCard, JobCard.session_id == sid) == 2

    for field, value in (("name", "Sara Nasser"), ("make", "Kia"), ("model", "Rio"), ("year", year),
                         ("vin", "1HGCM82633A004352"), ("mileage", mileage)):
        await advisor.say(choice="sa:more")
        await advisor.say(choice="sc:edit")
        await advisor.say(choice=f"sf:{field}")
        assert keys(await advisor.say(value)) == ["control.details_saved", "staff.session_card"]
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        client = await s.get(Client, rs.client_id)
        car = (await s.execute(select(Vehicle).where(Vehicle.id == rs.vehicle_id))).scalar_one()
    assert client is not None
    assert client.name == "Sara Nasser"
    assert (car.make, car.model, car.year, car.vin, car.mileage_km) == (
        "Kia", "Rio", 2016, "1HGCM82633A004352", 85000)

    await advisor.say(choice="sa:more")
    await advisor.say(choice="sc:cancel")
    cancelled = await advisor.say("Client took the car elsewhere")
    assert keys(cancelled) == ["control.cancelled", "staff.session_card"]
    assert (await session_row(db, sid)).status == "CANCELLED"
    assert readable(more + started + held + offered + cancelled)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_year_that_is_not_a_number_is_asked_again(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    sid = await open_direct(db, staff.advisor, 72)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{sid}")
    await advisor.say(choice="sa:more")
    await advisor.say(choice="sc:edit")
    await advisor.say(choice="sf:year")
    refused = await advisor.say("last year")
    assert keys(refused) == ["error.year_not_a_number"]
    assert readable(refused)
