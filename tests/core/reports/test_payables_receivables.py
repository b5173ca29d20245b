"""What the garage owes its suppliers (bills not fully paid, payments covering
the oldest bills first) and what its clients owe it, by age, on a given day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.enums import PayerKind
from garagebot.core.models import FleetAccount, RepairSession
from garagebot.core.money import Money
from garagebot.core.purchasing.bills import record_supplier_payment
from garagebot.core.purchasing.statement import supplier_statement
from garagebot.core.reports.payables import PendingBill, pending_bills
from garagebot.core.reports.receivables import AgingRow, receivables_aging
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.scenario import Garage, local
from tests.fakes import FakeClock

D = dt.date


def jod(text: str) -> Money:
    return Money(Decimal(text), "JOD")


async def test_pending_bills_are_what_the_payments_have_not_covered_oldest_bill_first(
    db: Database, staff: Staff, clock: FakeClock, scene: Garage
) -> None:
    async with db.read() as s:
        end_of_month = await pending_bills(s, staff.org, as_of=D(2026, 11, 29))
        before_payment = await pending_bills(s, staff.org, as_of=D(2026, 11, 19))
        first_day = await pending_bills(s, staff.org, as_of=D(2026, 11, 16))
    assert end_of_month == [
        # The 15.000 paid on the 20th settled R-1 (11.000) and 4.000 of R-2, due on the 27th.
        PendingBill("Parts Co", "R-2", D(2026, 11, 17), D(2026, 11, 27), jod("18.000"), jod("4.000"),
                    jod("14.000"), 12, 2),
        PendingBill("Oil Ltd", "O-1", D(2026, 11, 22), D(2026, 12, 22), jod("5.000"), jod("0.000"),
                    jod("5.000"), 7, -23),
    ]
    assert [(b.reference, b.due, b.days_overdue) for b in before_payment] == [
        ("R-2", jod("18.000"), -8), ("R-1", jod("11.000"), -27)]
    assert [(b.reference, b.age_days) for b in first_day] == [("R-1", 0)]

    clock.set(local(30, 9))
    async with db.unit_of_work(staff.accountant) as uow:
        await record_supplier_payment(uow, scene.parts_co, "14.000", "CASH", "CASH-2", D(2026, 11, 30))
    async with db.read() as s:
        settled = await pending_bills(s, staff.org, as_of=D(2026, 11, 30))
    assert [b.reference for b in settled] == ["O-1"]


async def test_pending_bills_agree_with_the_supplier_statement(
    db: Database, staff: Staff, scene: Garage
) -> None:
    day = D(2026, 11, 29)
    async with db.read() as s:
        pending = {b.reference: b.due.amount for b in await pending_bills(s, staff.org, as_of=day)}
        statements = [await supplier_statement(s, staff.org, sup, end=day)
                      for sup in (scene.parts_co, scene.oil_ltd)]
    from_statements = {b.reference: b.outstanding for st in statements for b in st.bills if b.outstanding}
    assert pending == from_statements == {"R-2": Decimal("14.000"), "O-1": Decimal("5.000")}


async def test_receivables_are_aged_by_issue_day_per_payer(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        samir, huda = [
            (await s.execute(select(RepairSession.client_id).where(RepairSession.id == sid))).scalar_one()
            for sid in (scene.a, scene.b)
        ]
        acme = (await s.execute(select(FleetAccount.id).where(
            FleetAccount.organization_id == staff.org, FleetAccount.name == "Acme Rentals"))).scalar_one()
        end_of_month = await receivables_aging(s, staff.org, as_of=D(2026, 11, 29))
        december = await receivables_aging(s, staff.org, as_of=D(2026, 12, 20))
        february = await receivables_aging(s, staff.org, as_of=D(2027, 2, 20))
    zero = jod("0.000")
    assert end_of_month == [
        AgingRow(PayerKind.CLIENT, huda, "Huda", 1, jod("46.400"), zero, zero, zero, jod("46.400")),
        AgingRow(PayerKind.FLEET, acme, "Acme Rentals", 1, jod("23.200"), zero, zero, zero, jod("23.200")),
        # 37.120 less the 20.000 paid.
        AgingRow(PayerKind.CLIENT, samir, "Samir", 1, jod("17.120"), zero, zero, zero, jod("17.120")),
    ]
    # Samir's invoice of 16 Nov is 34 days old on 20 Dec; the others of 23 Nov 27.
    assert [(r.payer, r.days_0_30, r.days_31_60) for r in december] == [
        ("Huda", jod("46.400"), zero), ("Acme Rentals", jod("23.200"), zero), ("Samir", zero, jod("17.120"))]
    # On 20 Feb: 96 and 89 days.
    assert [(r.payer, r.days_61_90, r.over_90) for r in february] == [
        ("Huda", jod("46.400"), zero), ("Acme Rentals", jod("23.200"), zero), ("Samir", zero, jod("17.120"))]


async def test_a_past_days_aging_is_what_was_open_that_day(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        # On the 20th B's first invoice was not voided yet, and C was not invoiced.
        on_20th = await receivables_aging(s, staff.org, as_of=D(2026, 11, 20))
        before_any = await receivables_aging(s, staff.org, as_of=D(2026, 11, 15))
    assert [(r.payer, r.invoices, r.total) for r in on_20th] == [
        ("Huda", 1, jod("46.400")), ("Samir", 1, jod("17.120"))]
    assert before_any == []
