"""The console's alerts list beyond the dashboard's counts: sessions waiting
for the client's approval (late once the client's reminder is due), and the
stock items in a low-stock or shortage alert with their figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import QuoteStatus
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import InventoryItem, Quote, RepairSession, StockLevel, Vehicle
from garagebot.core.notify.config import NotifyConfig

# Late: the quote has waited as long as the client's reminder waits (core.notify).
APPROVAL_DUE = dt.timedelta(hours=NotifyConfig("", "").approval_reminder_hours)


@dataclass(frozen=True, slots=True)
class Waiting:
    session_id: SessionId
    number: str
    plate: str
    sent_at: dt.datetime | None
    late: bool


@dataclass(frozen=True, slots=True)
class LowItem:
    item_id: int
    sku: str
    name_en: str
    name_ar: str
    on_hand: Decimal
    min_level: Decimal
    shortage: bool


async def waiting_approval(session: AsyncSession, org_id: OrgId, now: dt.datetime, *,
                           limit: int = 50) -> list[Waiting]:
    """Sessions awaiting the client's approval, longest waiting first."""
    sent = (select(Quote.session_id, func.max(Quote.sent_at).label("sent_at"))
            .where(Quote.organization_id == org_id, Quote.status == QuoteStatus.SENT.value)
            .group_by(Quote.session_id).subquery())
    rows = (await session.execute(
        select(RepairSession.id, RepairSession.number, Vehicle.plate, sent.c.sent_at)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .outerjoin(sent, sent.c.session_id == RepairSession.id)
        .where(RepairSession.organization_id == org_id,
               RepairSession.status == SessionStatus.AWAITING_CLIENT_APPROVAL.value)
        .order_by(sent.c.sent_at, RepairSession.id).limit(limit))).all()
    return [Waiting(SessionId(r.id), r.number, r.plate, r.sent_at,
                    r.sent_at is not None and now - r.sent_at >= APPROVAL_DUE) for r in rows]


async def low_stock(session: AsyncSession, org_id: OrgId, *, limit: int = 100) -> list[LowItem]:
    """Active items in a low-stock or shortage alert, by name."""
    levels = (select(StockLevel.item_id, func.sum(StockLevel.on_hand).label("on_hand"))
              .where(StockLevel.organization_id == org_id).group_by(StockLevel.item_id).subquery())
    rows = (await session.execute(
        select(InventoryItem, levels.c.on_hand)
        .outerjoin(levels, levels.c.item_id == InventoryItem.id)
        .where(InventoryItem.organization_id == org_id, InventoryItem.active.is_(True),
               or_(InventoryItem.low_stock_alerted.is_(True), InventoryItem.shortage_alerted.is_(True)))
        .order_by(InventoryItem.name_en, InventoryItem.id).limit(limit))).all()
    return [LowItem(i.id, i.sku, i.name_en, i.name_ar, Decimal(on_hand or 0), Decimal(i.min_level),
                    bool(i.shortage_alerted)) for i, on_hand in rows]
