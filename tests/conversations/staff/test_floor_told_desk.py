"""The front desk and the store are told, too: a client's low rating and
comment reach the manager (the client was promised "the garage's manager
will read it"), a signed decision on the approval page reaches the advisor,
a discount above the author's limit reaches the managers, low stock and
shortages reach inventory staff, and an arrived part reaches the technician
who asked for it. Each message's button opens the item in the reader's chat."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from garagebot.core.approvals import record_signed_approval
from garagebot.core.enums import Role, SessionStatus
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.inventory.parts import reserve_part
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.models import RepairSession
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.client.harness import ClientChat, scene
from tests.conversations.client.test_feedback import delivered
from tests.conversations.staff.support import (
    assigned_card,
    choice_ids,
    quote_at_half_discount,
    staff_chat,
)
from tests.conversations.staff.told import drain, told
from tests.core.inventory.support import new_item
from tests.core.test_approvals import approval, shown_hash
from tests.core.work.helpers import simple_steps
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.scene import quoted_visit


@pytest.mark.parametrize(("locale", "stars", "score"), [("en", "2", 2), ("ar", "١", 1)])
async def test_a_low_rating_and_the_clients_comment_reach_the_manager(
    db: Database, staff: Staff, locale: str, stars: str, score: int,
) -> None:
    manager = await staff_chat(db, staff.org, Role.MANAGER, locale, name="Lina")
    v = await delivered(db, staff)
    sc = await scene(db, staff.org)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    await chat.say(stars)
    [thanks] = await chat.say("Waited two hours past the promised time")
    assert thanks.key == "client.comment_thanks"  # "The garage's manager will read it."
    await drain(db)

    to_manager = await told(db, manager)
    assert [m.key for m in to_manager] == ["floor.told_low_rating", "floor.told_comment"]
    assert f"{score}" in to_manager[0].text
    assert "Waited two hours" in to_manager[1].text
    assert to_manager[1].choices[0][0] == f"o:ses:{v.session_id}"
    await manager.chat.new_messages()
    assert keys(await manager.say(choice=f"o:ses:{v.session_id}")) == ["staff.session_card"]


async def test_a_good_rating_bothers_nobody_but_its_comment_is_read(db: Database, staff: Staff) -> None:
    manager = await staff_chat(db, staff.org, Role.MANAGER)
    v = await delivered(db, staff)
    sc = await scene(db, staff.org)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    await chat.say("5")
    await chat.say("Great work")
    await drain(db)
    assert [m.key for m in await told(db, manager)] == ["floor.told_comment"]


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_signed_decision_on_the_approval_page_reaches_the_advisor_once(
    db: Database, staff: Staff, locale: str,
) -> None:
    storage = MemoryFileStorage()
    v = await quoted_visit(db, staff, storage)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR, locale)
    async with db.raw_transaction() as s:  # the chat's advisor is the session's advisor
        await s.execute(update(RepairSession).where(RepairSession.id == v.session_id)
                        .values(advisor_id=advisor.user_id))
    async with db.unit_of_work(v.client) as uow:
        await record_signed_approval(uow, storage, approval(v, await shown_hash(db, v)))
    await drain(db)

    to_advisor = await told(db, advisor)
    assert [m.key for m in to_advisor] == ["floor.told_signed"]
    assert ("موافقة على جزء منه" if locale == "ar" else "partly approved") in to_advisor[0].text
    assert to_advisor[0].choices[0][0] == f"o:ses:{v.session_id}"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_discount_above_the_limit_reaches_the_managers_whose_button_opens_the_list(
    db: Database, staff: Staff, locale: str,
) -> None:
    manager = await staff_chat(db, staff.org, Role.MANAGER, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(2),
                               status=SessionStatus.DIAGNOSING)
    await quote_at_half_discount(db, staff.advisor, card.session_id)
    await drain(db)
    [asked] = await told(db, manager)
    assert asked.key == "floor.told_discount"
    assert "50" in asked.text
    await manager.chat.new_messages()
    shown = await manager.say(choice=asked.choices[0][0])
    assert keys(shown)[0].startswith("staff.discount")


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_low_stock_and_a_shortage_reach_inventory_staff(
    db: Database, staff: Staff, locale: str,
) -> None:
    store = await staff_chat(db, staff.org, Role.INVENTORY, locale)
    item = await new_item(db, staff.inventory, stock=3, min_level=2, code="OF-1", name_en="Oil filter",
                          name_ar="فلتر زيت")
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    async with db.unit_of_work(staff.advisor) as uow:
        await reserve_part(uow, card.session_id, item, 2)
    await drain(db)
    [low] = await told(db, store)
    assert low.key == "floor.told_stock_low"
    assert ("فلتر زيت" if locale == "ar" else "Oil filter") in low.text
    assert low.choices[0][0] == "o:parts:0"
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, card.session_id, item, 5)
    await drain(db)
    assert [m.key for m in await told(db, store)] == ["floor.told_stock_low", "floor.told_shortage"]
    await store.chat.new_messages()
    assert keys(await store.say(choice="o:parts:0")) == ["staff.parts_which_session"]


async def test_an_arrived_part_reaches_the_technician_who_marked_it_missing_and_the_advisor(
    db: Database, staff: Staff,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR)
    item = await new_item(db, staff.inventory, stock=0, code="CAL-1", name_en="Caliper", name_ar="كاليبر")
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    async with db.raw_transaction() as s:  # the chat's advisor is the session's advisor
        await s.execute(update(RepairSession).where(RepairSession.id == card.session_id)
                        .values(advisor_id=advisor.user_id))
    await tech.say(choice=f"tj:{card.step_ids[0]}")
    await tech.say(choice="ts:parts")
    await tech.say("CAL-1")
    await tech.say(choice=f"pi:{item}")
    await tech.say("1")
    assert keys(await tech.say(choice="pm:missing"))[0] == "floor.part_missing"
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, item, 1, "20.000")
    await drain(db)
    [arrived] = await told(db, tech, "floor.told_part_arrived")
    assert "CAL-1" in arrived.text
    assert "o:jobs:0" in [c for c, _ in arrived.choices]
    assert "tj:" not in "".join(choice_ids([arrived]))
    [to_advisor] = await told(db, advisor, "inventory.part_arrived")
    assert to_advisor.choices[0][0] == f"o:ses:{card.session_id}"
