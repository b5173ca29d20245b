"""Receivables aging: open invoice balances on a day, per payer, by age.

An invoice is open on ``as_of`` when it was issued by the end of that day
and not voided by then; its balance is its total less the payment
allocations made by then and not reversed by then (so a past day's aging is
what it was that day). Invoices carry no due date, so age is counted from
the issue day in the garage's calendar: 0–30, 31–60, 61–90 and over 90 days.
The payer is the client, or the fleet account the session is billed to.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import PayerKind
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, FleetAccount, Invoice, PaymentAllocation
from garagebot.core.money import Money
from garagebot.core.reports.period import Garage, load_garage

BUCKETS = (30, 60, 90)


@dataclass(frozen=True, slots=True)
class AgingRow:
    payer_kind: PayerKind
    payer_id: int
    payer: str
    invoices: int
    days_0_30: Money
    days_31_60: Money
    days_61_90: Money
    over_90: Money
    total: Money


@dataclass(slots=True)
class _Payer:
    invoices: int = 0
    buckets: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * (len(BUCKETS) + 1))

    def add(self, age: int, balance: Decimal) -> None:
        self.invoices += 1
        self.buckets[sum(age > limit for limit in BUCKETS)] += balance


async def _balances(
    session: AsyncSession, garage: Garage, end: dt.datetime
) -> list[tuple[str, int, dt.datetime, Decimal]]:
    """(payer kind, payer id, issued at, balance) of every invoice open at ``end``."""
    org = garage.org_id
    open_at_end = and_(
        Invoice.organization_id == org, Invoice.issued_at < end,
        or_(Invoice.voided_at.is_(None), Invoice.voided_at >= end),
    )
    invoices = (await session.execute(
        select(Invoice.id, Invoice.payer_kind, Invoice.payer_id, Invoice.issued_at, Invoice.total)
        .where(open_at_end)
    )).tuples().all()
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    allocations = await session.execute(
        select(PaymentAllocation.invoice_id, PaymentAllocation.amount)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .where(open_at_end, PaymentAllocation.organization_id == org, PaymentAllocation.created_at < end,
               or_(PaymentAllocation.reversed_at.is_(None), PaymentAllocation.reversed_at >= end))
    )
    for invoice_id, value in allocations.tuples():
        allocated[invoice_id] += value
    return [
        (kind, payer_id, issued, total - allocated[invoice_id])
        for invoice_id, kind, payer_id, issued, total in invoices
        if issued is not None and total > allocated[invoice_id]
    ]


async def _names(
    session: AsyncSession, org_id: OrgId, payers: set[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    clients = [i for k, i in payers if k == PayerKind.CLIENT.value]
    fleets = [i for k, i in payers if k == PayerKind.FLEET.value]
    names: dict[tuple[str, int], str] = {}
    if clients:
        rows = await session.execute(select(Client.id, Client.name).where(
            Client.organization_id == org_id, Client.id.in_(clients)))
        names.update({(PayerKind.CLIENT.value, i): n for i, n in rows.tuples()})
    if fleets:
        rows = await session.execute(select(FleetAccount.id, FleetAccount.name).where(
            FleetAccount.organization_id == org_id, FleetAccount.id.in_(fleets)))
        names.update({(PayerKind.FLEET.value, i): n for i, n in rows.tuples()})
    return names


async def receivables_aging(session: AsyncSession, org_id: OrgId, *, as_of: dt.date) -> list[AgingRow]:
    """Per payer with an open balance on ``as_of``: balances by age; the largest total first."""
    garage = await load_garage(session, org_id)
    payers: dict[tuple[str, int], _Payer] = defaultdict(_Payer)
    for kind, payer_id, issued, balance in await _balances(
        session, garage, garage.midnight(as_of + dt.timedelta(days=1))
    ):
        payers[(kind, payer_id)].add((as_of - garage.local_day(issued)).days, balance)
    names = await _names(session, org_id, set(payers))
    cur = garage.currency
    rows = []
    for (kind, payer_id), p in payers.items():
        young, mid, old, oldest = (Money(b, cur) for b in p.buckets)
        rows.append(AgingRow(PayerKind(kind), payer_id, names.get((kind, payer_id), ""), p.invoices,
                             young, mid, old, oldest, Money(sum(p.buckets, Decimal(0)), cur)))
    return sorted(rows, key=lambda r: (-r.total.amount, r.payer, r.payer_id))
