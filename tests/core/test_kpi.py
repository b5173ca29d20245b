"""The manager's revenue figures count a void on the day it is made, as the
revenue report does: an invoice stays in the day it was issued, and its
credit note takes it off on the day of the void."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.invoices import void_invoice
from garagebot.core.kpi import todays_kpis
from garagebot.core.models import Invoice
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import invoiced_visit
from tests.fakes import FakeClock


async def _figures(db: Database, staff: Staff, now: dt.datetime) -> tuple[Decimal, Decimal]:
    async with db.read() as s:
        k = await todays_kpis(s, staff.org, now)
    return k.revenue_today.amount, k.revenue_month.amount


async def test_a_void_is_taken_off_on_its_own_day_and_the_issue_day_keeps_its_figure(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    clock.set(dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC))  # 11:00 in Amman
    _, kept = await invoiced_visit(db, staff)
    _, voided = await invoiced_visit(db, staff)
    async with db.read() as s:
        rows = (await s.execute(
            select(Invoice.id, Invoice.total).where(Invoice.id.in_([kept, voided])))).all()
    totals = {int(i): Decimal(t) for i, t in rows}
    both = totals[kept] + totals[voided]
    assert await _figures(db, staff, clock.now()) == (both, both)

    clock.set(dt.datetime(2026, 11, 12, 8, 0, tzinfo=dt.UTC))
    async with db.unit_of_work(staff.manager) as uow:
        await void_invoice(uow, voided, reason="Billed to the wrong client")
    # Today: only the credit note; this month: the invoice that stands.
    assert await _figures(db, staff, clock.now()) == (-totals[voided], totals[kept])
    # The day of issue still reads as it did.
    async with db.read() as s:
        assert (await todays_kpis(s, staff.org, dt.datetime(2026, 11, 10, 20, 0, tzinfo=dt.UTC))
                ).revenue_today.amount == both
