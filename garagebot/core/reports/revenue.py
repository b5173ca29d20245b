"""Revenue: what was invoiced, less what was reversed, per day of the garage.

An invoice counts on the day it was issued (``issued_at``), whatever became
of it later; a voided invoice is reversed by its credit note on the day the
note was made (``CreditNote.created_at``; its amounts are negative). So a
past day's figure never changes when an invoice is voided later, and a
period's revenue is exactly the documents dated in it. DRAFT invoices have
no ``issued_at`` and never count; a draft voided before issue has no credit
note. ``net`` is before tax, ``tax`` the tax, ``total`` what the client owes.

The manager's figures (``kpi.todays_kpis``) count revenue the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import OrgId
from garagebot.core.models import CreditNote, Invoice
from garagebot.core.money import Money
from garagebot.core.reports.period import Garage, Period, load_garage, period_starts


@dataclass(frozen=True, slots=True)
class RevenueDay:
    day: dt.date
    invoices: int
    credit_notes: int
    net: Money
    tax: Money
    total: Money


@dataclass(frozen=True, slots=True)
class RevenueSummary:
    """Revenue of today and of this month to date (``period``: "today" / "month")."""

    period: str
    start: dt.date
    invoices: int
    credit_notes: int
    net: Money
    tax: Money
    total: Money


@dataclass(slots=True)
class _Sum:
    invoices: int = 0
    credit_notes: int = 0
    net: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)

    def add(self, net: Decimal, tax: Decimal, total: Decimal, *, note: bool) -> None:
        self.credit_notes += note
        self.invoices += not note
        self.net += net
        self.tax += tax
        self.total += total


async def _documents(
    session: AsyncSession, garage: Garage, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, Decimal, Decimal, Decimal, bool]]:
    """(when, net, tax, total, is a credit note) of every document in [since, until)."""
    org = garage.org_id
    invoices = (await session.execute(
        select(Invoice.issued_at, Invoice.net_total, Invoice.tax_total, Invoice.total).where(
            Invoice.organization_id == org, Invoice.issued_at >= since, Invoice.issued_at < until)
    )).all()
    notes = (await session.execute(
        select(CreditNote.created_at, CreditNote.net_total, CreditNote.tax_total, CreditNote.total).where(
            CreditNote.organization_id == org, CreditNote.created_at >= since,
            CreditNote.created_at < until)
    )).all()
    return [(at, n, t, tot, False) for at, n, t, tot in invoices] + [
        (at, n, t, tot, True) for at, n, t, tot in notes
    ]


async def revenue_by_day(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[RevenueDay]:
    """Each day of ``period`` with an invoice or credit note, oldest first."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    days: dict[dt.date, _Sum] = defaultdict(_Sum)
    for at, net, tax, total, note in await _documents(session, garage, since, until):
        days[garage.local_day(at)].add(net, tax, total, note=note)
    cur = garage.currency
    return [
        RevenueDay(day, s.invoices, s.credit_notes, Money(s.net, cur), Money(s.tax, cur), Money(s.total, cur))
        for day, s in sorted(days.items())
    ]


async def revenue_summary(session: AsyncSession, org_id: OrgId, *, now: dt.datetime) -> list[RevenueSummary]:
    """Revenue today and this month to date, in the garage's calendar."""
    garage = await load_garage(session, org_id)
    day_start, month_start = period_starts(now, garage.timezone)
    until = garage.midnight(garage.today(now) + dt.timedelta(days=1))
    today, month = _Sum(), _Sum()
    for at, net, tax, total, note in await _documents(session, garage, month_start, until):
        month.add(net, tax, total, note=note)
        if at >= day_start:
            today.add(net, tax, total, note=note)
    cur = garage.currency
    return [
        RevenueSummary(name, garage.local_day(start), s.invoices, s.credit_notes, Money(s.net, cur),
                       Money(s.tax, cur), Money(s.total, cur))
        for name, start, s in (("today", day_start, today), ("month", month_start, month))
    ]
