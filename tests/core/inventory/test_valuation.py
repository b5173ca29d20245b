"""FIFO and weighted-average costing from the cost layers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.ids import ItemId, SessionId
from garagebot.core.inventory.parts import consume_part, pick_part, reserve_part
from garagebot.core.inventory.queries import session_parts_cost
from garagebot.core.inventory.stock import adjust_stock, receive_stock
from garagebot.core.inventory.valuation import method, set_method, stock_value
from garagebot.core.inventory.verify import verify_stock
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.inventory.support import audits, new_item, new_session


async def _use(db: Database, staff: Staff, sid: SessionId, item_id: ItemId, qty: int | str) -> Decimal:
    async with db.unit_of_work(staff.tech) as uow:
        rid = await reserve_part(uow, sid, item_id, qty)
        await pick_part(uow, rid)
        return await consume_part(uow, rid)


async def _receive(db: Database, staff: Staff, item_id: ItemId, *lots: tuple[int | str, str]) -> None:
    for qty, cost in lots:
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_stock(uow, item_id, qty, cost)


async def test_fifo_costs_consumption_from_the_oldest_layer_first(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, price="5.000")
    await _receive(db, staff, item_id, (10, "1.000"), (10, "2.000"))
    sid = await new_session(db, staff.advisor)
    assert await _use(db, staff, sid, item_id, 15) == Decimal("20.000")
    assert await _use(db, staff, sid, item_id, 5) == Decimal("10.000")
    async with db.read() as s:
        parts = await session_parts_cost(s, staff.org, sid)
        assert await stock_value(s, staff.org, item_id) == Decimal("0.000")
    assert (parts.cost_total, parts.price_total, parts.margin) == (
        Decimal("30.000"), Decimal("100.000"), Decimal("70.000"))


async def test_weighted_average_is_a_per_garage_option(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        assert await method(uow) == "fifo"
        await set_method(uow, "average")
    item_id = await new_item(db, staff.inventory, price="5.000")
    await _receive(db, staff, item_id, (10, "1.000"), (10, "2.000"))
    sid = await new_session(db, staff.advisor)
    assert await _use(db, staff, sid, item_id, 15) == Decimal("22.500")
    await _receive(db, staff, item_id, (5, "3.000"))
    # 5 left at 1.500 plus 5 at 3.000: the moving average is 2.250.
    assert await _use(db, staff, sid, item_id, 4) == Decimal("9.000")
    async with db.read() as s:
        assert await stock_value(s, staff.org, item_id) == Decimal("13.500")
        assert await verify_stock(s, staff.org) == []
    entry = (await audits(db, staff.org, "organization", "set_valuation"))[-1]
    assert entry.after == {"valuation": "average"}


async def test_costs_taken_out_add_up_to_the_value_put_in_to_the_fils(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_method(uow, "average")
    item_id = await new_item(db, staff.inventory)
    await _receive(db, staff, item_id, (1, "1.000"), (2, "1.001"))
    sid = await new_session(db, staff.advisor)
    costs = [await _use(db, staff, sid, item_id, 1) for _ in range(3)]
    assert costs == [Decimal("1.001"), Decimal("1.001"), Decimal("1.000")]
    assert sum(costs) == Decimal("3.002")


async def test_a_count_loss_is_costed_from_the_layers_and_a_gain_at_the_items_cost(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    await _receive(db, staff, item_id, (2, "1.000"), (2, "3.000"))
    async with db.unit_of_work(staff.inventory) as uow:
        assert await adjust_stock(uow, item_id, -3, "damaged") > 0
    async with db.read() as s:
        # The loss took 2 at 1.000 and 1 at 3.000; one unit at 3.000 remains.
        assert await stock_value(s, staff.org, item_id) == Decimal("3.000")


async def test_only_the_owner_chooses_the_valuation_method_and_only_known_ones(
    db: Database, staff: Staff
) -> None:
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.manager) as uow:
            await set_method(uow, "average")
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.owner) as uow:
            await set_method(uow, "lifo")
    assert err.value.key == "error.inventory_invalid_valuation"
