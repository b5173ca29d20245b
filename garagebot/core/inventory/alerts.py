"""Stock alerts, as outbox events.

``stock.low``: the item's available quantity (over every store) fell below
its minimum. It fires once per crossing: a flag on the item is set by a
conditional UPDATE (only one writer can flip it) and cleared when available
is back at or above the minimum. Items with minimum 0 never alert.

``stock.shortage``: open part requests of sessions (parts they wait for) ask
for more than is available. Also once per crossing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.inventory.ledger import totals
from garagebot.core.inventory.states import PartRequestStatus
from garagebot.core.inventory.values import show
from garagebot.core.models.inventory import InventoryItem, PartRequest, Quantity
from garagebot.core.uow import UnitOfWork


async def open_demand(session: AsyncSession, org_id: int, item_id: int) -> Decimal:
    """Quantity of the item that sessions are waiting for (open part requests)."""
    stmt = select(type_coerce(func.coalesce(func.sum(PartRequest.quantity), 0), Quantity())).where(
        PartRequest.organization_id == org_id,
        PartRequest.item_id == item_id,
        PartRequest.status == PartRequestStatus.OPEN.value,
    )
    return (await session.execute(stmt)).scalar_one()


async def _flip(uow: UnitOfWork, item_id: int, name: str, to: bool) -> bool:
    """Set the flag ``name`` to ``to`` if it is not already; True when this call changed it."""
    flag: ColumnElement[bool] = getattr(InventoryItem, name)
    stmt = (
        update(InventoryItem)
        .where(InventoryItem.id == item_id, InventoryItem.organization_id == uow.org_id, flag == (not to))
        .values({name: to})
        .returning(InventoryItem.id)
        .execution_options(synchronize_session=False)
    )
    return (await uow.session.execute(stmt)).first() is not None


async def after_stock_change(uow: UnitOfWork, item: InventoryItem) -> None:
    """Raise or clear the item's low-stock and shortage alerts for its new levels."""
    on_hand, reserved = await totals(uow.session, uow.org_id, item.id)
    available = on_hand - reserved
    base = {"item_id": item.id, "sku": item.sku, "name_en": item.name_en, "name_ar": item.name_ar,
            "available": show(available)}
    if item.min_level > 0 and available < item.min_level:
        if await _flip(uow, item.id, "low_stock_alerted", True):
            uow.emit("stock.low", {**base, "min_level": show(item.min_level),
                                   "max_level": show(item.max_level)})
    else:
        await _flip(uow, item.id, "low_stock_alerted", False)
    demand = await open_demand(uow.session, uow.org_id, item.id)
    if demand > available:
        if await _flip(uow, item.id, "shortage_alerted", True):
            uow.emit("stock.shortage", {**base, "demand": show(demand),
                                        "short": show(demand - available)})
    else:
        await _flip(uow, item.id, "shortage_alerted", False)
