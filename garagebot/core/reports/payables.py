"""Pending supplier bills: what the garage still owes, bill by bill, on a day.

Supplier payments are not tied to bills; as on the supplier's statement
(``purchasing.statement``), a supplier's payments cover its bills oldest
first (by bill date, then entry order), and money paid ahead waits for the
next bill. So on ``as_of`` each supplier's payments up to that day, in total,
fill its bills up to that day in order; a bill not wholly covered is
pending. ``days_overdue`` is counted from the due date (negative: not due yet).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import OrgId
from garagebot.core.models.purchasing import Supplier, SupplierBill, SupplierPayment
from garagebot.core.money import Money
from garagebot.core.reports.period import load_garage


@dataclass(frozen=True, slots=True)
class PendingBill:
    supplier: str
    reference: str
    bill_date: dt.date
    due_date: dt.date
    total: Money
    paid: Money
    due: Money
    age_days: int
    days_overdue: int


async def pending_bills(session: AsyncSession, org_id: OrgId, *, as_of: dt.date) -> list[PendingBill]:
    """Bills not fully paid on ``as_of``, the longest overdue first."""
    garage = await load_garage(session, org_id)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    payments = await session.execute(
        select(SupplierPayment.supplier_id, SupplierPayment.amount).where(
            SupplierPayment.organization_id == org_id, SupplierPayment.paid_on <= as_of)
    )
    for supplier_id, value in payments.tuples():
        paid[supplier_id] += value
    bills = await session.execute(
        select(SupplierBill.supplier_id, Supplier.name, SupplierBill.reference, SupplierBill.bill_date,
               SupplierBill.due_date, SupplierBill.total)
        .join(Supplier, Supplier.id == SupplierBill.supplier_id)
        .where(SupplierBill.organization_id == org_id, SupplierBill.bill_date <= as_of)
        .order_by(SupplierBill.supplier_id, SupplierBill.bill_date, SupplierBill.id)
    )
    cur = garage.currency
    out = []
    for supplier_id, name, reference, billed, due_on, total in bills.tuples():
        covered = min(paid[supplier_id], total)
        paid[supplier_id] -= covered
        if covered < total:
            out.append(PendingBill(name, reference, billed, due_on, Money(total, cur), Money(covered, cur),
                                   Money(total - covered, cur), (as_of - billed).days,
                                   (as_of - due_on).days))
    return sorted(out, key=lambda b: (-b.days_overdue, b.supplier, b.reference))
