"""A supplier's statement: bills and payments in date order with a running
balance (what the garage owes), and which bills the payments cover, oldest
bill first.

One query returns bills and payments already merged in date order; one pass
over it computes both the running balance and the coverage. Open bills wait in
a queue with a head index; a payment settles from the head, and money paid
ahead of any bill is kept as credit for the next bill. Every bill enters and
leaves the queue once, so the pass is O(n).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Integer, Numeric, Select, String, literal, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from garagebot.core.db import Amount
from garagebot.core.models.purchasing import SupplierBill, SupplierPayment

ZERO = Decimal("0.000")


class EntryKind(StrEnum):
    BILL = "bill"
    PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One bill (``debit``) or payment (``credit``); ``balance`` is owed after it."""

    day: dt.date
    kind: EntryKind
    id: int
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class BillCoverage:
    """How much of a bill the payments cover (oldest bill first) and when it was settled."""

    bill_id: int
    reference: str
    bill_date: dt.date
    due_date: dt.date
    total: Decimal
    covered: Decimal
    settled_on: dt.date | None

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.covered


@dataclass(frozen=True, slots=True)
class SupplierStatement:
    supplier_id: int
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    bills: tuple[BillCoverage, ...]
    unapplied_credit: Decimal


@dataclass(slots=True)
class _Open:
    bill_id: int
    reference: str
    bill_date: dt.date
    due_date: dt.date
    total: Decimal
    covered: Decimal = ZERO
    settled_on: dt.date | None = None


class _Pass:
    """Running balance and oldest-first coverage, fed one entry at a time.
    Invariant: unapplied credit is only ever held when no bill is open."""

    def __init__(self) -> None:
        self.balance = ZERO
        self.credit = ZERO
        self.bills: list[_Open] = []
        self.queue: list[_Open] = []  # bills not settled when they arrived, oldest first
        self.head = 0  # the first of them not settled yet

    def bill(self, day: dt.date, id_: int, ref: str, value: Decimal, due: dt.date) -> None:
        self.balance += value
        bill = _Open(id_, ref, day, due, value, covered=min(self.credit, value))
        self.credit -= bill.covered
        self.bills.append(bill)
        if bill.covered == value:
            bill.settled_on = day
        else:
            self.queue.append(bill)

    def payment(self, day: dt.date, value: Decimal) -> None:
        self.balance -= value
        left = value
        while left > 0 and self.head < len(self.queue):
            bill = self.queue[self.head]
            take = min(bill.total - bill.covered, left)
            bill.covered += take
            left -= take
            if bill.covered == bill.total:
                bill.settled_on = day
                self.head += 1
        self.credit += left


def _entries(org_id: int, supplier_id: int, end: dt.date | None, dialect: str) -> Select[Any]:
    # asyncpg already returns NUMERIC as Decimal; SQLite keeps amounts as text (see db.Amount).
    money: TypeEngine[Decimal] = Amount() if dialect == "sqlite" else Numeric(18, 3, asdecimal=True)
    bills = select(
        type_coerce(SupplierBill.bill_date, Date()).label("day"), literal(0, Integer()).label("kind"),
        SupplierBill.id.label("id"), type_coerce(SupplierBill.reference, String()).label("reference"),
        type_coerce(SupplierBill.total, money).label("amount"),
        type_coerce(SupplierBill.due_date, Date()).label("due"),
    ).where(SupplierBill.organization_id == org_id, SupplierBill.supplier_id == supplier_id)
    payments = select(
        SupplierPayment.paid_on, literal(1, Integer()), SupplierPayment.id, SupplierPayment.reference,
        SupplierPayment.amount, SupplierPayment.paid_on,
    ).where(SupplierPayment.organization_id == org_id, SupplierPayment.supplier_id == supplier_id)
    if end is not None:
        bills = bills.where(SupplierBill.bill_date <= end)
        payments = payments.where(SupplierPayment.paid_on <= end)
    merged = union_all(bills, payments).subquery()
    # Bills before payments of the same day, so a same-day payment can cover that day's bill.
    return select(merged).order_by(merged.c.day, merged.c.kind, merged.c.id)


async def supplier_statement(
    session: AsyncSession,
    org_id: int,
    supplier_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> SupplierStatement:
    """The statement for ``start``..``end`` (inclusive; open-ended when None).
    Entries before ``start`` make the opening balance; coverage counts every
    bill and payment up to ``end``."""
    # Core execution: the rows are plain tuples, no ORM bookkeeping per row.
    conn = await session.connection()
    result = await conn.execute(_entries(org_id, supplier_id, end, conn.dialect.name))
    run = _Pass()
    opening = ZERO
    lines: list[StatementLine] = []
    for day, kind, id_, ref, value, due in result.tuples():
        if kind == 0:
            run.bill(day, id_, ref, value, due)
        else:
            run.payment(day, value)
        if start is not None and day < start:
            opening = run.balance
            continue
        is_bill = kind == 0
        lines.append(StatementLine(
            day, EntryKind.BILL if is_bill else EntryKind.PAYMENT, id_, ref,
            value if is_bill else ZERO, ZERO if is_bill else value, run.balance,
        ))
    bills = tuple(BillCoverage(b.bill_id, b.reference, b.bill_date, b.due_date, b.total, b.covered,
                               b.settled_on) for b in run.bills)
    return SupplierStatement(supplier_id, opening, tuple(lines), run.balance, bills, run.credit)
