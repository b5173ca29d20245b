"""Gross margin of parts against labour (and fees) over a period.

Revenue follows the revenue report exactly: the lines of every invoice
issued in the period count, and the lines of an invoice whose credit note
was made in the period count negatively; amounts are line ``net`` (after
discounts, before tax). The categories' revenues add up to the revenue
report's ``net``.

Parts cost is the exact cost of the parts CONSUMED on the invoiced session
(``Reservation.cost_total``: the same amount as the CONSUME move's cost,
taken from the FIFO or average cost layers), counted with the invoice and
reversed with its credit note. A part consumed but not on the invoice still
costs; a part not consumed yet when the report runs costs nothing yet.

Labour cost is not known: the garage keeps no pay rates, so the labour row
has no cost or margin (see the mechanic productivity report for the time
logged). Fees and surcharges have no cost either.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Subquery, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import LineKind
from garagebot.core.ids import OrgId
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import CreditNote, Invoice, InvoiceLine, Reservation
from garagebot.core.money import Money
from garagebot.core.reports.period import Period, load_garage, percent


class MarginCategory(StrEnum):
    PARTS = "parts"
    LABOUR = "labour"
    FEES = "fees"


_CATEGORY = {
    LineKind.PART.value: MarginCategory.PARTS,
    LineKind.LABOUR.value: MarginCategory.LABOUR,
    LineKind.FEE.value: MarginCategory.FEES,
    LineKind.SURCHARGE.value: MarginCategory.FEES,
}


@dataclass(frozen=True, slots=True)
class MarginRow:
    """One category: revenue, and cost and margin where the cost is known."""

    category: MarginCategory
    revenue: Money
    cost: Money | None
    margin: Money | None
    margin_percent: Decimal | None


def _counted(org_id: OrgId, since: dt.datetime, until: dt.datetime) -> Subquery:
    """(invoice id, session id, sign): invoices issued in the range count +1,
    invoices whose credit note was made in the range count -1."""
    issued = select(Invoice.id.label("invoice_id"), Invoice.session_id.label("session_id"),
                    literal(1).label("sign")).where(
        Invoice.organization_id == org_id, Invoice.issued_at >= since, Invoice.issued_at < until)
    reversed_ = select(Invoice.id, Invoice.session_id, literal(-1)).join(
        CreditNote, CreditNote.invoice_id == Invoice.id).where(
        CreditNote.organization_id == org_id, CreditNote.created_at >= since,
        CreditNote.created_at < until)
    return union_all(issued, reversed_).subquery()


async def gross_margin(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[MarginRow]:
    """Parts, labour and fees of the period (see the module docstring)."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    counted = _counted(org_id, since, until)
    lines = (await session.execute(
        select(InvoiceLine.kind, InvoiceLine.net, counted.c.sign)
        .join(counted, counted.c.invoice_id == InvoiceLine.invoice_id)
        .where(InvoiceLine.organization_id == org_id)
    )).all()
    revenue: dict[MarginCategory, Decimal] = defaultdict(Decimal)
    for kind, net, sign in lines:
        revenue[_CATEGORY[kind]] += net * sign
    cost = await _parts_cost(session, org_id, counted)
    return _rows(garage.currency, revenue, cost)


async def _parts_cost(session: AsyncSession, org_id: OrgId, counted: Subquery) -> Decimal:
    signs = (await session.execute(select(counted.c.session_id, counted.c.sign))).all()
    weight: dict[int, int] = defaultdict(int)
    for session_id, sign in signs:
        weight[session_id] += sign
    if not weight:
        return Decimal(0)
    consumed = (await session.execute(
        select(Reservation.session_id, Reservation.cost_total).where(
            Reservation.organization_id == org_id, Reservation.session_id.in_(list(weight)),
            Reservation.status == ReservationStatus.CONSUMED.value)
    )).all()
    return sum((cost * weight[sid] for sid, cost in consumed if cost is not None), Decimal(0))


def _rows(currency: str, revenue: dict[MarginCategory, Decimal], parts_cost: Decimal) -> list[MarginRow]:
    rows: list[MarginRow] = []
    for category in MarginCategory:
        income = Money(revenue[category], currency)
        if category is MarginCategory.PARTS:
            margin = income - Money(parts_cost, currency)
            rows.append(MarginRow(category, income, Money(parts_cost, currency), margin,
                                  percent(margin.amount, income.amount)))
        else:
            rows.append(MarginRow(category, income, None, None, None))
    return rows
