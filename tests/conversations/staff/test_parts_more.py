"""More transcripts of parts, in English and Arabic: the parts flow opened from
the menu for a session found by its plate or number, a search by name (either
language) that shows what is available, the fitment search typed, and a
reservation picked and returned with typed words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.inventory.fitment import Fitment
from garagebot.core.models import RepairSession, Reservation, Vehicle
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, plate_and_number, staff_chat
from tests.core.inventory.support import level, new_item
from tests.core.work.helpers import simple_steps

LOCALES = ["en", "ar"]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


async def _reservations(db: Database, sid: SessionId) -> list[tuple[str, Decimal, int | None]]:
    async with db.read() as s:
        rows = (await s.execute(
            select(Reservation.status, Reservation.quantity, Reservation.job_card_id)
            .where(Reservation.session_id == sid).order_by(Reservation.id)
        )).all()
    return [(r.status, r.quantity, r.job_card_id) for r in rows]


@pytest.mark.parametrize(("locale", "parts", "name"), [("en", "parts", "pads"), ("ar", "قطع غيار", "فحمات")])
async def test_parts_from_the_menu_for_a_plate_searched_by_name_show_what_is_available(
    db: Database, org: OrgId, staff: Staff, locale: str, parts: str, name: str,
) -> None:
    item = await new_item(db, staff.inventory, stock=4, name_en="Brake pads", name_ar="فحمات فرامل")
    await new_item(db, staff.inventory, stock=9, name_en="Wiper blade", name_ar="مساحة زجاج")
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    plate, number = await plate_and_number(db, card.session_id)
    await tech.say("menu")

    assert keys(await tech.say(parts)) == ["staff.parts_which_session"]
    unknown = await tech.say("99-99999")
    assert keys(unknown) == ["staff.session_not_found", "staff.parts_which_session"]
    typed = plate.translate(ARABIC_DIGITS) if locale == "ar" else plate
    search = await tech.say(typed)
    assert keys(search) == ["staff.parts_search"]
    assert number in search[0].text

    found = await tech.say(name)
    assert keys(found) == ["staff.parts_results"]
    assert [cid for cid in choice_ids(found) if cid.startswith("pi:")] == [f"pi:{item}"]
    label = found[0].choices[0][1]
    assert ("فحمات فرامل" if locale == "ar" else "Brake pads") in label
    assert "4" in label  # available
    asked = await tech.say(choice=f"pi:{item}")
    assert keys(asked) == ["staff.parts_quantity"]
    assert "4" in asked[0].text
    reserved = await tech.say("٣" if locale == "ar" else "3")
    assert keys(reserved) == ["staff.part_reserved", "staff.parts_search"]

    assert await level(db, org, item) == (Decimal("4.000"), Decimal("3.000"))
    assert await _reservations(db, card.session_id) == [("RESERVED", Decimal("3.000"), None)]
    again = await tech.say(name)
    assert "1" in again[0].choices[0][1]  # only one left to reserve


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_session_for_parts_can_be_typed_as_its_number(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    _, number = await plate_and_number(db, card.session_id)
    await tech.say(choice="m:parts")
    search = await tech.say(number.translate(ARABIC_DIGITS) if locale == "ar" else number.lower())
    assert keys(search) == ["staff.parts_search"]
    assert (await tech.chat.conversation()).data["d"] == {"session": card.session_id}


@pytest.mark.parametrize(("locale", "fits", "picked", "give_back"), [
    ("en", "fits", "picked", "return"),
    ("ar", "تناسب", "استلمت", "إرجاع"),
])
async def test_typed_fitment_search_then_the_part_is_picked_and_returned_with_words(
    db: Database, org: OrgId, staff: Staff, locale: str, fits: str, picked: str, give_back: str,
) -> None:
    fitting = await new_item(db, staff.inventory, stock=2, name_en="Air filter", name_ar="فلتر هواء",
                             fitments=[Fitment("Toyota", None, None, None)])
    await new_item(db, staff.inventory, stock=2, name_en="Other filter", name_ar="فلتر آخر",
                   fitments=[Fitment("Kia", None, None, None)])
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
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

    offered = await tech.say(fits)
    assert keys(offered) == ["staff.parts_results"]
    assert [cid for cid in choice_ids(offered) if cid.startswith("pi:")] == [f"pi:{fitting}"]
    await tech.say(choice=f"pi:{fitting}")
    reserved = await tech.say("1")
    res = next(cid for cid in choice_ids(reserved) if cid.startswith("pr:"))
    assert await _reservations(db, card.session_id) == [("RESERVED", Decimal("1.000"), card.job_card_id)]

    shown = await tech.say(choice=res)
    assert keys(shown) == ["staff.reservation_card"]
    assert keys(await tech.say(picked))[0] == "staff.part_picked"
    assert await _reservations(db, card.session_id) == [("PICKED", Decimal("1.000"), card.job_card_id)]
    assert await level(db, org, fitting) == (Decimal("2.000"), Decimal("1.000"))  # still held for the car

    await tech.say(choice=res)
    not_a_return = await tech.say("reject" if locale == "en" else "رفض")  # a review word, not "return"
    assert "staff.part_returned" not in keys(not_a_return)
    assert await _reservations(db, card.session_id) == [("PICKED", Decimal("1.000"), card.job_card_id)]
    returned = await tech.say(give_back)
    assert keys(returned)[0] == "staff.part_returned"
    assert await _reservations(db, card.session_id) == [("RETURNED", Decimal("1.000"), card.job_card_id)]
    assert await level(db, org, fitting) == (Decimal("2.000"), Decimal("0.000"))
