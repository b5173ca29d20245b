"""Stock in and out of the stores: receipts, adjustments (with a reason) and
transfers between stores. Parts used on sessions are in ``parts``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from garagebot.core.errors import InvalidInput
from garagebot.core.ids import ItemId, LocationId
from garagebot.core.inventory.alerts import after_stock_change
from garagebot.core.inventory.arrivals import Fulfilled, audit_fulfilled, fulfil_waiting
from garagebot.core.inventory.items import location_or_default
from garagebot.core.inventory.ledger import ZERO, add_move, change_level, ensure_level
from garagebot.core.inventory.states import MoveKind
from garagebot.core.inventory.valuation import add_layer, lock_item, take
from garagebot.core.inventory.values import QUANTITY_PLACES, amount, for_unit, round_amount, show
from garagebot.core.models.inventory import InventoryItem, StockMove
from garagebot.core.money import parse_decimal
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Received:
    """One receipt into a store, before its audit entry is written."""

    move: StockMove
    item: InventoryItem
    fulfilled: list[Fulfilled]


async def receive_into(
    uow: UnitOfWork,
    item: InventoryItem,
    location_id: int,
    quantity: Decimal,
    unit_cost: Decimal,
    *,
    po_line_id: int | None = None,
    reason: str | None = None,
) -> Received:
    """Put checked stock into a store: level, ledger row, cost layer, the item's
    last cost, waiting part requests and alerts. No permission check and no
    audit entry: the calling service does both (the audit last, see ``ledger``)."""
    cur = (await uow.organization()).currency
    await ensure_level(uow, item.id, location_id)
    await change_level(uow, item, location_id, quantity, ZERO)
    item = await lock_item(uow, item.id)
    move = await add_move(uow, MoveKind.RECEIVE, item.id, location_id, quantity, quantity, ZERO,
                          cost_total=round_amount(quantity * unit_cost, cur), po_line_id=po_line_id,
                          reason=reason)
    await add_layer(uow, item, move.id, quantity, unit_cost)
    item.cost, item.updated_at = unit_cost, uow.now
    fulfilled = await fulfil_waiting(uow, item, location_id)
    await after_stock_change(uow, item)
    uow.emit("stock.received", {"item_id": item.id, "sku": item.sku, "location_id": location_id,
                                "quantity": show(quantity), "unit_cost": unit_cost,
                                "po_line_id": po_line_id})
    return Received(move, item, fulfilled)


async def audit_receipt(uow: UnitOfWork, received: Received) -> None:
    m = received.move
    await uow.audit("stock_move", m.id, "receive",
                    after={"item_id": m.item_id, "location_id": m.location_id, "quantity": m.quantity,
                           "cost_total": m.cost_total, "po_line_id": m.po_line_id, "reason": m.reason})
    await audit_fulfilled(uow, received.fulfilled)


async def receive_stock(
    uow: UnitOfWork,
    item_id: ItemId,
    quantity: Decimal | int | str,
    unit_cost: Decimal | int | str,
    *,
    location_id: LocationId | None = None,
    reason: str | None = None,
) -> int:
    """Receive stock outside a purchase order (opening stock, a cash purchase).
    Returns the ledger move id."""
    await uow.require(Permission.MANAGE_INVENTORY)
    cur = (await uow.organization()).currency
    item = await uow.get(InventoryItem, item_id)
    qty = for_unit(quantity, item.unit, item.sku)
    cost = amount(unit_cost, cur, field="unit_cost")
    loc = await location_or_default(uow, location_id)
    received = await receive_into(uow, item, loc, qty, cost, reason=clean_text(reason) if reason else None)
    await audit_receipt(uow, received)
    return received.move.id


async def adjust_stock(
    uow: UnitOfWork,
    item_id: ItemId,
    delta: Decimal | int | str,
    reason: str,
    *,
    location_id: LocationId | None = None,
) -> int:
    """Correct a store's on-hand after a count: ``delta`` > 0 adds stock (valued
    at the item's cost), < 0 removes available stock (costed from the layers).
    A reason is required. Returns the ledger move id."""
    await uow.require(Permission.MANAGE_INVENTORY)
    why = clean_text(reason) if reason else ""
    if not why:
        raise InvalidInput("error.inventory_reason_required")
    item = await uow.get(InventoryItem, item_id)
    signed = parse_decimal(delta, QUANTITY_PLACES, allow_negative=True, allow_zero=False, field="delta")
    negative = signed < 0
    qty = for_unit(abs(signed), item.unit, item.sku)
    loc = await location_or_default(uow, location_id)
    on_hand_delta = -qty if negative else qty
    move, item, fulfilled = await _book_adjustment(uow, item, loc, on_hand_delta, why[:500])
    cost = move.cost_total
    await after_stock_change(uow, item)
    await uow.audit("stock_move", move.id, "adjust",
                    after={"item_id": item.id, "location_id": loc, "delta": on_hand_delta,
                           "cost_total": cost, "reason": why})
    await audit_fulfilled(uow, fulfilled)
    uow.emit("stock.adjusted", {"item_id": item.id, "sku": item.sku, "location_id": loc,
                                "delta": show(on_hand_delta), "cost_total": cost, "reason": why})
    return move.id


async def _book_adjustment(
    uow: UnitOfWork, item: InventoryItem, loc: int, delta: Decimal, reason: str
) -> tuple[StockMove, InventoryItem, list[Fulfilled]]:
    """Level, ledger row and valuation of an adjustment: a loss is costed from
    the layers; a gain is a new layer at the item's cost and may serve waiting
    part requests."""
    qty = abs(delta)
    if delta > 0:
        await ensure_level(uow, item.id, loc)
    await change_level(uow, item, loc, delta, ZERO)
    item = await lock_item(uow, item.id)
    cur = (await uow.organization()).currency
    cost = await take(uow, item, qty) if delta < 0 else round_amount(qty * item.cost, cur)
    move = await add_move(uow, MoveKind.ADJUST, item.id, loc, qty, delta, ZERO, cost_total=cost,
                          reason=reason)
    if delta < 0:
        return move, item, []
    await add_layer(uow, item, move.id, qty, item.cost)
    return move, item, await fulfil_waiting(uow, item, loc)


async def transfer_stock(
    uow: UnitOfWork,
    item_id: ItemId,
    from_location_id: LocationId,
    to_location_id: LocationId,
    quantity: Decimal | int | str,
) -> str:
    """Move available stock between stores: two TRANSFER rows sharing a group id
    (returned). Costs do not change (layers are per item, not per store)."""
    await uow.require(Permission.MANAGE_INVENTORY)
    item = await uow.get(InventoryItem, item_id)
    qty = for_unit(quantity, item.unit, item.sku)
    src = await location_or_default(uow, from_location_id)
    dst = await location_or_default(uow, to_location_id)
    if src == dst:
        raise InvalidInput("error.inventory_transfer_same_location")
    await ensure_level(uow, item.id, dst)
    group = str(uuid.uuid4())
    # Level rows are locked in location order so that two opposite transfers cannot deadlock.
    for loc in sorted((src, dst)):
        delta = -qty if loc == src else qty
        await change_level(uow, item, loc, delta, ZERO)
        await add_move(uow, MoveKind.TRANSFER, item.id, loc, qty, delta, ZERO, transfer_group=group)
    fulfilled = await fulfil_waiting(uow, item, dst)
    await after_stock_change(uow, item)
    await uow.audit("stock_transfer", group, "transfer",
                    after={"item_id": item.id, "from": src, "to": dst, "quantity": qty})
    await audit_fulfilled(uow, fulfilled)
    uow.emit("stock.transferred", {"item_id": item.id, "sku": item.sku, "from": src, "to": dst,
                                   "quantity": show(qty)})
    return group
