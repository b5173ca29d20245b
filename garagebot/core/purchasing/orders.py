"""Purchase orders: DRAFT → SENT → PARTIALLY_RECEIVED → RECEIVED, or CANCELLED
(``states.PO_TRANSITIONS``). Receiving books the goods into the order's store
through the stock ledger, with cost layers at the line's cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import ItemId, LocationId, PurchaseOrderId, SupplierId
from garagebot.core.inventory.items import location_or_default
from garagebot.core.inventory.ledger import acting_user_id
from garagebot.core.inventory.states import SuggestionStatus
from garagebot.core.inventory.stock import Received, audit_receipt, receive_into
from garagebot.core.inventory.values import amount, for_unit, show
from garagebot.core.models.inventory import InventoryItem, ReorderSuggestion
from garagebot.core.models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from garagebot.core.permissions import Permission
from garagebot.core.purchasing.inputs import garage_today, note
from garagebot.core.purchasing.states import PO_TRANSITIONS, PurchaseOrderStatus
from garagebot.core.uow import UnitOfWork

S = PurchaseOrderStatus


@dataclass(frozen=True, slots=True)
class OrderLine:
    item_id: ItemId
    quantity: Decimal | int | str
    unit_cost: Decimal | int | str


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """What came in against one order line; ``unit_cost`` when the price changed."""

    line_id: int
    quantity: Decimal | int | str
    unit_cost: Decimal | int | str | None = None


def _move(po: PurchaseOrder, to: PurchaseOrderStatus) -> None:
    frm = S(po.status)
    if to not in PO_TRANSITIONS[frm]:
        raise InvalidTransition("error.purchasing_order_transition", number=po.number, status=frm.value,
                                to=to.value)
    po.status = to.value


async def _lines(uow: UnitOfWork, po_id: int) -> list[PurchaseOrderLine]:
    stmt = (
        select(PurchaseOrderLine)
        .where(PurchaseOrderLine.organization_id == uow.org_id, PurchaseOrderLine.purchase_order_id == po_id)
        .order_by(PurchaseOrderLine.id)
    )
    return list((await uow.session.scalars(stmt)).all())


async def _add_lines(uow: UnitOfWork, po: PurchaseOrder, lines: Sequence[OrderLine]) -> None:
    cur = (await uow.organization()).currency
    seen = {line.item_id for line in await _lines(uow, po.id)}
    for line in lines:
        item = await uow.get(InventoryItem, line.item_id)
        if item.id in seen:
            raise InvalidInput("error.purchasing_duplicate_item", sku=item.sku)
        seen.add(item.id)
        uow.session.add(PurchaseOrderLine(
            organization_id=uow.org_id, purchase_order_id=po.id, item_id=item.id,
            quantity=for_unit(line.quantity, item.unit, item.sku), received_quantity=Decimal(0),
            unit_cost=amount(line.unit_cost, cur, field="unit_cost"),
        ))
    await uow.session.flush()


def _line_snapshot(lines: Sequence[PurchaseOrderLine]) -> list[dict[str, object]]:
    return [{"item_id": ln.item_id, "quantity": ln.quantity, "unit_cost": ln.unit_cost,
             "received": ln.received_quantity} for ln in lines]


async def create_purchase_order(
    uow: UnitOfWork,
    supplier_id: SupplierId,
    lines: Sequence[OrderLine],
    *,
    location_id: LocationId | None = None,
    note_text: str | None = None,
) -> PurchaseOrderId:
    """A DRAFT order to a supplier, numbered PO-YYYY-NNNNN (gapless per garage and year)."""
    await uow.require(Permission.MANAGE_PURCHASING)
    supplier = await uow.get(Supplier, supplier_id)
    if not supplier.active:
        raise InvalidInput("error.purchasing_supplier_inactive", name=supplier.name)
    loc = await location_or_default(uow, location_id)
    year = str((await garage_today(uow)).year)
    number = f"PO-{year}-{await uow.next_number('PO', year):05d}"
    po = PurchaseOrder(
        organization_id=uow.org_id, number=number, supplier_id=supplier.id, location_id=loc,
        status=S.DRAFT.value, note=note(note_text), created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(po)
    await uow.session.flush()
    await _add_lines(uow, po, lines)
    await uow.audit("purchase_order", po.id, "create",
                    after={"number": number, "supplier_id": supplier.id, "location_id": loc,
                           "lines": _line_snapshot(await _lines(uow, po.id))})
    return PurchaseOrderId(po.id)


async def add_order_lines(uow: UnitOfWork, po_id: PurchaseOrderId, lines: Sequence[OrderLine]) -> None:
    """Add lines to a DRAFT order (one line per item)."""
    await uow.require(Permission.MANAGE_PURCHASING)
    po = await uow.get(PurchaseOrder, po_id, lock=True)
    if po.status != S.DRAFT.value:
        raise InvalidTransition("error.purchasing_order_not_draft", number=po.number, status=po.status)
    before = _line_snapshot(await _lines(uow, po.id))
    await _add_lines(uow, po, lines)
    await uow.audit("purchase_order", po.id, "add_lines", before={"lines": before},
                    after={"lines": _line_snapshot(await _lines(uow, po.id))})


async def send_purchase_order(uow: UnitOfWork, po_id: PurchaseOrderId) -> None:
    """DRAFT → SENT (an order needs at least one line)."""
    await uow.require(Permission.MANAGE_PURCHASING)
    po = await uow.get(PurchaseOrder, po_id, lock=True)
    if not await _lines(uow, po.id):
        raise InvalidInput("error.purchasing_order_empty", number=po.number)
    _move(po, S.SENT)
    po.sent_at = uow.now
    await uow.audit("purchase_order", po.id, "send", before={"status": S.DRAFT}, after={"status": S.SENT})
    uow.emit("purchase_order.sent", {"purchase_order_id": po.id, "number": po.number,
                                     "supplier_id": po.supplier_id})


async def cancel_purchase_order(uow: UnitOfWork, po_id: PurchaseOrderId, reason: str) -> None:
    """DRAFT or SENT → CANCELLED, with a reason. Suggestions it carried reopen."""
    await uow.require(Permission.MANAGE_PURCHASING)
    po = await uow.get(PurchaseOrder, po_id, lock=True)
    why = note(reason)
    if why is None:
        raise InvalidInput("error.purchasing_reason_required")
    frm = po.status
    _move(po, S.CANCELLED)
    po.cancel_reason, po.closed_at = why, uow.now
    await uow.session.execute(
        update(ReorderSuggestion)
        .where(ReorderSuggestion.organization_id == uow.org_id, ReorderSuggestion.purchase_order_id == po.id)
        .values(status=SuggestionStatus.OPEN.value, purchase_order_id=None)
        .execution_options(synchronize_session=False)
    )
    await uow.audit("purchase_order", po.id, "cancel", before={"status": frm},
                    after={"status": S.CANCELLED, "reason": why})
    uow.emit("purchase_order.cancelled", {"purchase_order_id": po.id, "number": po.number})


async def receive_purchase_order(
    uow: UnitOfWork, po_id: PurchaseOrderId, receipts: Sequence[ReceiptLine]
) -> list[int]:
    """Book what came in: a RECEIVE move and a cost layer per line, then
    PARTIALLY_RECEIVED or RECEIVED. Receiving more than is outstanding on a
    line is refused. Returns the ledger move ids."""
    await uow.require(Permission.MANAGE_PURCHASING)
    po = await uow.get(PurchaseOrder, po_id, lock=True)
    if po.status not in (S.SENT.value, S.PARTIALLY_RECEIVED.value):
        raise InvalidTransition("error.purchasing_order_transition", number=po.number, status=po.status,
                                to=S.RECEIVED.value)
    checked = await _checked_receipts(uow, po, receipts)
    received: list[Received] = []
    # Items in id order: the lock order that keeps two receipts free of deadlocks.
    for line, item, qty, cost in sorted(checked, key=lambda c: c[1].id):
        received.append(await receive_into(uow, item, po.location_id, qty, cost, po_line_id=line.id))
        line.received_quantity += qty
    lines = await _lines(uow, po.id)
    frm = po.status
    done = all(ln.received_quantity >= ln.quantity for ln in lines)
    _move(po, S.RECEIVED if done else S.PARTIALLY_RECEIVED)
    po.closed_at = uow.now if done else None
    for r in received:
        await audit_receipt(uow, r)
    await uow.audit("purchase_order", po.id, "receive", before={"status": frm},
                    after={"status": po.status, "lines": _line_snapshot(lines)})
    uow.emit("purchase_order.received", {"purchase_order_id": po.id, "number": po.number,
                                         "status": po.status, "complete": done})
    return [r.move.id for r in received]


async def _checked_receipts(
    uow: UnitOfWork, po: PurchaseOrder, receipts: Sequence[ReceiptLine]
) -> list[tuple[PurchaseOrderLine, InventoryItem, Decimal, Decimal]]:
    if not receipts:
        raise InvalidInput("error.purchasing_receipt_empty", number=po.number)
    cur = (await uow.organization()).currency
    by_id = {ln.id: ln for ln in await _lines(uow, po.id)}
    if len({r.line_id for r in receipts}) != len(receipts):
        raise InvalidInput("error.purchasing_receipt_duplicate_line", number=po.number)
    out = []
    for r in receipts:
        line = by_id.get(r.line_id)
        if line is None:
            raise InvalidInput("error.purchasing_line_not_on_order", number=po.number, line=r.line_id)
        item = await uow.get(InventoryItem, line.item_id)
        qty = for_unit(r.quantity, item.unit, item.sku)
        outstanding = line.quantity - line.received_quantity
        if qty > outstanding:
            raise InvalidInput("error.purchasing_over_receipt", sku=item.sku, outstanding=show(outstanding))
        cost = line.unit_cost if r.unit_cost is None else amount(r.unit_cost, cur, field="unit_cost")
        out.append((line, item, qty, cost))
    return out
