"""The inventory staff's daily lists: items below their minimum, and purchase
orders overdue from their suppliers; in the reader's language, to inventory
staff only, nothing when there is nothing to say."""

from __future__ import annotations

from garagebot.core.alerts.stock import daily_stock_list, overdue_orders
from garagebot.core.purchasing.orders import OrderLine, create_purchase_order, send_purchase_order
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.alerts.support import link_staff, queued_to
from tests.core.inventory.support import new_item, new_supplier
from tests.fakes import FakeClock


async def test_the_daily_stock_list_names_the_items_below_their_minimum(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    chats = await link_staff(db, staff)
    assert await daily_stock_list(db, staff.org, clock.now()) == 0
    await new_item(db, staff.inventory, stock=1, min_level=3, code="AF-1", name_en="Air filter",
                   name_ar="فلتر هواء")
    await new_item(db, staff.inventory, stock=10, min_level=3, code="OK-1")
    assert await daily_stock_list(db, staff.org, clock.now()) == 1
    [listed] = await queued_to(db, chats["inventory"])
    assert listed.key == "schedule.stock_list"
    assert listed.locale == "ar"
    assert "فلتر هواء" in listed.text
    assert "AF-1" in listed.text
    assert "OK-1" not in listed.text
    assert listed.choices == ("o:parts:0",)
    assert await queued_to(db, chats["advisor"]) == []


async def test_orders_sent_long_ago_and_not_received_are_listed(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    chats = await link_staff(db, staff)
    supplier = await new_supplier(db, staff.inventory, "Amman Parts")
    item = await new_item(db, staff.inventory, stock=5)
    async with db.unit_of_work(staff.inventory) as uow:
        po = await create_purchase_order(uow, supplier, [OrderLine(item, 2, "1.000")])
        await send_purchase_order(uow, po)
    clock.advance(days=6)
    assert await overdue_orders(db, staff.org, clock.now()) == 0
    clock.advance(days=1, minutes=1)
    assert await overdue_orders(db, staff.org, clock.now()) == 1
    [listed] = await queued_to(db, chats["inventory"])
    assert listed.key == "schedule.orders_overdue"
    assert "Amman Parts" in listed.text
    assert "طلبات شراء أُرسلت منذ" in listed.text
