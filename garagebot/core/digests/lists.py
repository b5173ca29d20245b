"""The lists behind a digest's figures, each row something that opens:
overdue sessions (``kpi.overdue_sessions``), sessions awaiting the client's
approval, items that ran out (the stock-outs report over the last seven
days), and invoices open for more than 30 days (the receivables figure's
invoices). Read-only, scoped to one garage, at most ``limit`` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import OPEN_INVOICE
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import InvoiceId, OrgId, SessionId
from garagebot.core.models import Client, InventoryItem, Invoice, RepairSession, Vehicle
from garagebot.core.money import Money
from garagebot.core.reports.parts import stockouts
from garagebot.core.reports.period import Period, load_garage

LIMIT = 20
RECEIVABLE_DAYS = 30


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_id: SessionId
    number: str
    plate: str
    since: dt.datetime


@dataclass(frozen=True, slots=True)
class ItemRow:
    item_id: int
    sku: str
    name_en: str
    name_ar: str
    available: Decimal
    min_level: Decimal
    wanted: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    invoice_id: InvoiceId
    number: str
    payer: str
    balance: Money
    days: int


async def awaiting_approval(session: AsyncSession, org_id: OrgId, *, limit: int = LIMIT) -> list[SessionRow]:
    """Sessions waiting for the client's decision, the longest waiting first."""
    rows = (await session.execute(
        select(RepairSession.id, RepairSession.number, Vehicle.plate, RepairSession.status_changed_at)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .where(RepairSession.organization_id == org_id,
               RepairSession.status == SessionStatus.AWAITING_CLIENT_APPROVAL.value)
        .order_by(RepairSession.status_changed_at, RepairSession.id).limit(limit))).tuples().all()
    return [SessionRow(SessionId(i), n, p, at) for i, n, p, at in rows]


async def short_items(session: AsyncSession, org_id: OrgId, now: dt.datetime, *,
                      limit: int = LIMIT) -> list[ItemRow]:
    """Items the stock-outs report lists for the last seven days (to today)."""
    garage = await load_garage(session, org_id)
    today = garage.today(now)
    found = await stockouts(session, org_id, period=Period(today - dt.timedelta(days=6), today))
    skus = [s.sku for s in found[:limit]]
    if not skus:
        return []
    items = {sku: (i, en, ar) for i, sku, en, ar in (await session.execute(
        select(InventoryItem.id, InventoryItem.sku, InventoryItem.name_en, InventoryItem.name_ar).where(
            InventoryItem.organization_id == org_id, InventoryItem.sku.in_(skus)))).tuples()}
    return [ItemRow(items[s.sku][0], s.sku, items[s.sku][1], items[s.sku][2], s.available_now,
                    s.min_level, s.open_demand) for s in found[:limit] if s.sku in items]


async def item_row(session: AsyncSession, org_id: OrgId, item_id: int, now: dt.datetime) -> ItemRow | None:
    """One item of ``short_items`` (None when it is not short, or not this garage's)."""
    rows = await short_items(session, org_id, now, limit=1000)
    return next((r for r in rows if r.item_id == item_id), None)


async def old_receivables(session: AsyncSession, org_id: OrgId, now: dt.datetime, *,
                          limit: int = LIMIT) -> list[InvoiceRow]:
    """Open invoices issued more than 30 days ago (garage's calendar), the oldest first."""
    garage = await load_garage(session, org_id)
    today = garage.today(now)
    cutoff = garage.midnight(today - dt.timedelta(days=RECEIVABLE_DAYS))
    rows = (await session.execute(
        select(Invoice.id, Invoice.number, Client.name, Invoice.total, Invoice.paid_amount, Invoice.issued_at)
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.organization_id == org_id, Invoice.status.in_([s.value for s in OPEN_INVOICE]),
               Invoice.issued_at < cutoff)
        .order_by(Invoice.issued_at, Invoice.id).limit(limit))).tuples().all()
    return [InvoiceRow(InvoiceId(i), number, name, Money(total - paid, garage.currency),
                       (today - garage.local_day(issued)).days)
            for i, number, name, total, paid, issued in rows if issued is not None]
