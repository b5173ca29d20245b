"""Suggested orders: what to buy so that stock covers the minimum and the
sessions waiting for parts.

For each active item: projected = available + on order - waiting demand. It
needs ordering when projected is below its minimum (LOW_STOCK) or below zero
(SHORTAGE); the suggested quantity brings projected up to the item's maximum
(or its minimum when no maximum is set), rounded up to whole units for
counted items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import ColumnElement, Select, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from garagebot.core.ids import ItemId, LocationId, PurchaseOrderId, SupplierId
from garagebot.core.inventory.states import (
    WHOLE_UNITS,
    PartRequestStatus,
    SuggestionReason,
    SuggestionStatus,
)
from garagebot.core.models.inventory import (
    InventoryItem,
    PartRequest,
    Quantity,
    ReorderSuggestion,
    StockLevel,
)
from garagebot.core.models.purchasing import PurchaseOrder, PurchaseOrderLine
from garagebot.core.permissions import Permission
from garagebot.core.purchasing.orders import OrderLine, create_purchase_order
from garagebot.core.purchasing.states import PurchaseOrderStatus
from garagebot.core.uow import UnitOfWork

ZERO = Decimal("0.000")
_OPEN_ORDERS = (PurchaseOrderStatus.DRAFT.value, PurchaseOrderStatus.SENT.value,
                PurchaseOrderStatus.PARTIALLY_RECEIVED.value)


@dataclass(frozen=True, slots=True)
class SuggestedLine:
    item_id: ItemId
    sku: str
    name_en: str
    name_ar: str
    supplier_id: SupplierId | None
    quantity: Decimal
    unit_cost: Decimal
    reasons: tuple[SuggestionReason, ...]
    available: Decimal
    on_order: Decimal
    demand: Decimal


def _qsum(column: Mapped[Decimal] | ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(column), 0), Quantity())


async def _by_item(session: AsyncSession, stmt: Select[tuple[int, Decimal]]) -> dict[int, Decimal]:
    return {int(r[0]): r[1] for r in (await session.execute(stmt)).all()}


async def suggested_orders(session: AsyncSession, org_id: int) -> list[SuggestedLine]:
    """Items to order now, by SKU (see the module's rule)."""
    available = await _by_item(session, select(
        StockLevel.item_id, _qsum(type_coerce(StockLevel.on_hand - StockLevel.reserved, Quantity()))
    ).where(StockLevel.organization_id == org_id).group_by(StockLevel.item_id))
    on_order = await _by_item(session, select(
        PurchaseOrderLine.item_id,
        _qsum(type_coerce(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity, Quantity())),
    ).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id).where(
        PurchaseOrder.organization_id == org_id, PurchaseOrder.status.in_(_OPEN_ORDERS)
    ).group_by(PurchaseOrderLine.item_id))
    demand = await _by_item(session, select(PartRequest.item_id, _qsum(PartRequest.quantity)).where(
        PartRequest.organization_id == org_id, PartRequest.status == PartRequestStatus.OPEN.value
    ).group_by(PartRequest.item_id))
    items = (await session.scalars(
        select(InventoryItem).where(InventoryItem.organization_id == org_id, InventoryItem.active.is_(True))
        .order_by(InventoryItem.sku)
    )).all()
    out = []
    for item in items:
        avail, ordered, wanted = available.get(item.id, ZERO), on_order.get(item.id, ZERO), demand.get(
            item.id, ZERO)
        line = _suggest(item, avail, ordered, wanted)
        if line is not None:
            out.append(line)
    return out


def _suggest(
    item: InventoryItem, available: Decimal, on_order: Decimal, demand: Decimal
) -> SuggestedLine | None:
    projected = available + on_order - demand
    reasons: list[SuggestionReason] = []
    if item.min_level > 0 and projected < item.min_level:
        reasons.append(SuggestionReason.LOW_STOCK)
    if projected < 0:
        reasons.append(SuggestionReason.SHORTAGE)
    if not reasons:
        return None
    qty = max(item.max_level, item.min_level) - projected
    if item.unit in WHOLE_UNITS:
        qty = qty.to_integral_value(ROUND_CEILING)
    return SuggestedLine(
        ItemId(item.id), item.sku, item.name_en, item.name_ar,
        SupplierId(item.preferred_supplier_id) if item.preferred_supplier_id else None,
        qty.quantize(Decimal("0.001")), item.cost, tuple(reasons), available, on_order, demand,
    )


async def order_suggestions(
    uow: UnitOfWork, *, location_id: LocationId | None = None, item_ids: Sequence[ItemId] | None = None
) -> list[PurchaseOrderId]:
    """Turn the current suggestions (all, or those of ``item_ids``) into DRAFT
    orders, one per preferred supplier. Items without a preferred supplier stay
    suggestions. The open reorder suggestions of the ordered items are marked
    ORDERED with their order."""
    await uow.require(Permission.MANAGE_PURCHASING)
    lines = await suggested_orders(uow.session, uow.org_id)
    wanted = set(item_ids) if item_ids is not None else None
    by_supplier: dict[SupplierId, list[SuggestedLine]] = defaultdict(list)
    for line in lines:
        if line.supplier_id is not None and (wanted is None or line.item_id in wanted):
            by_supplier[line.supplier_id].append(line)
    created = []
    for supplier_id in sorted(by_supplier):
        group = by_supplier[supplier_id]
        po_id = await create_purchase_order(
            uow, supplier_id, [OrderLine(s.item_id, s.quantity, s.unit_cost) for s in group],
            location_id=location_id, note_text="suggested order",
        )
        await uow.session.execute(
            update(ReorderSuggestion)
            .where(ReorderSuggestion.organization_id == uow.org_id,
                   ReorderSuggestion.item_id.in_([s.item_id for s in group]),
                   ReorderSuggestion.status == SuggestionStatus.OPEN.value)
            .values(status=SuggestionStatus.ORDERED.value, purchase_order_id=po_id)
            .execution_options(synchronize_session=False)
        )
        created.append(po_id)
    return created
