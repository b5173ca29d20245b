"""Purchase orders: DRAFT → SENT → PARTIALLY_RECEIVED → RECEIVED | CANCELLED, and suggested orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from garagebot.core.ids import PurchaseOrderId
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.inventory.verify import verify_stock
from garagebot.core.models.inventory import CostLayer, ReorderSuggestion
from garagebot.core.models.purchasing import PurchaseOrder, PurchaseOrderLine
from garagebot.core.purchasing.orders import (
    OrderLine,
    ReceiptLine,
    add_order_lines,
    cancel_purchase_order,
    create_purchase_order,
    receive_purchase_order,
    send_purchase_order,
)
from garagebot.core.purchasing.suggestions import order_suggestions, suggested_orders
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inventory.support import audits, events, level, moves, new_item, new_session, new_supplier


async def _order(db: Database, po_id: int) -> tuple[PurchaseOrder, list[PurchaseOrderLine]]:
    async with db.read() as s:
        po = (await s.scalars(select(PurchaseOrder).where(PurchaseOrder.id == po_id))).one()
        lines = (await s.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == po_id)
                                 .order_by(PurchaseOrderLine.id))).all()
    return po, list(lines)


async def test_an_order_is_numbered_sent_received_in_parts_and_closed(db: Database, staff: Staff) -> None:
    pads = await new_item(db, staff.inventory)
    oil = await new_item(db, staff.inventory, unit="l")
    supplier = await new_supplier(db, staff.manager)
    async with db.unit_of_work(staff.inventory) as uow:
        po_id = await create_purchase_order(uow, supplier, [OrderLine(pads, 10, "2.000")])
        await add_order_lines(uow, po_id, [OrderLine(oil, "20.5", "3.250")])
        await send_purchase_order(uow, po_id)
    po, (pad_line, oil_line) = await _order(db, po_id)
    assert (po.number, po.status) == ("PO-2026-00001", "SENT")
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_purchase_order(uow, po_id, [ReceiptLine(pad_line.id, 4)])
    po, _ = await _order(db, po_id)
    assert po.status == "PARTIALLY_RECEIVED"
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_purchase_order(uow, po_id, [ReceiptLine(pad_line.id, 6, unit_cost="2.100"),
                                                  ReceiptLine(oil_line.id, "20.5")])
    po, lines = await _order(db, po_id)
    assert (po.status, [ln.received_quantity for ln in lines]) == ("RECEIVED", [Decimal(10), Decimal("20.5")])
    assert await level(db, staff.org, pads) == (Decimal(10), Decimal(0))
    assert [(m.kind, m.quantity, m.po_line_id) for m in await moves(db, staff.org, pads)] == [
        ("RECEIVE", Decimal(4), pad_line.id), ("RECEIVE", Decimal(6), pad_line.id)]
    async with db.read() as s:
        costs = (await s.scalars(select(CostLayer.unit_cost).where(CostLayer.item_id == pads)
                                 .order_by(CostLayer.id))).all()
        assert await verify_stock(s, staff.org) == []
    assert costs == [Decimal("2.000"), Decimal("2.100")]
    assert [e.action for e in await audits(db, staff.org, "purchase_order")] == [
        "create", "add_lines", "send", "receive", "receive"]
    assert [e.payload["status"] for e in await events(db, staff.org, "purchase_order.received")] == [
        "PARTIALLY_RECEIVED", "RECEIVED"]


async def test_receiving_is_refused_before_sending_beyond_what_is_outstanding_and_after_closing(
    db: Database, staff: Staff
) -> None:
    item = await new_item(db, staff.inventory)
    supplier = await new_supplier(db, staff.manager)
    async with db.unit_of_work(staff.inventory) as uow:
        po_id = await create_purchase_order(uow, supplier, [OrderLine(item, 2, "1.000")])
    _, (line,) = await _order(db, po_id)
    with pytest.raises(InvalidTransition):
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_purchase_order(uow, po_id, [ReceiptLine(line.id, 1)])
    async with db.unit_of_work(staff.inventory) as uow:
        await send_purchase_order(uow, po_id)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await receive_purchase_order(uow, po_id, [ReceiptLine(line.id, 3)])
    assert (err.value.key, err.value.params["outstanding"]) == ("error.purchasing_over_receipt", "2")
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_purchase_order(uow, po_id, [ReceiptLine(line.id, 2)])
    for act in (lambda u: receive_purchase_order(u, po_id, [ReceiptLine(line.id, 1)]),
                lambda u: cancel_purchase_order(u, po_id, "too late")):
        with pytest.raises(InvalidTransition):
            async with db.unit_of_work(staff.inventory) as uow:
                await act(uow)
    assert await level(db, staff.org, item) == (Decimal(2), Decimal(0))


async def test_bad_orders_are_refused(db: Database, staff: Staff) -> None:
    item = await new_item(db, staff.inventory)
    supplier = await new_supplier(db, staff.manager)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await create_purchase_order(uow, supplier, [OrderLine(item, 1, "1"), OrderLine(item, 2, "1")])
    assert err.value.key == "error.purchasing_duplicate_item"
    async with db.unit_of_work(staff.inventory) as uow:
        empty = await create_purchase_order(uow, supplier, [])
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await send_purchase_order(uow, empty)
    assert err.value.key == "error.purchasing_order_empty"
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await cancel_purchase_order(uow, empty, " ")
    assert err.value.key == "error.purchasing_reason_required"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await create_purchase_order(uow, supplier, [OrderLine(item, 1, "1")])


async def test_a_cancelled_order_gives_its_number_away_to_nobody_and_keeps_the_reason(
    db: Database, staff: Staff
) -> None:
    item = await new_item(db, staff.inventory)
    supplier = await new_supplier(db, staff.manager)
    async with db.unit_of_work(staff.inventory) as uow:
        first = await create_purchase_order(uow, supplier, [OrderLine(item, 1, "1")])
        await send_purchase_order(uow, first)
    async with db.unit_of_work(staff.inventory) as uow:
        await cancel_purchase_order(uow, first, "supplier out of stock")
    async with db.unit_of_work(staff.inventory) as uow:
        second = await create_purchase_order(uow, supplier, [OrderLine(item, 1, "1")])
    cancelled, _ = await _order(db, first)
    again, _ = await _order(db, second)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.number) == (
        "CANCELLED", "supplier out of stock", "PO-2026-00001")
    assert again.number == "PO-2026-00002"


async def test_suggested_orders_cover_the_minimum_and_waiting_sessions_up_to_the_maximum(
    db: Database, staff: Staff
) -> None:
    supplier = await new_supplier(db, staff.manager)
    low = await new_item(db, staff.inventory, code="LOW-1", stock=3, min_level=5, max_level=20,
                         supplier_id=supplier)
    short = await new_item(db, staff.inventory, code="SHORT-1", stock=1, supplier_id=supplier)
    orphan = await new_item(db, staff.inventory, code="ZZ-1", min_level=2, max_level=4)
    await new_item(db, staff.inventory, code="FINE-1", stock=9, min_level=5, max_level=10)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, sid, short, 4)
    async with db.read() as s:
        lines = await suggested_orders(s, staff.org)
    assert [(ln.item_id, ln.quantity, ln.reasons, ln.supplier_id) for ln in lines] == [
        (low, Decimal(17), ("LOW_STOCK",), supplier),
        (short, Decimal(3), ("SHORTAGE",), supplier),
        (orphan, Decimal(4), ("LOW_STOCK",), None),
    ]
    async with db.unit_of_work(staff.inventory) as uow:
        (po_id,) = await order_suggestions(uow)
    po, po_lines = await _order(db, po_id)
    assert (po.status, po.supplier_id) == ("DRAFT", supplier)
    assert [(ln.item_id, ln.quantity) for ln in po_lines] == [(low, Decimal(17)), (short, Decimal(3))]
    async with db.read() as s:
        assert [ln.item_id for ln in await suggested_orders(s, staff.org)] == [orphan]
        suggestion = (await s.scalars(
            select(ReorderSuggestion).where(ReorderSuggestion.item_id == short))).one()
    assert (suggestion.status, suggestion.purchase_order_id) == ("ORDERED", po_id)


async def test_orders_never_reach_another_garages_suppliers_or_items(db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    their_supplier = await new_supplier(db, other.manager)
    their_item = await new_item(db, other.inventory)
    mine = await new_supplier(db, staff.manager)
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.inventory) as uow:
            await create_purchase_order(uow, their_supplier, [])
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.inventory) as uow:
            await create_purchase_order(uow, mine, [OrderLine(their_item, 1, "1")])
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.inventory) as uow:
            await send_purchase_order(uow, PurchaseOrderId(10**9))
