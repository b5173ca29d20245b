"""Transcripts of parts from a technician's step: search by SKU, name or
fitment, reserve what is available, then pick and consume or return."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.inventory.fitment import Fitment
from garagebot.core.models import RepairSession, Reservation, Vehicle
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, count, staff_chat
from tests.core.inventory.support import level, new_item
from tests.core.work.helpers import simple_steps


@pytest.mark.parametrize(("locale", "used"), [("en", "used"), ("ar", "استخدمت")])
async def test_a_technician_reserves_picks_and_uses_a_part_found_by_sku(
    db: Database, org: OrgId, staff: Staff, locale: str, used: str,
) -> None:
    item = await new_item(db, staff.inventory, stock=5, code="BRK-PAD-01", name_en="Brake pads",
                          name_ar="فحمات فرامل")
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say("my jobs")
    await tech.say("start 1")
    search = await tech.say(choice="ts:parts")
    assert keys(search) == ["staff.parts_search"]
    found = await tech.say("brk-pad")
    assert choice_ids(found)[0] == f"pi:{item}"
    assert "5" in found[0].choices[0][1]
    asked = await tech.say(choice=f"pi:{item}")
    assert keys(asked) == ["staff.parts_quantity"]
    too_many = await tech.say("9")
    assert keys(too_many) == ["floor.parts_short"]  # short: offered to mark it missing
    assert "pm:missing" in choice_ids(too_many)
    reserved = await tech.say("2")
    assert keys(reserved) == ["staff.part_reserved", "staff.parts_search"]
    assert await level(db, org, item) == (Decimal("5.000"), Decimal("2.000"))
    res = [cid for cid in choice_ids(reserved) if cid.startswith("pr:")]
    assert len(res) == 1
    await tech.say(choice=res[0])
    assert keys(await tech.say(choice="rp:pick"))[0] == "staff.part_picked"
    await tech.say(choice=res[0])
    assert keys(await tech.say(used))[0] == "staff.part_consumed"
    assert await level(db, org, item) == (Decimal("3.000"), Decimal("0.000"))
    assert await count(db, Reservation, Reservation.session_id == card.session_id,
                       Reservation.status == "CONSUMED") == 1


async def test_parts_that_fit_the_car_are_offered_and_a_reservation_can_be_returned(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    fits = await new_item(db, staff.inventory, stock=3, name_en="Air filter",
                          fitments=[Fitment("Toyota", None, None, None)])
    await new_item(db, staff.inventory, stock=3, name_en="Other filter",
                   fitments=[Fitment("Kia", None, None, None)])
    tech = await staff_chat(db, org, Role.TECHNICIAN)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    async with db.raw_transaction() as s:
        rs = await s.get(RepairSession, card.session_id)
        assert rs is not None
        vehicle = await s.get(Vehicle, rs.vehicle_id)
        assert vehicle is not None
        vehicle.make = "Toyota"
    await tech.say("my jobs")
    await tech.say("1")
    await tech.say(choice="ts:parts")
    offered = await tech.say(choice="pf")
    assert [cid for cid in choice_ids(offered) if cid.startswith("pi:")] == [f"pi:{fits}"]
    await tech.say(choice=f"pi:{fits}")
    reserved = await tech.say("1")
    res = next(cid for cid in choice_ids(reserved) if cid.startswith("pr:"))
    await tech.say(choice=res)
    assert keys(await tech.say(choice="rp:return"))[0] == "staff.part_returned"
    assert await level(db, org, fits) == (Decimal("3.000"), Decimal("0.000"))
