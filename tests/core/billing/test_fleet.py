"""Fleet accounts: the oldest-first cascade, credit, allocation rows, newest-first reversal."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import PayerKind
from garagebot.core.billing.fleet import (
    bill_session_to_account,
    create_fleet_account,
    fleet_balance,
    record_fleet_payment,
)
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.payments import PaymentResult, reverse_payment
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from garagebot.core.ids import FleetAccountId, InvoiceId
from garagebot.core.models import Invoice, PaymentAllocation
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.billing.helpers import (
    add_job,
    approved_quote,
    assert_balanced,
    ledger,
    money_state,
    open_visit,
)
from tests.fakes import FakeClock

D = Decimal


async def _account(db: Database, staff: Staff, name: str = "Rent-a-Car Amman") -> FleetAccountId:
    async with db.unit_of_work(staff.accountant) as uow:
        return await create_fleet_account(uow, name=name, contact_phone="0791234567")


async def _fleet_invoice(
    db: Database, staff: Staff, clock: FakeClock, account: FleetAccountId, minutes: int
) -> InvoiceId:
    """An issued invoice of ``minutes`` of labour (× 20 JOD/h + 16 %) billed to the account."""
    visit = await open_visit(db, staff)
    async with db.unit_of_work(staff.advisor) as uow:
        await bill_session_to_account(uow, visit.session_id, account)
    await add_job(db, staff, visit, "Service", [(minutes, None)])
    await approved_quote(db, staff, visit)
    clock.advance(minutes=1)  # each invoice issued a little later than the one before
    async with db.unit_of_work(staff.advisor) as uow:
        inv = await create_invoice(uow, visit.session_id)
        await issue_invoice(uow, inv)
    return inv


async def _invoices(db: Database, ids: list[InvoiceId]) -> list[tuple[Decimal, str]]:
    async with db.read() as s:
        rows = {
            i: (p, st)
            for i, p, st in (
                await s.execute(
                    select(Invoice.id, Invoice.paid_amount, Invoice.status).where(Invoice.id.in_(ids))
                )
            ).all()
        }
    return [rows[i] for i in ids]


async def _pay(db: Database, staff: Staff, account: FleetAccountId, amount: str) -> PaymentResult:
    async with db.unit_of_work(staff.accountant) as uow:
        return await record_fleet_payment(uow, account, amount, "BANK_TRANSFER")


async def test_a_lump_sum_settles_the_oldest_invoices_first_and_the_boundary_one_in_part(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    # 23.200, 11.600, 34.800, 17.400
    invs = [await _fleet_invoice(db, staff, clock, account, m) for m in (60, 30, 90, 45)]
    paid = await _pay(db, staff, account, "50")
    assert await _invoices(db, invs) == [
        (D("23.200"), "PAID"),
        (D("11.600"), "PAID"),
        (D("15.200"), "PARTIALLY_PAID"),
        (D("0.000"), "ISSUED"),
    ]
    assert (paid.allocated.amount, paid.credit_balance.amount, paid.invoices_settled) == (
        D("50.000"),
        D(0),
        2,
    )
    async with db.read() as s:
        allocations = (
            await s.execute(
                select(PaymentAllocation.invoice_id, PaymentAllocation.amount)
                .where(PaymentAllocation.payment_id == paid.payment_id)
                .order_by(PaymentAllocation.id)
            )
        ).all()
        balance = await fleet_balance(s, staff.org, account, "JOD")
    assert [(i, a) for i, a in allocations] == [
        (invs[0], D("23.200")),
        (invs[1], D("11.600")),
        (invs[2], D("15.200")),
    ]
    assert (balance.open_invoices, balance.owed.amount, balance.credit.amount) == (2, D("37.000"), D(0))
    assert_balanced(await ledger(db, staff.org, PayerKind.FLEET, account))


async def test_the_surplus_becomes_credit_and_the_next_payment_spends_it_first(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    first_inv = await _fleet_invoice(db, staff, clock, account, 60)  # 23.200
    first = await _pay(db, staff, account, "30")
    assert first.credit_balance.amount == D("6.800")
    later = [await _fleet_invoice(db, staff, clock, account, m) for m in (30, 45)]  # 11.600, 17.400
    second = await _pay(db, staff, account, "10")
    assert (second.credit_used.amount, second.allocated.amount) == (D("6.800"), D("16.800"))
    assert await _invoices(db, [first_inv, *later]) == [
        (D("23.200"), "PAID"),
        (D("11.600"), "PAID"),
        (D("5.200"), "PARTIALLY_PAID"),
    ]
    async with db.read() as s:
        rows = (
            await s.execute(
                select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id, PaymentAllocation.amount)
                .where(PaymentAllocation.cause_payment_id == second.payment_id)
                .order_by(PaymentAllocation.id)
            )
        ).all()
    # The older payment's credit went first, then the new money.
    assert [tuple(r) for r in rows] == [
        (first.payment_id, later[0], D("6.800")),
        (second.payment_id, later[0], D("4.800")),
        (second.payment_id, later[1], D("5.200")),
    ]
    assert_balanced(await ledger(db, staff.org, PayerKind.FLEET, account))


async def test_reversal_is_newest_first_and_restores_invoices_and_credit_exactly(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    invs = [await _fleet_invoice(db, staff, clock, account, m) for m in (60, 30, 90)]
    start = await money_state(db, staff.org, PayerKind.FLEET, account)
    first = await _pay(db, staff, account, "40")  # pays 1 and 2, 5.200 of 3
    after_first = await money_state(db, staff.org, PayerKind.FLEET, account)
    second = await _pay(db, staff, account, "50")  # pays the rest of 3, 20.400 credit
    assert second.credit_balance.amount == D("20.400")
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await reverse_payment(uow, first.payment_id, reason="Transfer recalled")
    assert err.value.params == {"receipt": first.receipt_number, "newer": second.receipt_number}
    async with db.unit_of_work(staff.manager) as uow:
        await reverse_payment(uow, second.payment_id, reason="Transfer recalled")
    assert await money_state(db, staff.org, PayerKind.FLEET, account) == after_first
    assert_balanced(await ledger(db, staff.org, PayerKind.FLEET, account))
    async with db.unit_of_work(staff.manager) as uow:
        await reverse_payment(uow, first.payment_id, reason="Transfer recalled")
    assert await money_state(db, staff.org, PayerKind.FLEET, account) == start
    assert await _invoices(db, invs) == [(D("0.000"), "ISSUED")] * 3
    assert_balanced(await ledger(db, staff.org, PayerKind.FLEET, account))


async def test_reversing_a_payment_that_spent_older_credit_gives_that_credit_back(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    await _fleet_invoice(db, staff, clock, account, 60)  # 23.200
    await _pay(db, staff, account, "30")  # 6.800 credit
    await _fleet_invoice(db, staff, clock, account, 30)  # 11.600
    before = await money_state(db, staff.org, PayerKind.FLEET, account)
    second = await _pay(db, staff, account, "4.800")  # 6.800 credit + 4.800 settle it
    assert second.credit_balance.amount == 0
    async with db.unit_of_work(staff.manager) as uow:
        await reverse_payment(uow, second.payment_id, reason="Wrong account")
    assert await money_state(db, staff.org, PayerKind.FLEET, account) == before
    assert before.credit == D("6.800")


async def test_concurrent_lump_sums_keep_allocations_plus_credit_equal_to_payments(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    invs = [await _fleet_invoice(db, staff, clock, account, 30) for _ in range(6)]  # 6 × 11.600
    results = await asyncio.gather(*(_pay(db, staff, account, amount) for amount in ("10", "20", "30", "15")))
    assert len({r.receipt_number for r in results}) == 4
    book = await ledger(db, staff.org, PayerKind.FLEET, account)
    assert book.payments.amount == D("75.000")
    assert_balanced(book)
    state = await _invoices(db, invs)
    assert sum((p for p, _ in state), D(0)) == D("69.600")  # all six paid
    assert book.credit.amount == D("5.400")


async def test_a_session_already_invoiced_cannot_move_to_an_account(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Service", [(30, None)])
    await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        await create_invoice(uow, visit.session_id)
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.advisor) as uow:
            await bill_session_to_account(uow, visit.session_id, account)


async def test_account_names_are_unique_and_amounts_are_checked(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    with pytest.raises(Conflict):
        await _account(db, staff)
    with pytest.raises(InvalidInput):
        await _pay(db, staff, account, "-10")
    book = await ledger(db, staff.org, PayerKind.FLEET, account)
    assert book.payments.amount == 0


async def test_another_garage_cannot_see_or_pay_into_the_account(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    account = await _account(db, staff)
    other = await make_staff(db, await new_garage(db))
    with pytest.raises(NotFound):
        async with db.unit_of_work(other.accountant) as uow:
            await record_fleet_payment(uow, account, "10", "CASH")
    visit = await open_visit(db, other)
    with pytest.raises(NotFound):
        async with db.unit_of_work(other.advisor) as uow:
            await bill_session_to_account(uow, visit.session_id, account)
