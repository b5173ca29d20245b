"""The stock ledger: receipts, adjustments, transfers, concurrent reservations, verify."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from garagebot.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from garagebot.core.ids import LocationId, ReservationId
from garagebot.core.inventory.items import create_location
from garagebot.core.inventory.parts import reserve_part
from garagebot.core.inventory.stock import adjust_stock, receive_stock, transfer_stock
from garagebot.core.inventory.verify import organization_ids, verify_stock
from garagebot.core.models.inventory import CostLayer, Reservation, StockLevel
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inventory.support import audits, events, level, moves, new_item, new_session


async def test_receiving_stock_writes_the_level_the_ledger_row_the_cost_layer_and_the_audit(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    async with db.unit_of_work(staff.inventory) as uow:
        move_id = await receive_stock(uow, item_id, 12, "1.250", reason="opening stock")
    assert await level(db, staff.org, item_id) == (Decimal(12), Decimal(0))
    (move,) = await moves(db, staff.org, item_id)
    assert (move.id, move.kind, move.quantity, move.on_hand_delta, move.reserved_delta, move.cost_total) == (
        move_id, "RECEIVE", Decimal(12), Decimal(12), Decimal(0), Decimal("15.000"))
    async with db.read() as s:
        layer = (await s.scalars(select(CostLayer).where(CostLayer.item_id == item_id))).one()
    assert (layer.remaining, layer.unit_cost, layer.value_remaining) == (
        Decimal(12), Decimal("1.250"), Decimal("15.000"))
    assert [e.entity_id for e in await audits(db, staff.org, "stock_move", "receive")] == [str(move_id)]
    assert len(await events(db, staff.org, "stock.received")) == 1


async def test_litres_take_three_decimals_but_pieces_take_whole_numbers(db: Database, staff: Staff) -> None:
    oil = await new_item(db, staff.inventory, unit="l")
    filt = await new_item(db, staff.inventory, unit="pcs")
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, oil, "20.5", "3.100")
    assert await level(db, staff.org, oil) == (Decimal("20.5"), Decimal(0))
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_stock(uow, filt, "1.5", "3.100")
    assert err.value.key == "error.inventory_whole_units_only"
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_stock(uow, oil, "0.0005", "3.100")
    assert err.value.key == "error.amount_too_precise"
    for bad in ("0", "-2", "NaN", "Infinity"):
        with pytest.raises(InvalidInput):
            async with db.unit_of_work(staff.inventory) as uow:
                await receive_stock(uow, oil, bad, "3.100")
    assert len(await moves(db, staff.org, oil)) == 1


async def test_fifty_concurrent_reservations_of_one_unit_on_twenty_in_stock_reserve_exactly_twenty(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=20)
    sid = await new_session(db, staff.advisor)

    async def reserve_one() -> ReservationId | DomainError:
        try:
            async with db.unit_of_work(staff.tech) as uow:
                return await reserve_part(uow, sid, item_id, 1)
        except DomainError as exc:
            return exc

    results = await asyncio.gather(*(reserve_one() for _ in range(50)))
    made = [r for r in results if not isinstance(r, DomainError)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 20
    assert len(refused) == 30
    assert {(type(e), e.key) for e in refused} == {(Conflict, "error.not_enough_stock")}
    assert {e.params["available"] for e in refused} == {"0"}
    assert await level(db, staff.org, item_id) == (Decimal(20), Decimal(20))
    async with db.read() as s:
        held = (await s.scalars(select(Reservation.id).where(Reservation.item_id == item_id))).all()
        assert sorted(held) == sorted(made)
        assert await verify_stock(s, staff.org) == []
    assert len([m for m in await moves(db, staff.org, item_id) if m.kind == "RESERVE"]) == 20


async def test_an_adjustment_needs_a_reason_and_cannot_remove_reserved_stock(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=5, cost="2.000")
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        await reserve_part(uow, sid, item_id, 3)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await adjust_stock(uow, item_id, -1, "  ")
    assert err.value.key == "error.inventory_reason_required"
    with pytest.raises(Conflict) as conflict:
        async with db.unit_of_work(staff.inventory) as uow:
            await adjust_stock(uow, item_id, -3, "broken in the store")
    assert (conflict.value.key, conflict.value.params["available"]) == ("error.not_enough_stock", "2")
    async with db.unit_of_work(staff.inventory) as uow:
        await adjust_stock(uow, item_id, -2, "broken in the store")
        await adjust_stock(uow, item_id, 4, "found on the count")
    assert await level(db, staff.org, item_id) == (Decimal(7), Decimal(3))
    adjustments = [m for m in await moves(db, staff.org, item_id) if m.kind == "ADJUST"]
    assert [(m.on_hand_delta, m.cost_total, m.reason) for m in adjustments] == [
        (Decimal(-2), Decimal("4.000"), "broken in the store"),
        (Decimal(4), Decimal("8.000"), "found on the count"),
    ]
    assert len(await audits(db, staff.org, "stock_move", "adjust")) == 2


async def test_a_transfer_moves_available_stock_between_stores(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=6)
    async with db.unit_of_work(staff.inventory) as uow:
        van = await create_location(uow, code="VAN", name_en="Van", name_ar="سيارة الخدمة")
        main = LocationId((await uow.session.scalars(select(StockLevel.location_id).where(
            StockLevel.item_id == item_id))).one())
    async with db.unit_of_work(staff.inventory) as uow:
        group = await transfer_stock(uow, item_id, main, van, 4)
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.inventory) as uow:
            await transfer_stock(uow, item_id, main, van, 3)
    with pytest.raises(InvalidInput):
        async with db.unit_of_work(staff.inventory) as uow:
            await transfer_stock(uow, item_id, van, van, 1)
    async with db.read() as s:
        levels = dict((await s.execute(select(StockLevel.location_id, StockLevel.on_hand)
                                       .where(StockLevel.item_id == item_id))).tuples().all())
        assert await verify_stock(s, staff.org) == []
    assert levels == {main: Decimal(2), van: Decimal(4)}
    transfers = [m for m in await moves(db, staff.org, item_id) if m.kind == "TRANSFER"]
    assert {(m.location_id, m.on_hand_delta, m.transfer_group) for m in transfers} == {
        (main, Decimal(-4), group), (van, Decimal(4), group)}


async def test_a_technician_may_not_receive_or_adjust_stock(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await receive_stock(uow, item_id, 1, "1")
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await adjust_stock(uow, item_id, 1, "found")


async def test_verify_reports_a_level_that_no_longer_matches_the_ledger(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=10)
    async with db.read() as s:
        assert await verify_stock(s, staff.org) == []
    async with db.raw_transaction() as s:
        await s.execute(update(StockLevel).where(StockLevel.item_id == item_id).values(on_hand=Decimal(11)))
    async with db.read() as s:
        drifts = await verify_stock(s, staff.org)
        orgs = await organization_ids(s)
    assert [(d.item_id, d.check, d.expected, d.recorded) for d in drifts] == [
        (item_id, "on_hand", Decimal(10), Decimal(11)),
        (item_id, "layers", Decimal(11), Decimal(10)),
    ]
    assert staff.org in orgs


async def test_a_garage_cannot_receive_into_another_garages_item(db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    theirs = await new_item(db, other.inventory, stock=2)
    with pytest.raises(DomainError) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_stock(uow, theirs, 5, "1")
    assert err.value.key == "error.not_found"
    assert await level(db, other.org, theirs) == (Decimal(2), Decimal(0))
