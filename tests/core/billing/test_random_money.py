"""A seeded random driver of invoice / pay / fleet-pay / reverse / void, run in
concurrent batches; after every batch the money invariants must hold."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import InvoiceStatus, PayerKind, PaymentStatus
from garagebot.core.billing.fleet import bill_session_to_account, create_fleet_account, record_fleet_payment
from garagebot.core.billing.invoices import create_invoice, issue_invoice, void_invoice
from garagebot.core.billing.payments import record_payment, reverse_payment
from garagebot.core.billing.states import settled_status
from garagebot.core.errors import DomainError
from garagebot.core.ids import FleetAccountId, InvoiceId, PaymentId
from garagebot.core.models import Invoice, Payment, PaymentAllocation
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import Staff
from tests.core.billing.helpers import Visit, add_job, approved_quote, assert_balanced, ledger, open_visit

D = Decimal
BATCHES = 8
PER_BATCH = 4


async def _prepared(db: Database, staff: Staff, account: FleetAccountId, n: int) -> list[Visit]:
    visits = []
    for i in range(n):
        visit = await open_visit(db, staff)
        async with db.unit_of_work(staff.advisor) as uow:
            await bill_session_to_account(uow, visit.session_id, account)
        await add_job(db, staff, visit, "Service", [(15 * (1 + i % 5), None)])
        await approved_quote(db, staff, visit)
        visits.append(visit)
    return visits


async def _check(db: Database, staff: Staff, account: FleetAccountId) -> None:
    assert_balanced(await ledger(db, staff.org, PayerKind.FLEET, account))
    async with db.read() as s:
        invoices = (
            (await s.execute(select(Invoice).where(Invoice.organization_id == staff.org))).scalars().all()
        )
        allocations = (
            await s.execute(
                select(PaymentAllocation.invoice_id, PaymentAllocation.amount).where(
                    PaymentAllocation.organization_id == staff.org, PaymentAllocation.reversed_at.is_(None)
                )
            )
        ).all()
        payments = (
            await s.execute(
                select(Payment.amount, Payment.receipt_number).where(Payment.organization_id == staff.org)
            )
        ).all()
        active = (
            await s.scalars(
                select(Payment.amount).where(
                    Payment.organization_id == staff.org, Payment.status == PaymentStatus.ACTIVE.value
                )
            )
        ).all()
    per_invoice: dict[int, Decimal] = defaultdict(Decimal)
    for invoice_id, amount in allocations:
        per_invoice[invoice_id] += amount
    for inv in invoices:
        assert D(0) <= inv.paid_amount <= inv.total
        assert inv.paid_amount == per_invoice[inv.id]
        if inv.status not in (InvoiceStatus.DRAFT.value, InvoiceStatus.VOID.value):
            assert inv.status == settled_status(inv.total, inv.paid_amount).value
    assert sum(per_invoice.values(), D(0)) <= sum(active, D(0))
    year = [n for n in sorted(i.number for i in invoices)]
    assert year == [f"INV-2026-{k:06d}" for k in range(1, len(year) + 1)]
    receipts = sorted(r for _, r in payments)
    assert receipts == [f"RCT-2026-{k:06d}" for k in range(1, len(receipts) + 1)]


@pytest.mark.parametrize("seed", [7, 2026])
async def test_money_is_conserved_under_a_random_concurrent_workload(
    db: Database, staff: Staff, seed: int
) -> None:
    rng = random.Random(seed)
    async with db.unit_of_work(staff.accountant) as uow:
        account = await create_fleet_account(uow, name=f"Fleet {seed}")
    waiting = await _prepared(db, staff, account, 10)
    issued: list[InvoiceId] = []
    payments: list[PaymentId] = []

    async def run(op: Callable[[UnitOfWork], Awaitable[object]], actor: str = "accountant") -> None:
        try:
            async with db.unit_of_work(getattr(staff, actor)) as uow:
                await op(uow)
        except DomainError:
            pass  # refusals (already paid, newer payment first …) are part of the workload

    async def invoice(visit: Visit) -> None:
        async with db.unit_of_work(staff.advisor) as uow:
            inv = await create_invoice(uow, visit.session_id)
            await issue_invoice(uow, inv)
        issued.append(inv)

    async def fleet_pay(amount: str) -> None:
        async with db.unit_of_work(staff.accountant) as uow:
            payments.append((await record_fleet_payment(uow, account, amount, "BANK_TRANSFER")).payment_id)

    def pick() -> Awaitable[None]:
        roll = rng.random()
        amount = f"{rng.randrange(1, 40)}.{rng.randrange(1000):03d}"
        if roll < 0.3 and waiting:
            return invoice(waiting.pop(0))
        if roll < 0.55:
            return fleet_pay(amount)
        if roll < 0.7 and issued:
            target = rng.choice(issued)
            return run(lambda uow: record_payment(uow, target, amount, "CASH"))
        if roll < 0.85 and payments:
            target_payment = rng.choice(payments)
            return run(lambda uow: reverse_payment(uow, target_payment, reason="random"), "manager")
        if issued:
            target = rng.choice(issued)
            return run(lambda uow: void_invoice(uow, target, reason="random"))
        return fleet_pay(amount)

    async def guarded(work: Awaitable[None]) -> None:
        with contextlib.suppress(DomainError):  # refusals are part of the workload
            await work

    for _ in range(BATCHES):
        await asyncio.gather(*(guarded(pick()) for _ in range(PER_BATCH)))
        await _check(db, staff, account)
    assert issued
    assert payments
