"""Supplier bills (what the garage owes) and supplier payments (what it paid).

A bill-level discount is shared over the lines in proportion to their gross
by largest remainder, so the lines' shares add up to the discount exactly, to
the fils. Both documents carry the supplier's reference; recording the same
payment reference again is a no-op, so a retried request does not pay twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import ItemId, PurchaseOrderId, SupplierBillId, SupplierId, SupplierPaymentId
from garagebot.core.inventory.ledger import acting_user_id
from garagebot.core.inventory.values import amount, quantity, round_amount
from garagebot.core.models.inventory import InventoryItem
from garagebot.core.models.purchasing import (
    PurchaseOrder,
    Supplier,
    SupplierBill,
    SupplierBillLine,
    SupplierPayment,
)
from garagebot.core.money import Money, apportion
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.purchasing.inputs import note, past_or_today, reference
from garagebot.core.purchasing.states import SupplierPaymentMethod
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BillLine:
    description: str
    quantity: Decimal | int | str
    unit_cost: Decimal | int | str
    item_id: ItemId | None = None


@dataclass(frozen=True, slots=True)
class _Line:
    description: str
    quantity: Decimal
    unit_cost: Decimal
    gross: Decimal
    item_id: int | None


async def _checked_lines(uow: UnitOfWork, lines: Sequence[BillLine], currency: str) -> list[_Line]:
    if not lines:
        raise InvalidInput("error.purchasing_bill_empty")
    out = []
    for line in lines:
        text = clean_text(line.description) if line.description else ""
        if not text:
            raise InvalidInput("error.purchasing_line_description_required")
        if line.item_id is not None:
            await uow.get(InventoryItem, line.item_id)
        qty = quantity(line.quantity)
        cost = amount(line.unit_cost, currency, field="unit_cost")
        out.append(_Line(text[:300], qty, cost, round_amount(qty * cost, currency), line.item_id))
    return out


async def record_supplier_bill(
    uow: UnitOfWork,
    supplier_id: SupplierId,
    bill_reference: str,
    bill_date: dt.date,
    lines: Sequence[BillLine],
    *,
    discount: Decimal | int | str = 0,
    due_date: dt.date | None = None,
    purchase_order_id: PurchaseOrderId | None = None,
) -> SupplierBillId:
    """Record a supplier's invoice. Its total = sum of line nets = subtotal - discount."""
    await uow.require(Permission.MANAGE_PURCHASING)
    cur = (await uow.organization()).currency
    supplier = await uow.get(Supplier, supplier_id)
    ref = reference(bill_reference)
    day, due = await _dates(uow, supplier, bill_date, due_date)
    if purchase_order_id is not None:
        order = await uow.get(PurchaseOrder, purchase_order_id)
        if order.supplier_id != supplier.id:
            raise InvalidInput("error.purchasing_order_of_other_supplier", order=order.number)
    checked = await _checked_lines(uow, lines, cur)
    subtotal = sum((ln.gross for ln in checked), Decimal("0.000"))
    off = _discount(discount, subtotal, cur)
    await _unique_reference(uow, supplier, ref)
    shares = [m.amount for m in apportion(Money(off, cur), [ln.gross for ln in checked])]
    bill = SupplierBill(
        organization_id=uow.org_id, supplier_id=supplier.id, reference=ref, bill_date=day, due_date=due,
        purchase_order_id=purchase_order_id, subtotal=subtotal, discount=off, total=subtotal - off,
        created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    await _insert(uow, bill, checked, shares)
    await uow.audit("supplier_bill", bill.id, "record", after={
        "supplier_id": supplier.id, "reference": ref, "bill_date": day, "due_date": due,
        "subtotal": subtotal, "discount": off, "total": bill.total, "shares": shares,
    })
    uow.emit("supplier_bill.recorded", {"bill_id": bill.id, "supplier_id": supplier.id, "total": bill.total})
    return SupplierBillId(bill.id)


def _discount(raw: Decimal | int | str, subtotal: Decimal, currency: str) -> Decimal:
    off = amount(raw, currency, field="discount")
    if off > subtotal:
        raise InvalidInput("error.purchasing_discount_above_subtotal", discount=str(off),
                           subtotal=str(subtotal))
    return off


async def _dates(
    uow: UnitOfWork, supplier: Supplier, bill_date: dt.date, due_date: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The bill date (not in the future) and the due date (default: the supplier's terms)."""
    day = await past_or_today(uow, bill_date, "bill_date")
    due = due_date or day + dt.timedelta(days=supplier.payment_terms_days)
    if due < day:
        raise InvalidInput("error.purchasing_due_before_bill", due=due.isoformat(), bill=day.isoformat())
    return day, due


async def _unique_reference(uow: UnitOfWork, supplier: Supplier, ref: str) -> None:
    taken = await uow.session.scalar(select(SupplierBill.id).where(
        SupplierBill.organization_id == uow.org_id, SupplierBill.supplier_id == supplier.id,
        SupplierBill.reference == ref,
    ))
    if taken is not None:
        raise Conflict("error.purchasing_bill_duplicate", reference=ref, supplier=supplier.name)


async def _insert(uow: UnitOfWork, bill: SupplierBill, lines: list[_Line], shares: list[Decimal]) -> None:
    uow.session.add(bill)
    await uow.session.flush()
    uow.session.add_all([
        SupplierBillLine(organization_id=uow.org_id, bill_id=bill.id, position=i, item_id=ln.item_id,
                         description=ln.description, quantity=ln.quantity, unit_cost=ln.unit_cost,
                         gross=ln.gross, discount_share=share, net=ln.gross - share)
        for i, (ln, share) in enumerate(zip(lines, shares, strict=True), start=1)
    ])
    await uow.session.flush()


async def record_supplier_payment(
    uow: UnitOfWork,
    supplier_id: SupplierId,
    paid: Decimal | int | str,
    method: SupplierPaymentMethod | str,
    payment_reference: str,
    paid_on: dt.date,
    *,
    note_text: str | None = None,
) -> SupplierPaymentId:
    """Record money paid to a supplier. The same reference again with the same
    amount and date returns the first payment and writes nothing; with another
    amount or date it is refused."""
    await uow.require(Permission.MANAGE_PURCHASING)
    cur = (await uow.organization()).currency
    supplier = await uow.get(Supplier, supplier_id)
    value = amount(paid, cur, field="amount", positive=True)
    if method not in SupplierPaymentMethod._value2member_map_:
        raise InvalidInput("error.purchasing_invalid_method", value=str(method))
    ref = reference(payment_reference)
    day = await past_or_today(uow, paid_on, "paid_on")
    dialect = uow.session.get_bind().dialect.name
    ins = postgresql.insert(SupplierPayment) if dialect == "postgresql" else sqlite.insert(SupplierPayment)
    new_id = (await uow.session.execute(
        ins.values(organization_id=uow.org_id, supplier_id=supplier.id, amount=value,
                   method=SupplierPaymentMethod(method).value, reference=ref, paid_on=day,
                   note=note(note_text), created_by_id=acting_user_id(uow), created_at=uow.now)
        .on_conflict_do_nothing(index_elements=[
            SupplierPayment.organization_id, SupplierPayment.supplier_id, SupplierPayment.reference,
        ])
        .returning(SupplierPayment.id)
    )).scalar_one_or_none()
    if new_id is None:
        return await _repeat(uow, supplier, ref, value, day)
    await uow.audit("supplier_payment", new_id, "record", after={
        "supplier_id": supplier.id, "amount": value, "method": method, "reference": ref, "paid_on": day,
    })
    uow.emit("supplier_payment.recorded", {"payment_id": new_id, "supplier_id": supplier.id, "amount": value})
    return SupplierPaymentId(new_id)


async def _repeat(
    uow: UnitOfWork, supplier: Supplier, ref: str, value: Decimal, day: dt.date
) -> SupplierPaymentId:
    first = (await uow.session.execute(select(SupplierPayment).where(
        SupplierPayment.organization_id == uow.org_id, SupplierPayment.supplier_id == supplier.id,
        SupplierPayment.reference == ref,
    ))).scalar_one()
    if first.amount != value or first.paid_on != day:
        raise Conflict("error.purchasing_payment_reference_used", reference=ref, supplier=supplier.name)
    return SupplierPaymentId(first.id)
