"""Supplier bills with an apportioned discount, supplier payments, and the statement."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.errors import Conflict, DomainError, InvalidInput, NotFound
from garagebot.core.ids import SupplierId
from garagebot.core.models.purchasing import SupplierBill, SupplierBillLine, SupplierPayment
from garagebot.core.purchasing.bills import BillLine, record_supplier_bill, record_supplier_payment
from garagebot.core.purchasing.statement import EntryKind, supplier_statement
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inventory.support import audits, new_item, new_supplier

D = dt.date


async def _bill(db: Database, staff: Staff, supplier: SupplierId, ref: str, day: dt.date, total: str) -> int:
    async with db.unit_of_work(staff.accountant) as uow:
        return await record_supplier_bill(uow, supplier, ref, day, [BillLine("Parts", 1, total)])


async def _pay(db: Database, staff: Staff, supplier: SupplierId, ref: str, day: dt.date, paid: str) -> int:
    async with db.unit_of_work(staff.accountant) as uow:
        return await record_supplier_payment(uow, supplier, paid, "BANK_TRANSFER", ref, day)


async def test_a_bill_discount_is_shared_over_the_lines_to_the_exact_fils(
    db: Database, staff: Staff
) -> None:
    supplier = await new_supplier(db, staff.manager)
    item = await new_item(db, staff.inventory)
    lines = [BillLine("Brake pads", 1, "10.000", item), BillLine("Discs", 1, "10.000"),
             BillLine("Oil 5W-30", "2.5", "4.000")]
    async with db.unit_of_work(staff.accountant) as uow:
        bill_id = await record_supplier_bill(uow, supplier, "INV-881", D(2026, 11, 20), lines,
                                             discount="0.010")
    async with db.read() as s:
        bill = (await s.scalars(select(SupplierBill).where(SupplierBill.id == bill_id))).one()
        rows = (await s.scalars(select(SupplierBillLine).where(SupplierBillLine.bill_id == bill_id)
                                .order_by(SupplierBillLine.position))).all()
    assert [(r.gross, r.discount_share, r.net) for r in rows] == [
        (Decimal("10.000"), Decimal("0.004"), Decimal("9.996")),
        (Decimal("10.000"), Decimal("0.003"), Decimal("9.997")),
        (Decimal("10.000"), Decimal("0.003"), Decimal("9.997")),
    ]
    assert (bill.subtotal, bill.discount, bill.total) == (
        Decimal("30.000"), Decimal("0.010"), Decimal("29.990"))
    assert sum(r.net for r in rows) == bill.total
    assert bill.due_date == D(2026, 12, 20)  # 30 days' terms
    assert len(await audits(db, staff.org, "supplier_bill", "record")) == 1


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"discount": "31"}, "error.purchasing_discount_above_subtotal"),
        ({"discount": "NaN"}, "error.amount_not_finite"),
        ({"bill_date": D(2026, 11, 23)}, "error.purchasing_date_in_future"),
        ({"due_date": D(2026, 1, 1)}, "error.purchasing_due_before_bill"),
        ({"lines": []}, "error.purchasing_bill_empty"),
        ({"lines": [BillLine("x", 1, "-5")]}, "error.amount_negative"),
        ({"lines": [BillLine(" ", 1, "5")]}, "error.purchasing_line_description_required"),
        ({"bill_reference": " "}, "error.purchasing_reference_required"),
    ],
)
async def test_bad_bills_are_refused(db: Database, staff: Staff, kwargs: dict[str, object], key: str) -> None:
    supplier = await new_supplier(db, staff.manager)
    args: dict[str, object] = {"bill_reference": "B-1", "bill_date": D(2026, 11, 1),
                               "lines": [BillLine("Parts", 3, "10.000")]}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.accountant) as uow:
            await record_supplier_bill(uow, supplier, **args)  # type: ignore[arg-type]
    assert err.value.key == key


async def test_the_same_supplier_reference_cannot_be_billed_twice(db: Database, staff: Staff) -> None:
    supplier = await new_supplier(db, staff.manager)
    await _bill(db, staff, supplier, "INV-1", D(2026, 11, 1), "5.000")
    with pytest.raises(Conflict) as err:
        await _bill(db, staff, supplier, "INV-1", D(2026, 11, 2), "6.000")
    assert err.value.key == "error.purchasing_bill_duplicate"


async def test_a_repeated_payment_reference_is_a_no_op_even_when_sent_twice_at_once(
    db: Database, staff: Staff
) -> None:
    supplier = await new_supplier(db, staff.manager)

    async def pay() -> int | DomainError:
        try:
            return await _pay(db, staff, supplier, "TRF-42", D(2026, 11, 21), "150.000")
        except DomainError as exc:
            return exc

    first, second = await asyncio.gather(pay(), pay())
    assert first == second
    assert await _pay(db, staff, supplier, "TRF-42", D(2026, 11, 21), "150.000") == first
    with pytest.raises(Conflict) as err:
        await _pay(db, staff, supplier, "TRF-42", D(2026, 11, 21), "151.000")
    assert err.value.key == "error.purchasing_payment_reference_used"
    async with db.read() as s:
        rows = (await s.scalars(select(SupplierPayment).where(SupplierPayment.supplier_id == supplier))).all()
    assert [(r.amount, r.method) for r in rows] == [(Decimal("150.000"), "BANK_TRANSFER")]
    assert len(await audits(db, staff.org, "supplier_payment", "record")) == 1


@pytest.mark.parametrize(
    ("paid", "method", "day", "key"),
    [
        ("0", "CASH", D(2026, 11, 1), "error.amount_not_positive"),
        ("-1", "CASH", D(2026, 11, 1), "error.amount_negative"),
        ("Infinity", "CASH", D(2026, 11, 1), "error.amount_not_finite"),
        ("1", "BITCOIN", D(2026, 11, 1), "error.purchasing_invalid_method"),
        ("1", "CASH", D(2026, 12, 1), "error.purchasing_date_in_future"),
    ],
)
async def test_bad_payments_are_refused(
    db: Database, staff: Staff, paid: str, method: str, day: dt.date, key: str
) -> None:
    supplier = await new_supplier(db, staff.manager)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.accountant) as uow:
            await record_supplier_payment(uow, supplier, paid, method, "REF-1", day)
    assert err.value.key == key


async def test_the_statement_runs_a_balance_and_covers_the_oldest_bills_first(
    db: Database, staff: Staff
) -> None:
    supplier = await new_supplier(db, staff.manager)
    b1 = await _bill(db, staff, supplier, "B1", D(2026, 1, 1), "100.000")
    p1 = await _pay(db, staff, supplier, "P1", D(2026, 1, 3), "120.000")
    b2 = await _bill(db, staff, supplier, "B2", D(2026, 1, 5), "50.000")
    b3 = await _bill(db, staff, supplier, "B3", D(2026, 1, 10), "30.000")
    p2 = await _pay(db, staff, supplier, "P2", D(2026, 1, 12), "40.000")
    b4 = await _bill(db, staff, supplier, "B4", D(2026, 2, 1), "25.000")
    async with db.read() as s:
        full = await supplier_statement(s, staff.org, supplier)
        window = await supplier_statement(s, staff.org, supplier, start=D(2026, 1, 4), end=D(2026, 1, 31))
    assert [(ln.kind, ln.id, ln.debit, ln.credit, ln.balance) for ln in full.lines] == [
        (EntryKind.BILL, b1, Decimal(100), Decimal(0), Decimal(100)),
        (EntryKind.PAYMENT, p1, Decimal(0), Decimal(120), Decimal(-20)),
        (EntryKind.BILL, b2, Decimal(50), Decimal(0), Decimal(30)),
        (EntryKind.BILL, b3, Decimal(30), Decimal(0), Decimal(60)),
        (EntryKind.PAYMENT, p2, Decimal(0), Decimal(40), Decimal(20)),
        (EntryKind.BILL, b4, Decimal(25), Decimal(0), Decimal(45)),
    ]
    assert [(b.bill_id, b.covered, b.outstanding, b.settled_on) for b in full.bills] == [
        (b1, Decimal(100), Decimal(0), D(2026, 1, 3)),
        (b2, Decimal(50), Decimal(0), D(2026, 1, 12)),
        (b3, Decimal(10), Decimal(20), None),
        (b4, Decimal(0), Decimal(25), None),
    ]
    assert (full.closing_balance, full.unapplied_credit) == (Decimal(45), Decimal(0))
    assert window.opening_balance == Decimal(-20)
    assert [ln.id for ln in window.lines] == [b2, b3, p2]
    assert window.closing_balance == Decimal(20)


async def test_money_paid_ahead_is_credit_for_the_next_bill(db: Database, staff: Staff) -> None:
    supplier = await new_supplier(db, staff.manager)
    await _pay(db, staff, supplier, "ADV", D(2026, 3, 1), "80.000")
    b1 = await _bill(db, staff, supplier, "B1", D(2026, 3, 2), "50.000")
    b2 = await _bill(db, staff, supplier, "B2", D(2026, 3, 3), "50.000")
    async with db.read() as s:
        st = await supplier_statement(s, staff.org, supplier)
    assert [(b.bill_id, b.covered, b.settled_on) for b in st.bills] == [
        (b1, Decimal(50), D(2026, 3, 2)), (b2, Decimal(30), None)]
    assert (st.closing_balance, st.unapplied_credit) == (Decimal(20), Decimal(0))


async def test_a_statement_shows_nothing_of_another_garage(db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    theirs = await new_supplier(db, other.manager)
    async with db.unit_of_work(other.accountant) as uow:
        await record_supplier_bill(uow, theirs, "X", D(2026, 11, 1), [BillLine("Parts", 1, "9.000")])
    async with db.read() as s:
        st = await supplier_statement(s, staff.org, theirs)
    assert (st.lines, st.bills, st.closing_balance) == ((), (), Decimal(0))
    with pytest.raises(NotFound):
        await _pay(db, staff, theirs, "R", D(2026, 11, 1), "1.000")
