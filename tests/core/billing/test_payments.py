"""Payments on invoices: partial, over, idempotent, deposits, credit, newest-first reversal."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import InvoiceStatus, PayerKind
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.payments import (
    PaymentResult,
    apply_credit,
    record_deposit,
    record_payment,
    reverse_payment,
)
from garagebot.core.billing.views import invoice_view
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.models import OutboxRow, Payment, PaymentAllocation
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import (
    add_job,
    approved_quote,
    assert_balanced,
    audit_actions,
    count,
    invoiced_visit,
    ledger,
    money_state,
    open_visit,
)

D = Decimal


async def _status(db: Database, staff: Staff, inv: int) -> tuple[InvoiceStatus, Decimal]:
    async with db.read() as s:
        view = await invoice_view(s, staff.org, inv)  # type: ignore[arg-type]
    return view.status, view.paid.amount


async def test_partial_payments_then_the_rest_pay_the_invoice(db: Database, staff: Staff) -> None:
    visit, inv = await invoiced_visit(db, staff)  # 23.200
    async with db.unit_of_work(staff.accountant) as uow:
        first = await record_payment(uow, inv, "10", "CASH")
    assert await _status(db, staff, inv) == (InvoiceStatus.PARTIALLY_PAID, D("10.000"))
    async with db.unit_of_work(staff.accountant) as uow:
        second = await record_payment(uow, inv, "13.200", "CARD", reference="slip-881")
    assert await _status(db, staff, inv) == (InvoiceStatus.PAID, D("23.200"))
    assert (first.receipt_number, second.receipt_number) == ("RCT-2026-000001", "RCT-2026-000002")
    assert second.credit_balance.amount == 0
    assert await count(db, PaymentAllocation.organization_id, staff.org) == 2
    assert await audit_actions(db, staff.org, "payment") == ["record", "record"]
    async with db.read() as s:
        receipts = (
            await s.scalars(
                select(OutboxRow.channel).where(
                    OutboxRow.organization_id == staff.org, OutboxRow.topic == "billing.payment_receipt"
                )
            )
        ).all()
    assert receipts == ["sms", "sms"]  # the garage has no WhatsApp number
    assert_balanced(await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id))


async def test_an_overpayment_settles_the_invoice_and_the_rest_becomes_credit(
    db: Database, staff: Staff
) -> None:
    visit, inv = await invoiced_visit(db, staff)  # 23.200
    async with db.unit_of_work(staff.accountant) as uow:
        paid = await record_payment(uow, inv, "30", "CASH")
    assert (paid.allocated.amount, paid.credit_balance.amount) == (D("23.200"), D("6.800"))
    assert await _status(db, staff, inv) == (InvoiceStatus.PAID, D("23.200"))
    book = await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id)
    assert (book.payments.amount, book.allocated.amount, book.credit.amount) == (
        D("30.000"),
        D("23.200"),
        D("6.800"),
    )
    assert_balanced(book)


async def test_the_same_reference_twice_is_one_payment(db: Database, staff: Staff) -> None:
    visit, inv = await invoiced_visit(db, staff)
    async with db.unit_of_work(staff.accountant) as uow:
        first = await record_payment(uow, inv, "5", "BANK_TRANSFER", reference="TRX-1")
    async with db.unit_of_work(staff.accountant) as uow:
        again = await record_payment(uow, inv, "5", "BANK_TRANSFER", reference="TRX-1")
    assert again.repeated
    assert again.payment_id == first.payment_id
    assert again.receipt_number == first.receipt_number
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.accountant) as uow:
            await record_payment(uow, inv, "6", "BANK_TRANSFER", reference="TRX-1")
    assert err.value.key == "error.payment_reference_used"
    assert await count(db, Payment.organization_id, staff.org) == 1
    assert await _status(db, staff, inv) == (InvoiceStatus.PARTIALLY_PAID, D("5.000"))
    async with db.unit_of_work(staff.accountant) as uow:
        nxt = await record_payment(uow, inv, "1", "CASH")
    assert nxt.receipt_number == "RCT-2026-000002"  # no receipt number was lost
    assert_balanced(await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id))


async def test_a_reference_racing_itself_is_recorded_once(db: Database, staff: Staff) -> None:
    _, inv = await invoiced_visit(db, staff)

    async def pay() -> PaymentResult:
        async with db.unit_of_work(staff.accountant) as uow:
            return await record_payment(uow, inv, "4", "CARD", reference="slip-7")

    results = await asyncio.gather(*(pay() for _ in range(5)))
    assert len({r.payment_id for r in results}) == 1
    assert sum(1 for r in results if not r.repeated) == 1
    assert await _status(db, staff, inv) == (InvoiceStatus.PARTIALLY_PAID, D("4.000"))


@pytest.mark.parametrize(
    ("amount", "method", "key"),
    [
        ("0", "CASH", "error.amount_not_positive"),
        ("-5", "CASH", "error.amount_negative"),
        ("Infinity", "CASH", "error.amount_not_finite"),
        ("1.0005", "CASH", "error.amount_too_precise"),
        ("1000000000000000", "CASH", "error.amount_too_large"),
        ("5", "BITCOIN", "error.payment_method_invalid"),
    ],
)
async def test_bad_payments_are_refused_and_nothing_is_written(
    db: Database, staff: Staff, amount: str, method: str, key: str
) -> None:
    _, inv = await invoiced_visit(db, staff)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.accountant) as uow:
            await record_payment(uow, inv, amount, method)
    assert err.value.key == key
    assert await count(db, Payment.organization_id, staff.org) == 0
    assert await _status(db, staff, inv) == (InvoiceStatus.ISSUED, D("0.000"))
    async with db.unit_of_work(staff.accountant) as uow:
        assert (await record_payment(uow, inv, "1", "CASH")).receipt_number == "RCT-2026-000001"


async def test_a_draft_invoice_takes_no_payment_and_a_technician_records_none(
    db: Database, staff: Staff
) -> None:
    _, inv = await invoiced_visit(db, staff, issue=False)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.accountant) as uow:
            await record_payment(uow, inv, "1", "CASH")
    assert err.value.key == "error.invoice_not_open"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await record_payment(uow, inv, "1", "CASH")


async def test_a_deposit_is_applied_when_the_invoice_is_issued(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Engine", [(120, None)])  # 46.400
    async with db.unit_of_work(staff.advisor) as uow:
        dep = await record_deposit(uow, visit.session_id, "20", "CASH")
    assert dep.credit_balance.amount == D("20.000")
    await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        inv = await create_invoice(uow, visit.session_id)
        status = await issue_invoice(uow, inv)
    assert status is InvoiceStatus.PARTIALLY_PAID
    assert await _status(db, staff, inv) == (InvoiceStatus.PARTIALLY_PAID, D("20.000"))
    book = await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id)
    assert book.credit.amount == 0
    assert_balanced(book)


async def test_a_deposit_larger_than_the_invoice_leaves_credit(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Service", [(30, None)])  # 11.600
    async with db.unit_of_work(staff.advisor) as uow:
        await record_deposit(uow, visit.session_id, "15", "CARD", reference="dep-1")
    await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        inv = await create_invoice(uow, visit.session_id)
        assert await issue_invoice(uow, inv) is InvoiceStatus.PAID
    book = await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id)
    assert book.credit.amount == D("3.400")
    assert_balanced(book)


async def test_client_credit_is_applied_on_request(db: Database, staff: Staff) -> None:
    visit, first = await invoiced_visit(db, staff)  # 23.200
    async with db.unit_of_work(staff.accountant) as uow:
        await record_payment(uow, first, "30", "CASH")  # 6.800 credit
    other = await open_visit(db, staff, phone=visit.phone)  # the same client, another car
    assert other.client_id == visit.client_id
    await add_job(db, staff, other, "Wipers", [(15, None)])  # 5.800
    await approved_quote(db, staff, other)
    async with db.unit_of_work(staff.advisor) as uow:
        second = await create_invoice(uow, other.session_id)
        await issue_invoice(uow, second)
    async with db.unit_of_work(staff.accountant) as uow:
        applied = await apply_credit(uow, second)
    assert applied.amount == D("5.800")
    assert await _status(db, staff, second) == (InvoiceStatus.PAID, D("5.800"))
    book = await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id)
    assert book.credit.amount == D("1.000")
    assert_balanced(book)


async def test_payments_are_reversed_newest_first_and_everything_is_restored(
    db: Database, staff: Staff
) -> None:
    visit, inv = await invoiced_visit(db, staff)  # 23.200
    before_any = await money_state(db, staff.org, PayerKind.CLIENT, visit.client_id)
    async with db.unit_of_work(staff.accountant) as uow:
        first = await record_payment(uow, inv, "10", "CASH")
    after_first = await money_state(db, staff.org, PayerKind.CLIENT, visit.client_id)
    async with db.unit_of_work(staff.accountant) as uow:
        second = await record_payment(uow, inv, "20", "CASH")  # pays the rest, 6.800 credit
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await reverse_payment(uow, first.payment_id, reason="Bounced")
    assert err.value.key == "error.reverse_newer_payment_first"
    assert err.value.params["newer"] == second.receipt_number
    async with db.unit_of_work(staff.manager) as uow:
        await reverse_payment(uow, second.payment_id, reason="Card charged twice")
    assert await money_state(db, staff.org, PayerKind.CLIENT, visit.client_id) == after_first
    async with db.unit_of_work(staff.manager) as uow:
        await reverse_payment(uow, first.payment_id, reason="Bounced")
    assert await money_state(db, staff.org, PayerKind.CLIENT, visit.client_id) == before_any
    assert await _status(db, staff, inv) == (InvoiceStatus.ISSUED, D("0.000"))
    with pytest.raises(InvalidTransition) as again:
        async with db.unit_of_work(staff.manager) as uow:
            await reverse_payment(uow, first.payment_id, reason="Again")
    assert again.value.key == "error.payment_already_reversed"
    assert_balanced(await ledger(db, staff.org, PayerKind.CLIENT, visit.client_id))
    assert await audit_actions(db, staff.org, "payment") == ["record", "record", "reverse", "reverse"]
